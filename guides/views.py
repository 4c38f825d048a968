"""Staff pages (the library, editing and review, import/export, the gaps) and the desk's suggestion panel.
The residents' pages (no login) are in ``guides.public``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditEntry
from audit.services import record
from events.models import Consultation, DeskTopic
from events.selectors import get_ticket_for_user
from lib import xlsx
from org.access import holds_role, role_required
from org.models import STAFF_ROLES, Region, Role, Unit
from org.scoping import visible_regions
from people.imports import get_importer, import_start, jobs_visible_to

from . import content, selectors, services
from .forms import GuideFilter, GuideTextForm, ImportForm, NewGuideForm, ReviewForm
from .importers import COLUMNS, KIND
from .models import EDIT_ROLES, READ_ROLES, Guide, GuideRevision


def _error(request, exc) -> None:
    messages.error(request, "；".join(getattr(exc, "messages", None) or [str(exc)]))


# The library ---------------------------------------------------------------------------------------------------
@role_required(*READ_ROLES)
def guide_list(request):
    form = GuideFilter(request.GET or None)
    guides = Guide.objects.visible_to(request.user).select_related("region", "owner", "topic")
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            guides = guides.filter(Q(name__icontains=d["q"]) | Q(tags__icontains=d["q"]) | Q(code__icontains=d["q"]))
        if d["topic"]:
            guides = guides.filter(topic=d["topic"])
        if d["status"]:
            guides = guides.filter(status=d["status"])
        if d["stale"]:
            guides = guides.filter(review_due__lt=timezone.localdate())
    page = Paginator(guides.order_by("topic__order", "code", "region__path"), 50).get_page(request.GET.get("page"))
    may_write = holds_role(request.user, *EDIT_ROLES)
    return render(request, "guides/guide_list.html", {"page": page, "form": form, "may_write": may_write})


@role_required(*READ_ROLES)
def guide_detail(request, pk):
    guide = selectors.get_guide_for_user(request.user, pk)
    revision = guide.revisions.open().select_related("author", "reviewer").first()
    regions = selectors.inherited_by(guide, request.user)
    public_region = guide.region if guide.region and guide.region.kind == Region.Kind.SUBDISTRICT else None
    public_region = public_region or (regions[0] if regions else None)
    return render(
        request,
        "guides/guide_detail.html",
        {
            "guide": guide,
            "revision": revision,
            "may_edit": selectors.may_edit(request.user, guide),
            "may_review": revision is not None and selectors.may_review(request.user, revision),
            "override_regions": regions,
            "public_region": public_region,
            "review_form": ReviewForm(),
        },
    )


def _new_choices(user) -> list[tuple[str, str]]:
    """Where the user may start a guide: staff for their own office at its region; admins for any office in their
    subtree, at its region or for the whole city."""
    pairs = selectors.writable_levels(user)
    choices = [(f"{r.pk}:{u.pk}", f"{r.name} · {u.name}") for r, u in pairs]
    if holds_role(user, Role.ADMIN):
        kinds = [Region.Kind.DISTRICT, Region.Kind.SUBDISTRICT]
        regions = visible_regions(user, roles={Role.ADMIN}).filter(kind__in=kinds)
        units = Unit.objects.filter(is_active=True, region__in=regions).select_related("region")
        choices += [(f"{u.region_id}:{u.pk}", f"{u.region.name} · {u.name}") for u in units]
        choices += [(f"city:{u.pk}", _("全市（市级） · %(unit)s") % {"unit": u.name}) for u in units]
    return list(dict(choices).items())


@role_required(*EDIT_ROLES)
def guide_new(request):
    choices = _new_choices(request.user)
    if not choices:
        raise PermissionDenied
    form = NewGuideForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        where, unit_pk = form.cleaned_data["place_owner"].split(":")
        owner = get_object_or_404(Unit, pk=unit_pk)
        region = None if where == "city" else get_object_or_404(Region, pk=where)
        try:
            revision = services.guide_create(
                code=form.cleaned_data["code"],
                region=region,
                owner=owner,
                data=form.revision_data(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except (ValidationError, PermissionDenied) as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已保存为草稿。写好后请提交审核。"))
            return redirect("guides:guide_detail", pk=revision.guide_id)
    return render(request, "guides/guide_form.html", {"form": form, "title": _("新建办事指南")})


@role_required(*EDIT_ROLES)
def guide_edit(request, pk):
    guide = selectors.get_guide_for_user(request.user, pk)
    try:
        revision = services.revision_open(guide=guide, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        _error(request, exc)
        return redirect("guides:guide_detail", pk=guide.pk)
    if revision.status == GuideRevision.Status.PENDING:
        messages.info(request, _("这份修改正在等待审核，审核通过或退回后才能再改。"))
        return redirect("guides:guide_detail", pk=guide.pk)
    initial = GuideTextForm.initial_from(revision.data, note=revision.note, lock=revision.lock)
    form = GuideTextForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.revision_save(
                revision=revision,
                data=form.revision_data(),
                note=form.cleaned_data["note"],
                lock=form.cleaned_data["lock"] or 0,
                by=request.user,
            )
            if request.POST.get("submit"):
                services.revision_submit(revision=revision, by=request.user)
                messages.success(request, _("已提交审核。"))
            else:
                messages.success(request, _("草稿已保存。"))
            return redirect("guides:guide_detail", pk=guide.pk)
        except (ValidationError, PermissionDenied) as exc:
            _error(request, exc)
    title = _("修改：%(name)s（第 %(n)d 版草稿）") % {"name": guide.name, "n": revision.number}
    return render(request, "guides/guide_form.html", {"form": form, "title": title, "guide": guide})


@require_POST
@role_required(*EDIT_ROLES)
def revision_action(request, pk, action):
    revision = get_object_or_404(GuideRevision.objects.select_related("guide"), pk=pk)
    guide = selectors.get_guide_for_user(request.user, revision.guide_id)
    note = request.POST.get("note", "")
    try:
        if action == "submit":
            services.revision_submit(revision=revision, by=request.user)
            messages.success(request, _("已提交审核。"))
        elif action == "approve":
            services.revision_approve(revision=revision, by=request.user, note=note)
            messages.success(request, _("已审核通过并发布。"))
        elif action == "return":
            services.revision_return(revision=revision, by=request.user, note=note)
            messages.success(request, _("已退回编写人修改。"))
        elif action == "discard":
            services.revision_discard(revision=revision, by=request.user)
            messages.success(request, _("已撤回这份修改。"))
        else:
            raise Http404
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("guides:guide_detail", pk=guide.pk)


@require_POST
@role_required(*EDIT_ROLES)
def guide_override(request, pk):
    guide = selectors.get_guide_for_user(request.user, pk)
    region = get_object_or_404(Region, pk=request.POST.get("region"))
    if region not in selectors.inherited_by(guide, request.user):
        raise Http404
    owners = [u for r, u in selectors.writable_levels(request.user) if r.pk == region.pk]
    if not owners:
        messages.error(request, _("只有该街道科室的工作人员可以编写本街道的指南。"))
        return redirect("guides:guide_detail", pk=guide.pk)
    try:
        revision = services.override_create(guide=guide, region=region, owner=owners[0], by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
        return redirect("guides:guide_detail", pk=guide.pk)
    messages.success(request, _("已按上级指南生成本街道的草稿，请修改后提交审核。"))
    return redirect("guides:guide_edit", pk=revision.guide_id)


@require_POST
@role_required(*EDIT_ROLES)
def guide_retire(request, pk):
    guide = selectors.get_guide_for_user(request.user, pk)
    try:
        services.guide_retire(guide=guide, by=request.user)
        messages.success(request, _("指南已停用，咨询台和公开页面不再显示。"))
    except (ValidationError, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("guides:guide_detail", pk=guide.pk)


@role_required(*READ_ROLES)
def guide_history(request, pk):
    """Every revision, newest first, each with what it changed against the version published before it."""
    guide = selectors.get_guide_for_user(request.user, pk)
    topics = dict(DeskTopic.objects.values_list("pk", "name"))
    revisions = list(guide.revisions.select_related("author", "reviewer").order_by("number"))
    previous = None
    for r in revisions:
        r.changes = content.changes(previous, r.data, topics=topics)
        if r.status == GuideRevision.Status.PUBLISHED:
            previous = r.data
    return render(request, "guides/guide_history.html", {"guide": guide, "revisions": revisions[::-1]})


@role_required(*EDIT_ROLES)
def review_queue(request):
    return render(request, "guides/review_queue.html", {"revisions": selectors.review_queue(request.user)})


# Excel ------------------------------------------------------------------------------------------------------------
def export_rows(guides):
    for g in guides:
        yield [
            g.code, str(g.level), g.name, g.topic.name, g.owner.name, g.authority, g.summary, g.basis, g.conditions,
            content.format_materials(g.materials), g.process, g.place, g.hours, g.time_limit, g.fee, g.phone,
            g.tags, g.questions, g.policy_document,
            g.policy_date.isoformat() if g.policy_date else "", g.review_due.isoformat() if g.review_due else "",
        ]  # fmt: skip


@role_required(*EDIT_ROLES)
def export(request):
    """The published guides the user sees, in the import's columns (so an export can be edited and imported
    again)."""
    guides = Guide.objects.visible_to(request.user).filter(version__gt=0)  # drafts have no published text yet
    guides = guides.select_related("region", "owner", "topic").order_by("code", "region__path")
    record(actor=request.user, action="guides.export", kind=AuditEntry.Kind.EXPORT, request=request)
    headers = [c.header for c in COLUMNS]
    return xlsx.workbook_response("办事指南.xlsx", headers, export_rows(guides), sheet_title="办事指南")


@role_required(*EDIT_ROLES)
def import_upload(request):
    kinds = [Region.Kind.DISTRICT, Region.Kind.SUBDISTRICT]
    regions = visible_regions(request.user, roles=EDIT_ROLES).filter(kind__in=kinds).order_by("path")
    form = ImportForm(request.POST or None, request.FILES or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                kind=KIND,
                file=form.cleaned_data["file"],
                by=request.user,
                region=form.cleaned_data["region"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("file", "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            return redirect("people:import_status", pk=job.pk)
    jobs = jobs_visible_to(request.user).filter(kind=KIND).select_related("created_by")[:10]
    return render(request, "guides/import.html", {"form": form, "jobs": jobs})


@role_required(*EDIT_ROLES)
def import_template(request):
    return get_importer(KIND).template_response()


# Answers at the desk ------------------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def suggest(request):
    """The htmx panel under the question at the desk console: the best guides as the volunteer types, and the one
    tapped as the answer (a hidden ``guide`` field the finish form posts)."""
    ticket_pk = request.GET.get("ticket", "")
    if not ticket_pk.isdigit():
        raise Http404
    ticket = get_ticket_for_user(request.user, int(ticket_pk))
    desk = ticket.desk
    region = desk.event.region
    question = request.GET.get("summary", "")
    chosen = selectors.answerable_guide(region, request.GET.get("choose", request.GET.get("guide")))
    suggestions = selectors.suggest(question=question, region=region, topic=desk.topic.name)
    return render(
        request,
        "guides/_suggestions.html",
        {
            "suggestions": suggestions,
            "chosen": chosen,
            "region": region,
            "mode": "desk",
            "can_sms": bool(ticket.phone_encrypted),
            "question": question,
        },
    )


@role_required(*STAFF_ROLES)
def answer(request, pk):
    """A consultation record: what was asked, and which guide answered it (marked here if not at the desk)."""
    consultation = get_object_or_404(
        Consultation.objects.visible_to(request.user).select_related("event__region", "desk__topic", "guide", "case"),
        pk=pk,
    )
    region = consultation.event.region
    if request.method == "POST":
        guide = selectors.answerable_guide(region, request.POST.get("guide"))
        if request.POST.get("guide") and guide is None:
            raise Http404
        try:
            services.answer_mark(consultation=consultation, guide=guide, by=request.user)
            messages.success(request, _("已记录解答所用的指南。") if guide else _("已标记为没有指南能解答。"))
        except ValidationError as exc:
            _error(request, exc)
        return redirect("guides:answer", pk=consultation.pk)
    suggestions = selectors.suggest(question=consultation.summary, region=region, topic=consultation.desk.topic.name)
    return render(
        request,
        "guides/answer.html",
        {"c": consultation, "suggestions": suggestions, "chosen": consultation.guide, "region": region},
    )


@role_required(*STAFF_ROLES)
def gaps(request):
    """Questions no guide answered, per desk topic: which guides to write next."""
    days = 90 if request.GET.get("days") not in ("30", "90", "365") else int(request.GET["days"])
    since = timezone.now() - timezone.timedelta(days=days)
    consultations = Consultation.objects.visible_to(request.user).filter(created_at__gte=since)
    figures = selectors.answer_figures(consultations, by="topic", with_questions=True, top=10)
    return render(request, "guides/gaps.html", {"figures": figures, "days": days})
