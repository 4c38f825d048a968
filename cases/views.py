"""Staff pages: intake, dispatcher inbox, case list with filters and saved views, case page with
the workflow actions (htmx), Excel export. Every view goes through get_case_for_user or
Case.objects.visible_to(user); every change through cases.actions."""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditEntry
from audit.services import record
from lib.xlsx import workbook_response
from minhu.dbrouter import use_replica
from org.access import holds_role, role_required
from org.models import STAFF_ROLES, Region, Role

from . import forms, permissions, workflow
from .actions.base import conflict_message
from .actions.consent import consent_record, consent_round_close
from .actions.intake import case_create
from .actions.requests import (
    case_complex_decide,
    case_extension_decide,
    case_return_decide,
)
from .deadlines import time_left_words
from .errors import CaseError
from .filters import CaseFilter
from .models import Attachment, Case, CaseRequest, ConsentRound, SavedView
from .selectors import CappedPaginator, get_case_for_user, inbox_for_region

PAGE_SIZE = 50


#: who uses the case pages: staff roles, and partners for the cases their unit handles
CASE_ROLES = (*STAFF_ROLES, Role.PARTNER)


def _staff_regions(user):
    return [m.region for m in user.memberships.select_related("region") if m.role in STAFF_ROLES]


@role_required(*CASE_ROLES)
def inbox(request):
    """The dispatcher's inbox: what routing rules could not decide, and requests to decide."""
    regions = _staff_regions(request.user)
    if request.user.is_superuser and not regions:
        regions = list(Region.objects.filter(parent__isnull=True))
    boxes = [(region, inbox_for_region(region)) for region in regions]
    units = {m.unit for m in request.user.memberships.select_related("unit") if m.unit_id}
    mine = []
    if units:
        mine = list(
            Case.objects.filter(main_unit__in=units, status__in=Case.HANDLING_STATUSES)
            .select_related("category", "region")
            .order_by("due_at")[:PAGE_SIZE]
        )
    return render(
        request,
        "cases/inbox.html",
        {"boxes": boxes, "mine": mine, "units": units, "now": timezone.now(), "presets": _presets(request.user)},
    )


def _presets(user) -> list[tuple[str, str]]:
    """Built-in saved views plus the user's own."""
    presets = []
    for m in user.memberships.select_related("unit", "region"):
        if m.unit_id:
            presets.append((_("我单位在办"), urlencode({"unit": m.unit_id, "open": "true"})))
        if m.role in STAFF_ROLES:
            presets.append(
                (_("%(region)s超期") % {"region": m.region.name}, urlencode({"region": m.region_id, "overdue": "true"}))
            )
    presets += [(v.name, v.query) for v in SavedView.objects.filter(user=user)]
    return list(dict.fromkeys(presets))


def _filtered(request):
    qs = (
        Case.objects.visible_to(request.user)
        .select_related("category", "region", "main_unit")
        .order_by("-id")  # newest first; the primary key follows intake order and is always indexed
    )
    return CaseFilter(request.GET or None, queryset=qs, user=request.user)


@role_required(*CASE_ROLES)
@use_replica()  # the list and its full-text search (minhu/dbrouter.py)
def case_list(request):
    f = _filtered(request)
    paginator = CappedPaginator(f.qs, PAGE_SIZE) if request.GET.get("q") else Paginator(f.qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "filter": f,
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "presets": _presets(request.user),
        },
    )


@role_required(*CASE_ROLES)
@require_POST
def saved_view_create(request):
    name = (request.POST.get("name") or "").strip()[:50]
    query = (request.POST.get("query") or "")[:500]
    if not name:
        messages.error(request, _("请给常用筛选起个名字。"))
    else:
        SavedView.objects.update_or_create(user=request.user, name=name, defaults={"query": query})
        messages.success(request, _("已保存常用筛选“%(name)s”。") % {"name": name})
    return redirect(reverse("cases:list") + (f"?{query}" if query else ""))


EXPORT_HEADERS = [
    "编号", "标题", "分类", "辖区", "来源", "紧急程度", "状态", "主办单位", "受理时间", "办结时限", "办结时间",
    "满意度", "是否超期",
]  # fmt: skip


@role_required(*CASE_ROLES)
@use_replica()
def case_export(request):
    """Excel of the filtered list (no personal identifiers: reporters are left out)."""
    f = _filtered(request)
    now = timezone.now()

    def fmt(dt):
        return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M") if dt else ""

    rows = [
        [
            c.number,
            c.title,
            c.category.name,
            c.region.name,
            c.get_channel_display(),
            c.get_urgency_display(),
            c.get_status_display(),
            c.main_unit.name if c.main_unit else "",
            fmt(c.created_at),
            fmt(c.due_at),
            fmt(c.resolved_at),
            c.verdict_label,
            "是" if c.is_overdue_at(now) else "",
        ]  # fmt: skip
        for c in f.qs.iterator(chunk_size=2000)
    ]
    record(
        actor=request.user,
        action="cases.case.export",
        kind=AuditEntry.Kind.EXPORT,
        detail={"rows": len(rows), "query": request.GET.urlencode()[:300]},
        request=request,
    )
    return workbook_response(f"诉求清单-{now:%Y%m%d}.xlsx", EXPORT_HEADERS, rows, sheet_title="诉求")


@role_required(*STAFF_ROLES)
def intake(request):
    """Fast intake form for desk, visit and hotline."""
    form = forms.IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        address = None
        if form.resident and form.resident.household_id:
            address = form.resident.household.address
        try:
            case, _created = case_create(
                title=d["title"],
                description=d["description"],
                region=d["region"],
                channel=d["channel"],
                by=request.user,
                category=d["category"],
                urgency=d["urgency"],
                resident=form.resident,
                reporter_name=d["reporter_name"],
                reporter_phone=d["reporter_phone"],
                address=address,
                location_text=d["location_text"],
                photos=request.FILES.getlist("photos"),
                idempotency_key=request.POST.get("idempotency_key") or None,
            )
        except CaseError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("已受理，编号 %(number)s。") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/intake.html", {"form": form, "idempotency_key": uuid.uuid4().hex})


def _detail_context(request, case):
    now = timezone.now()
    user = request.user
    may = workflow.answers(user, case)
    steps = [
        {"name": s.name, "label": s.label, "form": s.form_for(case), "danger": s.danger, "main": s.main}
        for s in workflow.offered(user, case, may)
    ]
    primary = next((s for s in steps if s["main"]), None)
    events = list(case.events.all())
    show_events = events if holds_role(user, *STAFF_ROLES) else [e for e in events if e.is_public]
    return {
        "case": case,
        "events": show_events,
        "primary": primary,
        "more": [s for s in steps if s is not primary],
        "time_left": time_left_words(case, now),
        "attachments": list(case.attachments.all()),
        "requests": list(case.requests.filter(state=CaseRequest.State.PENDING).select_related("unit", "requested_by")),
        "rounds": list(case.consent_rounds.prefetch_related(Prefetch("consents")).order_by("opened_at")),
        "consent_form": forms.ConsentForm(),
        "can_dispatch": may[permissions.can_dispatch],
        "can_handle": may[permissions.can_handle],
        "co_units": list(case.co_units.all()),
        "merged": list(case.merged_cases.only("pk", "number", "reporter_name")),
        "decide_form": forms.DecideForm(),
        "now": now,
    }


@role_required(*CASE_ROLES)
def detail(request, pk):
    case = get_case_for_user(request.user, pk)
    if case.resident_id:
        record(actor=request.user, action="cases.case.view", kind=AuditEntry.Kind.VIEW, obj=case, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _respond(request, case):
    if request.headers.get("HX-Request"):
        return render(request, "cases/_panel.html", _detail_context(request, case))
    return redirect("cases:detail", pk=case.pk)


@role_required(*CASE_ROLES)
@require_POST
def act(request, pk, action):
    """One workflow step. The page's version travels with the form: a stale page loses clearly."""
    case = get_case_for_user(request.user, pk)
    step = workflow.STEPS.get(action)
    if step is None:
        raise Http404
    form = step.form_for(case, request.POST, request.FILES)
    version = request.POST.get("version", "")
    if version.isdigit() and int(version) != case.version:
        # the page was drawn before someone else's change: nothing is saved, the person is told
        messages.error(request, conflict_message(case.number, case.status))
        return _respond(request, case)
    if not form.is_valid():
        errors = "；".join(f"{form.fields[f].label if f in form.fields else ''}{e}" for f, es in form.errors.items()
                          for e in es)  # fmt: skip
        messages.error(request, errors)
        return _respond(request, get_case_for_user(request.user, pk))
    try:
        workflow.perform(action, case=case, by=request.user, data=form.cleaned_data, files=request.FILES)
    except CaseError as exc:
        messages.error(request, exc.messages[0])
        case = get_case_for_user(request.user, pk)
    else:
        messages.success(request, _("已保存。"))
        case = get_case_for_user(request.user, pk)
    return _respond(request, case)


@role_required(*CASE_ROLES)
@require_POST
def request_decide(request, pk):
    """Approve or reject a 退单/延期/复杂 request."""
    req = get_object_or_404(CaseRequest.objects.select_related("case"), pk=pk)
    case = get_case_for_user(request.user, req.case_id)
    req.case = case
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        approve = d["decision"] == "approve"
        try:
            if req.kind == CaseRequest.Kind.RETURN:
                case_return_decide(request=req, by=request.user, approve=approve, note=d["note"])
            elif req.kind == CaseRequest.Kind.EXTENSION:
                case_extension_decide(request=req, by=request.user, approve=approve, note=d["note"], days=d.get("days"))
            else:
                case_complex_decide(request=req, by=request.user, approve=approve, note=d["note"])
        except CaseError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已审核。"))
    else:
        messages.error(request, _("请选择同意或驳回。"))
    nxt = request.POST.get("next")
    if nxt == "inbox":
        return redirect("cases:inbox")
    return _respond(request, get_case_for_user(request.user, case.pk))


@role_required(*CASE_ROLES)
@require_POST
def consent_add(request, pk):
    rnd = get_object_or_404(ConsentRound, pk=pk)
    case = get_case_for_user(request.user, rnd.case_id)
    rnd.case = case
    if request.POST.get("close"):
        try:
            consent_round_close(round=rnd, by=request.user)
        except CaseError as exc:
            messages.error(request, exc.messages[0])
        return _respond(request, case)
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        try:
            consent_record(round=rnd, by=request.user, **form.cleaned_data)
        except CaseError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已记录征询意见。"))
    else:
        messages.error(request, _("请填写居民姓名、意见和方式。"))
    return _respond(request, get_case_for_user(request.user, case.pk))


@role_required(*CASE_ROLES)
def attachment_view(request, pk):
    """Staff view of a photo with where it was taken (the location never reaches the public copy)."""
    att = get_object_or_404(Attachment, pk=pk)
    get_case_for_user(request.user, att.case_id)
    return render(request, "cases/attachment.html", {"att": att})
