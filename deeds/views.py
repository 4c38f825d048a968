from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lib.pdf import pdf_response
from org.access import role_required
from org.models import STAFF_ROLES, Region, Role
from org.scoping import get_visible_or_404

from . import exports, files, services
from .forms import DeedForm, DeedPhotoForm, MonthForm, NoteForm, StoryForm, StoryPhotoForm
from .models import Deed, Story

READERS = (*STAFF_ROLES, Role.LEADER)


def get_deed_for_user(user, pk) -> Deed:
    return get_visible_or_404(Deed.objects.select_related("region"), user, pk=pk)


def get_story_for_user(user, pk) -> Story:
    return get_visible_or_404(Story.objects.select_related("region", "deed", "head_photo"), user, pk=pk)


def _errors(form, exc: ValidationError) -> None:
    form.add_error(None, exc)


# Staff: deeds -----------------------------------------------------------------------------------


@role_required(*READERS)
def deed_list(request):
    deeds = Deed.objects.visible_to(request.user).select_related("region").prefetch_related("stories")
    status = request.GET.get("status")
    if status in Deed.Status.values:
        deeds = deeds.filter(status=status)
    page = Paginator(deeds, 30).get_page(request.GET.get("page"))
    stories = Story.objects.visible_to(request.user).exclude(status=Story.Status.PUBLISHED).order_by("-updated_at")[:20]
    return render(
        request,
        "deeds/deed_list.html",
        {"page": page, "statuses": Deed.Status.choices, "status": status, "stories": stories},
    )


@role_required(*READERS)
def deed_detail(request, pk):
    deed = get_deed_for_user(request.user, pk)
    return render(
        request,
        "deeds/deed_detail.html",
        {
            "deed": deed,
            "photos": deed.photos.all(),
            "cases": deed.cases.all(),
            "stories": deed.stories.all(),
            "can_edit": services.is_editor(request.user, deed.region),
            "photo_form": DeedPhotoForm(),
        },
    )


@role_required(*STAFF_ROLES)
def deed_edit(request, pk=None):
    deed = get_deed_for_user(request.user, pk) if pk else None
    form = DeedForm(request.POST or None, instance=deed, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("units", "case_numbers")}
        try:
            deed = services.deed_save(
                deed=deed,
                by=request.user,
                cases=form.cleaned_data["case_numbers"],
                units=form.cleaned_data["units"],
                **data,
            )
        except ValidationError as exc:
            _errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("实事项目已保存。"))
            return redirect("deeds:deed_detail", pk=deed.pk)
    return render(request, "deeds/deed_form.html", {"form": form, "deed": deed})


@require_POST
@role_required(*STAFF_ROLES)
def deed_photo_add(request, pk):
    deed = get_deed_for_user(request.user, pk)
    form = DeedPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.deed_add_photo(
                deed=deed,
                upload=form.cleaned_data["image"],
                kind=form.cleaned_data["kind"],
                caption=form.cleaned_data["caption"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("照片已上传。"))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("deeds:deed_detail", pk=deed.pk)


@role_required(*READERS)
def monthly(request):
    today = timezone.localdate()
    form = MonthForm(request.GET or None, user=request.user, initial={"month": f"{today:%Y-%m}"})
    summary = None
    if form.is_bound and form.is_valid():
        year, month = form.cleaned_data["month"]
        summary = exports.monthly_summary(form.cleaned_data["region"], year, month)
        if request.GET.get("format") == "pdf":
            return pdf_response(f"{summary.title}.pdf", exports.monthly_pdf(summary))
    return render(request, "deeds/monthly.html", {"form": form, "summary": summary})


# Staff: stories ---------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def story_edit(request, pk=None):
    story = get_story_for_user(request.user, pk) if pk else None
    initial = {}
    if story is None and request.GET.get("deed"):
        deed = get_deed_for_user(request.user, request.GET["deed"])
        subdistrict = deed.region.ancestor_of_kind(Region.Kind.SUBDISTRICT) or deed.region
        initial = {
            "deed": deed,
            "title": deed.title,
            "region": subdistrict,
            "author_name": subdistrict.name,
            "categories": _("我为群众办实事"),
        }
    form = StoryForm(request.POST or None, instance=story, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            story = services.story_save(story=story, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("稿件已保存。"))
            return redirect("deeds:story_detail", pk=story.pk)
    return render(request, "deeds/story_form.html", {"form": form, "story": story})


@role_required(*READERS)
def story_detail(request, pk):
    story = get_story_for_user(request.user, pk)
    numbers, names = services.personal_data_problems(story)
    return render(
        request,
        "deeds/story_detail.html",
        {
            "story": story,
            "photos": story.photos.all(),
            "numbers": numbers,
            "names": names,
            "can_edit": services.is_editor(request.user, story.region),
            "photo_form": StoryPhotoForm(),
            "note_form": NoteForm(),
        },
    )


STORY_ACTIONS = {
    "submit": (lambda s, u, n: services.story_submit(story=s, by=u), _("已提交审核。")),
    "approve": (lambda s, u, n: services.story_approve(story=s, by=u, note=n), _("审核通过，可以发布了。")),
    "return": (lambda s, u, n: services.story_return(story=s, by=u, note=n), _("已退回修改。")),
    "publish": (lambda s, u, n: services.story_publish(story=s, by=u), _("已发布到公开页面。")),
    "withdraw": (lambda s, u, n: services.story_withdraw(story=s, by=u), _("已撤回。")),
}


@require_POST
@role_required(*STAFF_ROLES)
def story_action(request, pk, action):
    story = get_story_for_user(request.user, pk)
    if action not in STORY_ACTIONS:
        raise Http404
    func, done = STORY_ACTIONS[action]
    try:
        func(story, request.user, request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done)
    return redirect("deeds:story_detail", pk=story.pk)


@require_POST
@role_required(*STAFF_ROLES)
def story_photo_add(request, pk):
    story = get_story_for_user(request.user, pk)
    form = StoryPhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.story_add_photo(
                story=story,
                upload=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
                as_head=form.cleaned_data["as_head"],
                by=request.user,
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("图片已上传，把下方的代码粘贴进正文即可显示。"))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("deeds:story_detail", pk=story.pk)


@role_required(*READERS)
def story_export(request, pk):
    story = get_story_for_user(request.user, pk)
    filename, data = exports.markdown_zip(story, user=request.user)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@role_required(*READERS)
def story_pdf(request, pk):
    story = get_story_for_user(request.user, pk)
    return pdf_response(f"{story.title}.pdf", exports.story_pdf(story, user=request.user))


# Public (no login) ------------------------------------------------------------------------------


def public_list(request, region=None):
    """A subdistrict's published stories, newest first; without a region, every subdistrict's."""
    stories = Story.objects.published().select_related("region", "deed", "head_photo").order_by("-published_at")
    current = None
    if region is not None:
        current = get_object_or_404(Region, pk=region, kind__in=[Region.Kind.SUBDISTRICT, Region.Kind.DISTRICT])
        stories = stories.in_region(current)
    page = Paginator(stories, 20).get_page(request.GET.get("page"))
    for story in page:
        story.head_url = files.public_url(story, story.head_photo) if story.head_photo_id else ""
    subdistricts = Region.objects.filter(kind=Region.Kind.SUBDISTRICT)
    return render(request, "deeds/public_list.html", {"page": page, "region": current, "subdistricts": subdistricts})


def public_story(request, pk):
    story = get_object_or_404(Story.objects.published().select_related("region", "deed", "head_photo"), pk=pk)
    deed = story.deed
    # Before/after photos the story body does not already show, "before" first; all of them from the
    # public copies made when the story was approved (deeds.files), never the private originals.
    order = {"before": 0, "after": 1, "other": 2}
    photos = sorted(
        (p for p in (deed.photos.all() if deed else []) if p.image.url not in story.body),
        key=lambda p: (order.get(p.kind, 3), p.pk),
    )
    for photo in photos:
        photo.public_url = files.public_url(story, photo)
    return render(
        request,
        "deeds/public_story.html",
        {"story": story, "body": files.public_body(story), "deed": deed, "photos": photos},
    )
