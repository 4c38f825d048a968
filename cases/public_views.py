"""Resident self-service (no account): raise a need, follow it with number + phone + a code sent
by SMS through notify, add information, rate the result. 适老化: one task per screen, large type.

A verified case id is kept in the session for an hour; nothing else identifies the resident.
"""

import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lib import ratelimit
from lib.client_ip import client_ip
from org.actors import RESIDENT

from . import forms
from .actions.intake import case_create
from .actions.tracking import tracking_code_check, tracking_code_send
from .actions.workflow import case_add_info, case_visit
from .errors import CaseError
from .models import Attachment, Case, Category
from .public_photos import IMAGE, THUMBNAIL, photo_url

SESSION_KEY = "cases_tracked"
TRACK_TTL = 3600
TRACK_FIND_WINDOW = 3600


def _tracked(request) -> dict:
    now = time.time()
    data = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > now}
    return data


def _allow(request, case):
    data = _tracked(request)
    data[str(case.pk)] = time.time() + TRACK_TTL
    request.session[SESSION_KEY] = data


# Photos chosen on a form that came back with an error: a browser never sends a chosen file twice, so the checked
# photos wait in the shared cache (Redis in production: any app server finds them) for an hour, named in the
# session, and go with the case when the form is sent again. Private: never in MEDIA, gone after an hour.
PENDING_PHOTOS = "cases_pending_photos"
PENDING_TTL = 3600


def _pending_key(token: str) -> str:
    return f"cases:pending-photo:{token}"


def _keep_photos(request, uploads) -> None:
    kept = request.session.get(PENDING_PHOTOS, [])
    for upload in uploads[: max(0, forms.MAX_PHOTOS - len(kept))]:
        upload.seek(0)
        token = uuid.uuid4().hex
        cache.set(_pending_key(token), (upload.name, upload.read()), PENDING_TTL)
        kept.append({"token": token, "name": (upload.name or "")[:60]})
    request.session[PENDING_PHOTOS] = kept


def _kept_photos(request) -> list:
    files = []
    for item in request.session.get(PENDING_PHOTOS, []):
        found = cache.get(_pending_key(item["token"]))
        if found:
            files.append(SimpleUploadedFile(found[0], found[1]))
    return files


def _drop_kept(request) -> None:
    for item in request.session.pop(PENDING_PHOTOS, []):
        cache.delete(_pending_key(item["token"]))


@never_cache
def public_new(request):
    form = forms.PublicCaseForm(request.POST or None, request.FILES or None)
    uploads = request.FILES.getlist("photos") if request.method == "POST" else []
    if request.method != "POST" or request.POST.get("drop_kept"):
        _drop_kept(request)  # a fresh form, or the resident chose to leave the kept photos out
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        text = d["description"]
        try:
            case, _created = case_create(
                title=text.splitlines()[0][:30],
                description=text,
                region=d["region"],
                channel=Case.Channel.WEB,
                category=d["category"] or Category.objects.get(code="other"),
                reporter_name=d["name"],
                reporter_phone=d["phone"],
                location_text=d["location_text"],
                photos=(_kept_photos(request) + list(uploads))[: forms.MAX_PHOTOS],
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except CaseError as exc:
            form.add_error(None, exc.messages[0])
        else:
            _drop_kept(request)
            _allow(request, case)
            return redirect("cases:public_done", number=case.number)
    photos_lost = 0
    if uploads and "photos" not in form.errors:
        _keep_photos(request, uploads)  # checked photos wait for the corrected form
    elif uploads:
        photos_lost = len(uploads)  # a photo itself was refused: say so, the resident chooses again
    return render(
        request,
        "cases/public_new.html",
        {
            "form": form,
            "idempotency_key": uuid.uuid4().hex,
            "photos_lost": photos_lost,
            "photos_kept": request.session.get(PENDING_PHOTOS, []),
        },
        status=400 if request.method == "POST" else 200,  # refused input: the form again, with its reasons
    )


@never_cache
def public_done(request, number):
    case = Case.objects.filter(number=number).first()
    if case is None or str(case.pk) not in _tracked(request):
        return redirect("cases:public_track")
    return render(request, "cases/public_done.html", {"case": case})


@never_cache
def public_track(request):
    """Step 1: number + phone → a code by SMS. Step 2: the code → the case page."""
    pending_id = request.session.get("cases_pending")
    track_form = forms.TrackForm(
        request.POST if request.POST.get("step") == "find" else None, initial={"number": request.GET.get("number", "")}
    )
    code_form = forms.CodeForm(request.POST if request.POST.get("step") == "code" else None)
    status = 200
    if request.method == "POST" and request.POST.get("step") == "find" and track_form.is_valid():
        d = track_form.cleaned_data
        if _find_refused(request, d["number"]):
            # number + phone is a phone-number oracle: tries are limited per address and per case number
            track_form.add_error(None, _("查询次数过多，请一小时后再试；如需帮助请联系居委会。"))
            status = 429
        elif (case := Case.objects.filter(number=d["number"]).first()) is None or not case.phone_matches(d["phone"]):
            ratelimit.hit(f"track-find:number:{d['number']}", TRACK_FIND_WINDOW)
            track_form.add_error(None, _("编号或手机号不正确，请核对后再试。"))
        else:
            try:
                tracking_code_send(case=case)
            except CaseError as exc:
                messages.error(request, exc.messages[0])
            request.session["cases_pending"] = case.pk
            return redirect("cases:public_track")
    if request.method == "POST" and request.POST.get("step") == "code" and pending_id and code_form.is_valid():
        case = Case.objects.filter(pk=pending_id).first()
        try:
            tracking_code_check(case=case, code=code_form.cleaned_data["code"])
        except CaseError as exc:
            code_form.add_error("code", exc.messages[0])
        else:
            _allow(request, case)
            request.session.pop("cases_pending", None)
            return redirect(reverse("cases:public_case") + f"?number={case.number}")
    return render(
        request,
        "cases/public_track.html",
        {"track_form": track_form, "code_form": code_form, "pending": bool(pending_id)},
        status=status,
    )


def _find_refused(request, number: str) -> bool:
    """Count this step-1 try for the address; refuse past TRACK_FIND_LIMIT tries per address or past
    TRACK_NUMBER_LIMIT wrong phones for one case number within the hour."""
    if ratelimit.count(f"track-find:number:{number}") >= settings.TRACK_NUMBER_LIMIT:
        return True
    return ratelimit.over(f"track-find:ip:{client_ip(request)}", settings.TRACK_FIND_LIMIT, TRACK_FIND_WINDOW)


def _photos(case) -> dict:
    """The pictures a resident would rather look at than read: before and after the work side by side (the
    case's own photos, and those of a practical deed (实事项目) the case is part of), then the rest."""
    groups: dict[str, list[tuple]] = {Attachment.Kind.BEFORE: [], Attachment.Kind.AFTER: [], "other": []}
    for a in case.attachments.all():
        groups.get(a.kind, groups["other"]).append((photo_url(a, IMAGE), photo_url(a, THUMBNAIL), a.get_kind_display()))
    for deed in case.deeds.prefetch_related("photos"):
        for photo in deed.photos.all():
            item = (photo_url(photo), photo_url(photo), photo.caption or photo.get_kind_display())
            groups.get(photo.kind, groups["other"]).append(item)
    return {"before_photos": groups["before"], "after_photos": groups["after"], "photos": groups["other"]}


@never_cache
def public_case(request):
    number = (request.GET.get("number") or "").strip().upper()
    case = Case.objects.filter(number=number).select_related("category", "merged_into").first()
    if case is None or str(case.pk) not in _tracked(request):
        return redirect("cases:public_track")
    shown = case.merged_into if case.merged_into_id else case
    info_form = forms.PublicInfoForm(request.POST or None, request.FILES or None) if request.POST.get(
        "step") == "info" else forms.PublicInfoForm()  # fmt: skip
    rate_form = forms.PublicRateForm(request.POST if request.POST.get("step") == "rate" else None)
    if request.method == "POST":
        try:
            with transaction.atomic():
                if request.POST.get("step") == "info" and info_form.is_valid():
                    case_add_info(
                        case=shown,
                        note=info_form.cleaned_data["note"],
                        by=RESIDENT,
                        photos=request.FILES.getlist("photos"),
                    )
                    messages.success(request, _("已收到您的补充，工作人员会看到。"))
                    return redirect(request.get_full_path())
                if request.POST.get("step") == "rate" and rate_form.is_valid():
                    if case.merged_into_id:
                        raise CaseError(_("您的诉求已并入另一件办理，请等待工作人员回访。"))
                    case_visit(
                        case=case,
                        by=RESIDENT,
                        verdict=rate_form.cleaned_data["verdict"],
                        note=rate_form.cleaned_data["note"],
                        channel="web",
                    )
                    messages.success(request, _("谢谢您的评价。"))
                    return redirect(request.get_full_path())
        except CaseError as exc:
            messages.error(request, exc.messages[0])
    return render(
        request,
        "cases/public_case.html",
        {
            "case": case,
            "shown": shown,
            "events": [e for e in shown.events.all() if e.is_public],
            **_photos(shown),
            "info_form": info_form,
            "rate_form": rate_form,
        },
    )
