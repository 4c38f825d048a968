"""Staff pages: intake, dispatcher inbox, case list with filters and saved views, case page with
the workflow actions (htmx), Excel export. Every view goes through get_case_for_user or
Case.objects.visible_to(user); every change through cases.services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
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
from org.models import STAFF_ROLES, Role

from . import forms, services
from .deadlines import time_left_words
from .filters import CaseFilter
from .models import Case, CaseRequest, ConsentRound, SavedView
from .selectors import CappedPaginator, get_case_for_user, inbox_for_region

PAGE_SIZE = 50


def _require_case_roles(user):
    if not (user.is_superuser or user.has_role(*STAFF_ROLES, Role.PARTNER)):
        raise PermissionDenied


def _staff_regions(user):
    return [m.region for m in user.memberships.select_related("region") if m.role in STAFF_ROLES]


@login_required
def inbox(request):
    """The dispatcher's inbox: what routing rules could not decide, and requests to decide."""
    _require_case_roles(request.user)
    regions = _staff_regions(request.user)
    if request.user.is_superuser and not regions:
        from org.models import Region

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


@login_required
def case_list(request):
    _require_case_roles(request.user)
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


@login_required
@require_POST
def saved_view_create(request):
    _require_case_roles(request.user)
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


@login_required
def case_export(request):
    """Excel of the filtered list (no personal identifiers: reporters are left out)."""
    _require_case_roles(request.user)
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


@login_required
def intake(request):
    """Fast intake form for desk, visit and hotline."""
    if not (request.user.is_superuser or request.user.has_role(*STAFF_ROLES)):
        raise PermissionDenied
    form = forms.IntakeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        address = None
        if form.resident and form.resident.household_id:
            address = form.resident.household.address
        try:
            case = services.case_create(
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
        except services.CaseError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("已受理，编号 %(number)s。") % {"number": case.number})
            return redirect("cases:detail", pk=case.pk)
    import uuid

    return render(request, "cases/intake.html", {"form": form, "idempotency_key": uuid.uuid4().hex})


def _detail_context(request, case):
    now = timezone.now()
    user = request.user
    can_dispatch = services.can_dispatch(user, case)
    can_handle = services.can_handle(user, case)
    can_supervise = services.can_supervise(user, case)
    s = case.status
    actions = []

    def offer(name, label, form, ok=True, danger=False):
        if ok:
            actions.append({"name": name, "label": label, "form": form, "danger": danger})

    H = Case.HANDLING_STATUSES
    offer("dispatch", _("派单"), forms.DispatchForm(case=case), can_dispatch and s == "new")
    offer("accept", _("签收"), forms.NoteForm(), s == "dispatched" and case.main_unit_id in services._user_units(user))
    offer("contact", _("先行联系"), forms.RequiredNoteForm(), can_handle and s in ("dispatched", "accepted"))
    offer("start", _("开始处理"), forms.NoteForm(), can_handle and s in ("dispatched", "accepted", "contacted"))
    offer("log", _("记录进展"), forms.RequiredNoteForm(), (can_handle or can_supervise) and case.is_open)
    offer("resolve", _("办结"), forms.ResolveForm(), can_handle and s in H)
    offer("visit", _("回访"), forms.VisitForm(), can_handle and s == "resolved")
    offer("archive", _("归档"), forms.NoteForm(), can_dispatch and s in ("resolved", "visited"))
    offer("pause", _("暂停计时（等待居民）"), forms.RequiredNoteForm(), can_handle and s in H and not case.paused_at)
    offer("resume", _("恢复计时"), forms.NoteForm(), can_handle and s in H and case.paused_at is not None)
    offer("return", _("申请退单"), forms.ReturnForm(), can_handle and s in H)
    offer("extension", _("申请延期"), forms.ExtensionForm(), can_handle and s in Case.CLOCK_STATUSES)
    offer("complex", _("申请认定复杂诉求"), forms.ComplexForm(), can_handle and s in Case.CLOCK_STATUSES
          and not case.is_complex)  # fmt: skip
    offer("reassign", _("改派"), forms.ReassignForm(case=case), can_dispatch and s in H)
    offer("supervise", _("督办"), forms.RequiredNoteForm(), can_supervise and case.is_open)
    offer("consent", _("发起方案征询"), forms.ConsentRoundForm(), can_handle and case.is_open)
    offer("merge", _("合并到其他诉求"), forms.MergeForm(), can_dispatch and case.is_open, danger=True)
    offer("cancel", _("撤销"), forms.RequiredNoteForm(), can_dispatch and case.is_open, danger=True)
    events = list(case.events.all())
    show_events = events if user.has_role(*STAFF_ROLES) or user.is_superuser else [e for e in events if e.is_public]
    return {
        "case": case,
        "events": show_events,
        "actions": actions,
        "time_left": time_left_words(case, now),
        "attachments": list(case.attachments.all()),
        "requests": list(case.requests.filter(state=CaseRequest.State.PENDING).select_related("unit", "requested_by")),
        "rounds": list(case.consent_rounds.prefetch_related(Prefetch("consents")).order_by("opened_at")),
        "consent_form": forms.ConsentForm(),
        "can_dispatch": can_dispatch,
        "can_handle": can_handle,
        "co_units": list(case.co_units.all()),
        "merged": list(case.merged_cases.only("pk", "number", "reporter_name")),
        "decide_form": forms.DecideForm(),
        "now": now,
    }


@login_required
def detail(request, pk):
    _require_case_roles(request.user)
    case = get_case_for_user(request.user, pk)
    if case.resident_id:
        record(actor=request.user, action="cases.case.view", kind=AuditEntry.Kind.VIEW, obj=case, request=request)
    return render(request, "cases/detail.html", _detail_context(request, case))


def _respond(request, case):
    if request.headers.get("HX-Request"):
        return render(request, "cases/_panel.html", _detail_context(request, case))
    return redirect("cases:detail", pk=case.pk)


ACTION_FORMS = {
    "dispatch": forms.DispatchForm,
    "reassign": forms.ReassignForm,
    "accept": forms.NoteForm,
    "contact": forms.RequiredNoteForm,
    "start": forms.NoteForm,
    "log": forms.RequiredNoteForm,
    "resolve": forms.ResolveForm,
    "visit": forms.VisitForm,
    "archive": forms.NoteForm,
    "pause": forms.RequiredNoteForm,
    "resume": forms.NoteForm,
    "return": forms.ReturnForm,
    "extension": forms.ExtensionForm,
    "complex": forms.ComplexForm,
    "supervise": forms.RequiredNoteForm,
    "consent": forms.ConsentRoundForm,
    "merge": forms.MergeForm,
    "cancel": forms.RequiredNoteForm,
}


def _run_action(action, case, d, request):
    by = request.user
    note = d.get("note", "")
    if action == "dispatch":
        return services.case_dispatch(case=case, unit=d["unit"], co_units=list(d["co_units"]), by=by, note=note)
    if action == "reassign":
        return services.case_reassign(case=case, unit=d["unit"], co_units=list(d["co_units"]), by=by, note=note)
    if action == "accept":
        return services.case_accept(case=case, by=by, note=note)
    if action == "contact":
        return services.case_contact(case=case, by=by, note=note)
    if action == "start":
        return services.case_start(case=case, by=by, note=note)
    if action == "log":
        return services.case_log(case=case, by=by, note=note)
    if action == "resolve":
        return services.case_resolve(
            case=case,
            by=by,
            note=note,
            before_photos=request.FILES.getlist("before_photos"),
            after_photos=request.FILES.getlist("after_photos"),
        )
    if action == "visit":
        return services.case_visit(case=case, by=by, verdict=d["verdict"], note=note, channel=d["channel"])
    if action == "archive":
        return services.case_archive(case=case, by=by, note=note)
    if action == "pause":
        return services.case_pause(case=case, by=by, reason=note)
    if action == "resume":
        return services.case_resume(case=case, by=by, note=note)
    if action == "return":
        return services.case_request_return(case=case, by=by, reason_code=d["reason_code"], reason=d["reason"])
    if action == "extension":
        return services.case_request_extension(case=case, by=by, days=d["days"], reason=d["reason"])
    if action == "complex":
        return services.case_request_complex(case=case, by=by, reason=d["reason"])
    if action == "supervise":
        return services.case_supervise(case=case, by=by, note=note)
    if action == "consent":
        return services.consent_round_open(case=case, by=by, title=d["title"], description=d["description"])
    if action == "merge":
        into = Case.objects.visible_to(by).filter(number=d["into"].strip().upper()).first()
        if into is None:
            raise services.CaseError(_("找不到编号为 %(n)s 的诉求。") % {"n": d["into"]})
        return services.case_merge(case=case, into=into, by=by, note=note)
    if action == "cancel":
        return services.case_cancel(case=case, by=by, reason=note)
    raise Http404


@login_required
@require_POST
def act(request, pk, action):
    """One workflow step. The page's version travels with the form: a stale page loses clearly."""
    _require_case_roles(request.user)
    case = get_case_for_user(request.user, pk)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    kwargs = {"case": case} if form_class in (forms.DispatchForm, forms.ReassignForm) else {}
    form = form_class(request.POST, request.FILES, **kwargs)
    version = request.POST.get("version", "")
    if version.isdigit() and int(version) != case.version:
        # the page was drawn before someone else's change: nothing is saved, the person is told
        messages.error(request, services.conflict_message(case.number, case.status))
        return _respond(request, case)
    if not form.is_valid():
        errors = "；".join(f"{form.fields[f].label if f in form.fields else ''}{e}" for f, es in form.errors.items()
                          for e in es)  # fmt: skip
        messages.error(request, errors)
        return _respond(request, get_case_for_user(request.user, pk))
    try:
        _run_action(action, case, form.cleaned_data, request)
    except services.CaseError as exc:
        messages.error(request, exc.messages[0])
        case = get_case_for_user(request.user, pk)
    else:
        messages.success(request, _("已保存。"))
        case = get_case_for_user(request.user, pk)
    return _respond(request, case)


@login_required
@require_POST
def request_decide(request, pk):
    """Approve or reject a 退单/延期/复杂 request."""
    _require_case_roles(request.user)
    req = get_object_or_404(CaseRequest.objects.select_related("case"), pk=pk)
    case = get_case_for_user(request.user, req.case_id)
    req.case = case
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        approve = d["decision"] == "approve"
        try:
            if req.kind == CaseRequest.Kind.RETURN:
                services.case_return_decide(request=req, by=request.user, approve=approve, note=d["note"])
            elif req.kind == CaseRequest.Kind.EXTENSION:
                services.case_extension_decide(
                    request=req, by=request.user, approve=approve, note=d["note"], days=d.get("days")
                )
            else:
                services.case_complex_decide(request=req, by=request.user, approve=approve, note=d["note"])
        except services.CaseError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已审核。"))
    else:
        messages.error(request, _("请选择同意或驳回。"))
    nxt = request.POST.get("next")
    if nxt == "inbox":
        return redirect("cases:inbox")
    return _respond(request, get_case_for_user(request.user, case.pk))


@login_required
@require_POST
def consent_add(request, pk):
    _require_case_roles(request.user)
    rnd = get_object_or_404(ConsentRound, pk=pk)
    case = get_case_for_user(request.user, rnd.case_id)
    rnd.case = case
    if request.POST.get("close"):
        try:
            services.consent_round_close(round=rnd, by=request.user)
        except services.CaseError as exc:
            messages.error(request, exc.messages[0])
        return _respond(request, case)
    form = forms.ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(round=rnd, by=request.user, **form.cleaned_data)
        except services.CaseError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("已记录征询意见。"))
    else:
        messages.error(request, _("请填写居民姓名、意见和方式。"))
    return _respond(request, get_case_for_user(request.user, case.pk))


@login_required
def attachment_view(request, pk):
    """Staff view of a photo with where it was taken (the location never reaches the public copy)."""
    from .models import Attachment

    _require_case_roles(request.user)
    att = get_object_or_404(Attachment, pk=pk)
    get_case_for_user(request.user, att.case_id)
    return render(request, "cases/attachment.html", {"att": att})
