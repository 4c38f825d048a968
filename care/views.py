"""Care pages: the workers' desk, the volunteer's phone page, route sheets, recipients, alerts, visits, figures."""

import datetime
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record_read, record_view
from cases.models import Case
from lib import dates
from lib.forms import form_action, redirect_back
from org.access import role_required
from org.models import STAFF_ROLES
from people.models import Resident
from people.services import get_resident_for_user

from . import routing, selectors
from .actions import enrolment, meals, safety, visits
from .forms import (
    AcknowledgeForm,
    ContactEditForm,
    ContactForm,
    EndForm,
    EnrolContactsForm,
    FamilySafeForm,
    PauseForm,
    RecipientForm,
    ResumeForm,
    SafeForm,
    SubscriptionEndForm,
    SubscriptionForm,
    VisitForm,
    VisitPlanForm,
)
from .models import (
    CareRecipient,
    Delivery,
    EmergencyContact,
    EscalationStep,
    MealRound,
    MealSubscription,
    Pause,
    SafetyAlert,
    VisitPlan,
    VisitRecord,
    WellState,
)
from .tasks import plan_round


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# Home -----------------------------------------------------------------------------------------------
@login_required
def home(request):
    if not selectors.is_care_staff(request.user):
        if request.user.has_role("volunteer", "partner"):
            return redirect("care:my_stops")
        raise PermissionDenied
    today = timezone.localdate()
    rounds = (
        MealRound.objects.visible_to(request.user)
        .filter(date=today)
        .select_related("kitchen")
        .annotate(
            total=Count("deliveries", filter=~Q(deliveries__state=Delivery.State.CANCELLED)),
            done=Count(
                "deliveries",
                filter=~Q(deliveries__state__in=[Delivery.State.PENDING, Delivery.State.CANCELLED]),
            ),
        )
    )
    alerts = SafetyAlert.objects.visible_to(request.user).open().select_related("recipient__resident")
    overdue = (
        VisitPlan.objects.visible_to(request.user).overdue(today).select_related("recipient__resident", "visitor")[:50]
    )
    return render(
        request,
        "care/home.html",
        {"rounds": rounds, "alerts": alerts, "overdue": overdue, "today": today},
    )


@role_required(*STAFF_ROLES)
@require_POST
def rounds_generate(request):
    today = timezone.localdate()
    result = meals.rounds_generate(start=today, end=today + datetime.timedelta(days=6), by=request.user)
    messages.success(
        request,
        _("已生成未来 7 天的送餐：新增 %(r)s 个轮次、%(d)s 份。") % {"r": result["rounds"], "d": result["deliveries"]},
    )
    return redirect("care:home")


# Volunteer's phone page -----------------------------------------------------------------------------
def _map_for(stops):
    placed = [s for s in stops if s.recipient.address and s.recipient.address.latitude is not None]
    if not placed:
        return ""
    kitchen = placed[0].round.kitchen
    points = [(float(s.recipient.address.latitude), float(s.recipient.address.longitude)) for s in placed]
    label = _("送餐路线图：方块为助餐点，数字为送达顺序")
    return mark_safe(routing.svg_map((float(kitchen.latitude), float(kitchen.longitude)), points, labels=[label]))


@login_required
def my_stops(request):
    """Only the volunteer's own stops today, with only what is needed at the door."""
    stops = list(selectors.stops_for_volunteer(request.user, timezone.localdate()))
    left = sum(1 for s in stops if s.state == Delivery.State.PENDING)
    return render(
        request,
        "care/my_stops.html",
        {"stops": stops, "left": left, "map": _map_for(stops), "states": WellState.choices},
    )


@login_required
@require_POST
def delivery_confirm(request, pk):
    delivery = selectors.get_delivery_for_user(request.user, pk)
    try:
        meals.delivery_confirm(
            delivery=delivery, state=request.POST.get("state", ""), by=request.user, note=request.POST.get("note", "")
        )
        error = ""
    except ValidationError as exc:
        error = _error_text(exc)
    delivery = selectors.stops_for_volunteer(delivery.volunteer, delivery.round.date).filter(pk=pk).first() or delivery
    context = {"s": delivery, "states": WellState.choices, "error": error}
    if request.headers.get("HX-Request"):
        # the count at the top of the page follows each stop (sent out of band with the stop's card)
        if delivery.volunteer_id == request.user.pk:
            today = selectors.stops_for_volunteer(request.user, delivery.round.date)
            context["left"] = today.filter(state=Delivery.State.PENDING).count()
        return render(request, "care/_stop.html", context)
    if error:
        messages.error(request, error)
    return redirect("care:my_stops")


# Rounds -----------------------------------------------------------------------------------------------
def _round_context(rnd):
    deliveries = list(
        rnd.deliveries.exclude(state=Delivery.State.CANCELLED)
        .select_related("recipient__resident__household__address", "volunteer")
        .order_by("volunteer__display_name", "volunteer_id", "seq", "id")
    )
    routes = {}
    for d in deliveries:
        routes.setdefault(d.volunteer, []).append(d)
    kitchen = (float(rnd.kitchen.latitude), float(rnd.kitchen.longitude))
    sheets = []
    for volunteer, stops in routes.items():
        points = [
            (float(s.recipient.address.latitude), float(s.recipient.address.longitude))
            for s in stops
            if s.recipient.address and s.recipient.address.latitude is not None
        ]
        sheets.append(
            {
                "volunteer": volunteer,
                "stops": stops,
                "distance_km": routing.route_distance(kitchen, points) / 1000,
                "map": mark_safe(routing.svg_map(kitchen, points, labels=[str(volunteer or "")])) if points else "",
            }
        )
    return {"round": rnd, "sheets": sheets, "count": len(deliveries)}


@role_required(*STAFF_ROLES)
def round_detail(request, pk):
    rnd = selectors.get_round_for_user(request.user, pk)
    context = _round_context(rnd)
    # names, addresses and phones of the recipients on every route: one entry naming who was listed
    ids = [d.recipient_id for sheet in context["sheets"] for d in sheet["stops"]]
    record_read(actor=request.user, action="care.round.read", obj=rnd, ids=ids, request=request)
    planning = request.GET.get("planning", "")
    # after 自动排路线: poll until the plan is written (the round's version moves on), then reload
    context["planning"] = int(planning) if planning.isdigit() and int(planning) >= rnd.version else None
    return render(request, "care/round_detail.html", context)


@role_required(*STAFF_ROLES)
def round_plan_status(request, pk):
    """Polled by the round page while the task plans: tells htmx to reload the page once the plan is in."""
    rnd = selectors.get_round_for_user(request.user, pk)
    seen = request.GET.get("v", "")
    if not seen.isdigit() or rnd.version > int(seen):
        response = HttpResponse("")
        response["HX-Redirect"] = reverse("care:round", args=[rnd.pk])
        return response
    return render(request, "care/_planning.html", {"round": rnd, "planning": int(seen)})


@role_required(*STAFF_ROLES)
def round_sheet(request, pk):
    rnd = selectors.get_round_for_user(request.user, pk)
    context = _round_context(rnd)
    # names, addresses and phones of the recipients on every route: one entry naming who was listed
    ids = [d.recipient_id for sheet in context["sheets"] for d in sheet["stops"]]
    record_read(actor=request.user, action="care.round.sheet", obj=rnd, ids=ids, request=request)
    return render(request, "care/round_sheet.html", context)


@role_required(*STAFF_ROLES)
@require_POST
def round_plan(request, pk):
    """Route optimisation runs in the task queue; the page shows the plan once it is written."""
    rnd = selectors.get_round_for_user(request.user, pk)
    transaction.on_commit(functools.partial(plan_round, rnd.pk))
    messages.success(request, _("已提交自动排路线，完成后本页自动显示顺序和预计时间。"))
    return redirect(reverse("care:round", args=[rnd.pk]) + f"?planning={rnd.version}")


# Recipients --------------------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def recipient_list(request):
    recipients = (
        CareRecipient.objects.visible_to(request.user)
        .select_related("resident__household__address", "worker")
        .order_by("status", "resident__name")
    )
    status = request.GET.get("status", "")
    if status in CareRecipient.Status.values:
        recipients = recipients.filter(status=status)
    return render(
        request,
        "care/recipient_list.html",
        {"recipients": recipients[:500], "status": status, "statuses": CareRecipient.Status.choices},
    )


@role_required(*STAFF_ROLES)
def recipient_new(request):
    """Enrolment, step 1: find the resident (in the worker's own regions, not yet enrolled)."""
    q = (request.GET.get("q") or "").strip()
    found = []
    if q:
        found = (
            Resident.objects.visible_to(request.user)
            .filter(name__contains=q, care__isnull=True)
            .select_related("household__address", "region")
            .order_by("name", "id")[:30]
        )
    return render(request, "care/recipient_new.html", {"q": q, "found": found})


@role_required(*STAFF_ROLES)
def recipient_enrol(request, resident_pk):
    """Enrolment, step 2: the person's facts, consent and emergency contacts, through care.actions.enrolment."""
    resident = get_resident_for_user(request.user, resident_pk)
    if CareRecipient.objects.filter(resident=resident).exists():
        messages.info(request, _("该居民已是关爱对象。"))
        return redirect("care:recipient", pk=resident.care.pk)
    form = RecipientForm(request.POST or None, region=resident.region, initial={"worker": request.user.pk})
    contacts = EnrolContactsForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            recipient = enrolment.recipient_create(
                resident=resident, by=request.user, contacts=contacts.contacts(), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已纳入关爱服务。下一步可为其订餐或安排探访。"))
            return redirect("care:recipient", pk=recipient.pk)
    return render(request, "care/recipient_form.html", {"resident": resident, "form": form, "contacts": contacts})


@role_required(*STAFF_ROLES)
def recipient_edit(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    if recipient.status == CareRecipient.Status.ENDED:
        messages.error(request, _("该关爱对象的服务已结束，不能修改。"))
        return redirect("care:recipient", pk=pk)
    form = RecipientForm(request.POST or None, instance=recipient, region=recipient.region)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.recipient_update(recipient=recipient, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已保存。"))
            return redirect("care:recipient", pk=pk)
    record_read(actor=request.user, action="care.carerecipient.edit_form", obj=recipient, request=request)
    return render(request, "care/recipient_form.html", {"recipient": recipient, "form": form})


def _contact_for(user, pk) -> EmergencyContact:
    contact = get_object_or_404(EmergencyContact.objects.select_related("recipient"), pk=pk)
    selectors.get_recipient_for_user(user, contact.recipient_id)  # out of scope answers 404 too
    return contact


@role_required(*STAFF_ROLES)
def contact_edit(request, pk):
    contact = _contact_for(request.user, pk)
    form = ContactEditForm(request.POST or None, initial={"name": contact.name, "relation": contact.relation})
    if request.method == "POST" and form.is_valid():
        try:
            enrolment.contact_update(contact=contact, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, _("已更新紧急联系人。"))
            return redirect("care:recipient", pk=contact.recipient_id)
    return render(request, "care/contact_form.html", {"contact": contact, "form": form})


@role_required(*STAFF_ROLES)
@require_POST
def contact_remove(request, pk):
    contact = _contact_for(request.user, pk)
    enrolment.contact_remove(contact=contact, by=request.user)
    messages.success(request, _("已删除紧急联系人 %(name)s。") % {"name": contact.name})
    return redirect("care:recipient", pk=contact.recipient_id)


@role_required(*STAFF_ROLES)
@require_POST
def contact_move(request, pk):
    contact = _contact_for(request.user, pk)
    enrolment.contact_move(contact=contact, by=request.user, up=request.POST.get("direction") != "down")
    return redirect("care:recipient", pk=contact.recipient_id)


@role_required(*STAFF_ROLES)
@require_POST
def pause_resume(request, pk):
    pause = get_object_or_404(Pause.objects.select_related("recipient"), pk=pk)
    selectors.get_recipient_for_user(request.user, pause.recipient_id)
    form = ResumeForm(request.POST)

    def act(data):
        last_day = data["resume_on"] - datetime.timedelta(days=1)
        meals.pause_end(pause=pause, last_day=last_day, by=request.user)

    form_action(request, form, act, _("已恢复送餐。"))
    return redirect("care:recipient", pk=pause.recipient_id)


@role_required(*STAFF_ROLES)
@require_POST
def subscription_add(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    form = SubscriptionForm(request.POST, user=request.user)
    form_action(
        request,
        form,
        lambda data: meals.subscription_add(recipient=recipient, by=request.user, **form.service_kwargs()),
        _("已订餐，未来 7 天的送餐已生成。"),
    )
    return redirect("care:recipient", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def subscription_end(request, pk):
    sub = get_object_or_404(MealSubscription.objects.select_related("recipient", "kitchen"), pk=pk)
    selectors.get_recipient_for_user(request.user, sub.recipient_id)
    form = SubscriptionEndForm(request.POST)
    form_action(
        request,
        form,
        lambda data: meals.subscription_end(subscription=sub, last_day=data["last_day"], by=request.user),
        _("已停止该订餐。"),
    )
    return redirect("care:recipient", pk=sub.recipient_id)


@role_required(*STAFF_ROLES)
@require_POST
def visit_plan_add(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    form = VisitPlanForm(request.POST, user=request.user)

    def act(data):
        visits.visit_plan_create(
            recipient=recipient,
            visitor=data["visitor"].user,
            by=request.user,
            every_days=data["every_days"],
            first_due=data["first_due"],
        )

    form_action(request, form, act, _("已安排结对探访。"))
    return redirect("care:recipient", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def visit_plan_end(request, pk):
    plan = get_object_or_404(VisitPlan.objects.visible_to(request.user), pk=pk)
    try:
        visits.visit_plan_end(plan=plan, by=request.user)
        messages.success(request, _("已停止该结对探访。"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("care:recipient", pk=plan.recipient_id)


@role_required(*STAFF_ROLES)
def recipient_detail(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    record_view(actor=request.user, obj=recipient, request=request)
    today = timezone.localdate()
    context = {
        "r": recipient,
        "contacts": recipient.contacts.all(),
        "subscriptions": recipient.subscriptions.select_related("kitchen", "volunteer"),
        "pauses": recipient.pauses.all()[:20],
        "deliveries": recipient.deliveries.select_related("round__kitchen", "volunteer").order_by("-round__date")[:14],
        "alerts": recipient.alerts.all()[:10],
        "visits": recipient.visits.select_related("visitor")[:10],
        "plans": recipient.visit_plans.filter(is_active=True).select_related("visitor"),
        "pause_form": PauseForm(initial={"starts_on": today}),
        "end_form": EndForm(initial={"on": today}),
        "contact_form": ContactForm(),
        "subscription_form": SubscriptionForm(user=request.user, initial={"starts_on": today}),
        "visit_plan_form": VisitPlanForm(user=request.user, initial={"first_due": today}),
        "today": today,
    }
    return render(request, "care/recipient_detail.html", context)


@role_required(*STAFF_ROLES)
@require_POST
def recipient_pause(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    form = PauseForm(request.POST)
    form_action(
        request, form, lambda data: meals.pause_add(recipient=recipient, by=request.user, **data), _("已暂停送餐。")
    )
    return redirect("care:recipient", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def contact_add(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    form = ContactForm(request.POST)
    form_action(
        request,
        form,
        lambda data: enrolment.contact_add(recipient=recipient, by=request.user, **data),
        _("已添加紧急联系人。"),
    )
    return redirect("care:recipient", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def recipient_end(request, pk):
    recipient = selectors.get_recipient_for_user(request.user, pk)
    form = EndForm(request.POST)
    form_action(
        request,
        form,
        lambda data: enrolment.recipient_end(recipient=recipient, by=request.user, **data),
        _("服务已结束，送餐、探访和安全提醒已全部停止。"),
    )
    return redirect("care:recipient", pk=pk)


# Alerts --------------------------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def alert_detail(request, pk):
    alert = selectors.get_alert_for_user(request.user, pk)
    return render(request, "care/alert_detail.html", _alert_context(request, alert))


def _alert_context(request, alert) -> dict:
    case = Case.objects.select_related("main_unit").filter(pk=alert.case_id).first() if alert.case_id else None
    return {
        "alert": alert,
        "case": case,
        "steps": alert.steps.all(),
        "contacts": alert.recipient.contacts.all(),
        "worker": alert.recipient.worker,
        "safe_form": SafeForm(),
        "ack_form": AcknowledgeForm(initial={"by_name": str(request.user)}),
    }


@role_required(*STAFF_ROLES)
@require_POST
def contact_call(request, pk):
    """The full number of an emergency contact, as a tap-to-call link, for the staff responding to an alert;
    every reveal is written to the audit log."""
    contact = _contact_for(request.user, pk)
    record_view(actor=request.user, obj=contact, request=request, detail={"字段": ["电话"], "用途": "安全预警联系"})
    context = {"c": contact, "phone": contact.phone}
    if request.headers.get("HX-Request"):
        return render(request, "care/_contact_call.html", context)
    alert = contact.recipient.alerts.order_by("-opened_at").first()
    if alert is None:
        return redirect("care:recipient", pk=contact.recipient_id)
    context = {**_alert_context(request, alert), "revealed": contact.pk, **context}
    return render(request, "care/alert_detail.html", context)


@require_http_methods(["GET", "POST"])
def alert_safe_link(request, token):
    """The family's page from the link in their text message: no account; the signed link is the permission."""
    try:
        alert, contact = safety.alert_for_safe_link(token)
    except ValidationError as exc:
        return render(request, "care/safe_link.html", {"error": _error_text(exc)}, status=400)
    form = FamilySafeForm(request.POST or None)
    if request.method == "POST" and alert.status == SafetyAlert.Status.OPEN and form.is_valid():
        try:
            alert = safety.alert_confirm_safe_by_link(token=token, note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("care:alert_safe_link", token=token)
    return render(request, "care/safe_link.html", {"alert": alert, "contact": contact, "form": form})


@role_required(*STAFF_ROLES)
@require_POST
def alert_safe(request, pk):
    alert = selectors.get_alert_for_user(request.user, pk)
    form_action(
        request,
        SafeForm(request.POST),
        lambda data: safety.alert_confirm_safe(alert=alert, by=request.user, note=data["note"]),
        _("已确认安全，提醒已停止。"),
    )
    return redirect("care:alert", pk=pk)


@role_required(*STAFF_ROLES)
@require_POST
def step_ack(request, pk):
    step = get_object_or_404(EscalationStep.objects.select_related("alert"), pk=pk)
    selectors.get_alert_for_user(request.user, step.alert_id)  # scope check
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            safety.step_acknowledge(step=step, by_name=form.cleaned_data["by_name"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return redirect("care:alert", pk=step.alert_id)


# Visits ----------------------------------------------------------------------------------------------------
@login_required
def visit_list(request):
    today = timezone.localdate()
    staff = selectors.is_care_staff(request.user)
    plans = VisitPlan.objects.filter(is_active=True).select_related(
        "recipient__resident__household__address", "visitor"
    )
    plans = (
        plans.filter(pk__in=VisitPlan.objects.visible_to(request.user).values("pk"))
        if staff
        else plans.filter(visitor=request.user)
    )
    recent = VisitRecord.objects.select_related("recipient__resident", "visitor")
    recent = recent.visible_to(request.user) if staff else recent.filter(visitor=request.user)
    return render(
        request,
        "care/visits.html",
        {"plans": plans.order_by("next_due"), "recent": recent[:30], "today": today, "staff": staff},
    )


@login_required
def visit_new(request, pk):
    plan = selectors.get_visit_plan_for_user(request.user, pk)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = visits.visit_record(
                recipient=plan.recipient, visitor=request.user, plan=plan, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            if visit.state == WellState.NO_ANSWER:
                messages.warning(request, _("已启动安全确认：责任社工和紧急联系人将依次收到提醒。"))
            else:
                messages.success(request, _("探访已记录。"))
            return redirect("care:visits")
    return render(request, "care/visit_form.html", {"plan": plan, "form": form})


@login_required
@require_POST
def visit_to_case(request, pk):
    visit = selectors.get_visit_for_user(request.user, pk)
    try:
        case = visits.visit_need_to_case(visit=visit, by=request.user)
        messages.success(request, _("已转为诉求 %(number)s。") % {"number": getattr(case, "number", case.pk)})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect_back(request, "care:visits")


# Figures ---------------------------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def figures(request):
    today = timezone.localdate()
    month = dates.parse_date((request.GET.get("month") or f"{today:%Y-%m}") + "-01", default=today).replace(day=1)
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    deliveries = Delivery.objects.visible_to(request.user).filter(round__date__gte=month, round__date__lt=end)
    alerts = (
        SafetyAlert.objects.visible_to(request.user)
        .filter(opened_at__date__gte=month, opened_at__date__lt=end)
        .select_related("recipient__resident", "closed_by")
    )
    return render(
        request,
        "care/figures.html",
        {
            "month": month,
            "d": selectors.delivery_figures(deliveries),
            "a": selectors.alert_figures(alerts),
        },
    )
