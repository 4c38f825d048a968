"""State changes of the care app. Views, tasks, admin and the demo call these and nothing else.

Every function takes the actor (``by=``) and, where time matters, ``now=`` / ``today=`` so that tests
drive a clock of their own. Each write and its audit entry commit together.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib import workdays

from .models import (
    CareRecipient,
    CareVolunteer,
    Delivery,
    EmergencyContact,
    EscalationStep,
    Kitchen,
    Meal,
    MealRound,
    MealSubscription,
    Pause,
    SafetyAlert,
    VisitPlan,
    VisitRecord,
    WellState,
)


def step_minutes() -> int:
    """Minutes between escalation steps (worker → each emergency contact → case → reminders)."""
    return int(getattr(settings, "CARE_ESCALATION_STEP_MINUTES", 10))


def case_due_minutes() -> int:
    """Deadline of the critical case opened when nobody could confirm the person is safe."""
    return int(getattr(settings, "CARE_SAFETY_CASE_DUE_MINUTES", 30))


def _now(now):
    return now or timezone.now()


def _today(today):
    return today or timezone.localdate()


# Recipients ----------------------------------------------------------------------------------------
# What staff may edit on a recipient's page; status, end reason and dates change only through
# pause_add / pause_end / recipient_end.
RECIPIENT_FIELDS = (
    "living",
    "mobility",
    "care_level",
    "low_salt",
    "low_sugar",
    "soft",
    "liquid",
    "halal",
    "allergies",
    "key_holder",
    "door_note",
    "worker",
    "consent",
    "consent_date",
    "note",
)


def _check_fields(fields) -> None:
    unknown = sorted(set(fields) - set(RECIPIENT_FIELDS))
    if unknown:
        raise TypeError(f"not editable on a care recipient: {', '.join(unknown)}")


@transaction.atomic
def recipient_create(*, resident, by, contacts=(), **fields) -> CareRecipient:
    """Enrol a resident, with their consent. The region is the resident's, never typed in.
    ``contacts``: (name, relation, phone) in the order they are to be called."""
    _check_fields(fields)
    if not fields.get("consent"):
        raise ValidationError(_("须经本人（或监护人）同意后才能纳入关爱服务。"))
    if CareRecipient.objects.filter(resident=resident).exists():
        raise ValidationError(_("该居民已是关爱对象。"))
    recipient = CareRecipient(resident=resident, region=resident.region, **fields)
    recipient.full_clean(exclude=["resident", "region"])
    recipient.save()
    for order, (name, relation, phone) in enumerate(contacts, start=1):
        contact_add(recipient=recipient, name=name, relation=relation, phone=phone, order=order, by=by)
    record(actor=by, action="care.recipient.create", obj=recipient)
    return recipient


@transaction.atomic
def recipient_update(*, recipient, by, **fields) -> CareRecipient:
    """Change the recipient's facts (diet, mobility, key holder, responsible worker …).
    Only the fields that differ are written; the audit entry names them."""
    _check_fields(fields)
    current = CareRecipient.objects.select_for_update().get(pk=recipient.pk)
    if current.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束，不能修改。"))
    if "consent" in fields and not fields["consent"]:
        raise ValidationError(_("本人不再同意接受服务时，请“结束服务”并选择“本人不再需要”。"))
    changed = sorted(name for name, value in fields.items() if getattr(current, name) != value)
    for name in changed:
        setattr(current, name, fields[name])
    if changed:
        current.full_clean(exclude=["resident", "region"])
        current.save(update_fields=changed)
        record(actor=by, action="care.recipient.update", obj=current, detail={"fields": changed})
    for name in RECIPIENT_FIELDS:
        setattr(recipient, name, getattr(current, name))
    return current


@transaction.atomic
def contact_add(*, recipient, name, relation, phone, by, order=None) -> EmergencyContact:
    if not (name or "").strip() or not (phone or "").strip():
        raise ValidationError(_("紧急联系人须填写姓名和电话。"))
    if order is None:
        order = (recipient.contacts.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    contact = EmergencyContact(recipient=recipient, name=name.strip(), relation=relation.strip(), order=order)
    contact.set_phone(phone)
    contact.save()
    record(actor=by, action="care.contact.add", obj=recipient, detail={"order": order})
    return contact


@transaction.atomic
def contact_update(*, contact, by, name, relation, phone="") -> EmergencyContact:
    """Correct a contact; an empty ``phone`` keeps the stored number (the page shows it masked only)."""
    if not (name or "").strip():
        raise ValidationError(_("紧急联系人须填写姓名。"))
    contact = EmergencyContact.objects.select_for_update().get(pk=contact.pk)
    contact.name, contact.relation = name.strip(), (relation or "").strip()
    fields = ["name", "relation"]
    if (phone or "").strip():
        contact.set_phone(phone)
        fields += ["phone_encrypted", "phone_masked"]
    contact.save(update_fields=fields)
    record(
        actor=by,
        action="care.contact.update",
        obj=contact.recipient,
        detail={"order": contact.order, "phone_changed": "phone_masked" in fields},
    )
    return contact


@transaction.atomic
def contact_remove(*, contact, by) -> None:
    """Remove a contact; the others keep their order, renumbered 1, 2, …"""
    recipient = contact.recipient
    EmergencyContact.objects.filter(pk=contact.pk).delete()
    _renumber(recipient, list(recipient.contacts.order_by("order", "id")))
    record(actor=by, action="care.contact.remove", obj=recipient, detail={"name": contact.name})


@transaction.atomic
def contact_move(*, contact, by, up: bool) -> None:
    """Call this contact one place earlier (``up``) or later in the escalation chain."""
    recipient = contact.recipient
    ordered = list(EmergencyContact.objects.select_for_update().filter(recipient=recipient).order_by("order", "id"))
    at = next(i for i, c in enumerate(ordered) if c.pk == contact.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(ordered):
        return
    ordered[at], ordered[other] = ordered[other], ordered[at]
    _renumber(recipient, ordered)
    record(
        actor=by,
        action="care.contact.reorder",
        obj=recipient,
        detail={"order": [c.name for c in ordered]},
    )


def _renumber(recipient, ordered) -> None:
    for number, c in enumerate(ordered, start=1):
        if c.order != number:
            EmergencyContact.objects.filter(pk=c.pk).update(order=number)
            c.order = number


# Meal subscriptions ---------------------------------------------------------------------------------
def _check_window(kitchen, meal, start, end) -> None:
    if (start is None) != (end is None):
        raise ValidationError(_("本人送达时段须同时填写开始和截止时间。"))
    if start is None:
        return
    if start >= end:
        raise ValidationError(_("送达开始时间须早于截止时间。"))
    opens, closes = kitchen.window(meal)
    if start < opens or end > closes:
        raise ValidationError(
            _("本人送达时段须在助餐点的送餐时段 %(a)s–%(b)s 之内。")
            % {"a": opens.strftime("%H:%M"), "b": closes.strftime("%H:%M")}
        )


@transaction.atomic
def subscription_add(
    *,
    recipient,
    kitchen,
    by,
    starts_on,
    meal=Meal.LUNCH,
    weekdays="1234567",
    price=0,
    subsidy=0,
    volunteer=None,
    ends_on=None,
    window_start=None,
    window_end=None,
    today=None,
) -> MealSubscription:
    """Order meals for a recipient; rounds of the coming week pick the new subscription up at once."""
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    weekdays = "".join(sorted(set(str(weekdays)) & set("1234567")))
    if not weekdays:
        raise ValidationError(_("请至少选择一个送餐日。"))
    _check_window(kitchen, meal, window_start, window_end)
    sub = MealSubscription(
        recipient=recipient,
        kitchen=kitchen,
        meal=meal,
        weekdays=weekdays,
        price=price,
        subsidy=subsidy,
        volunteer=volunteer,
        starts_on=starts_on,
        ends_on=ends_on,
        window_start=window_start,
        window_end=window_end,
    )
    sub.full_clean()
    sub.save()
    record(
        actor=by,
        action="care.subscription.add",
        obj=recipient,
        detail={"kitchen": kitchen.pk, "meal": meal, "weekdays": weekdays, "from": str(starts_on)},
    )
    today = _today(today)
    rounds_generate(start=max(today, starts_on), end=today + datetime.timedelta(days=6), kitchens=[kitchen])
    return sub


@transaction.atomic
def subscription_end(*, subscription, last_day, by) -> MealSubscription:
    """No more meals of this subscription after ``last_day``; stops already generated after it are withdrawn."""
    recipient = subscription.recipient
    withdrawn = Delivery.objects.filter(
        recipient=recipient,
        round__kitchen=subscription.kitchen,
        round__meal=subscription.meal,
        round__date__gt=last_day,
        state=Delivery.State.PENDING,
    ).delete()[0]
    if last_day < subscription.starts_on:
        subscription.delete()  # withdrawn before its first meal: nothing to keep
    else:
        subscription.ends_on = last_day
        subscription.save(update_fields=["ends_on"])
    record(
        actor=by,
        action="care.subscription.end",
        obj=recipient,
        detail={"last_day": str(last_day), "withdrawn": withdrawn},
    )
    return subscription


# Pauses ---------------------------------------------------------------------------------------------
@transaction.atomic
def pause_add(*, recipient, starts_on, ends_on, reason, by, requested_by=Pause.RequestedBy.WORKER, today=None) -> Pause:
    """Pause meals (e.g. in hospital). Deliveries already generated in the pause are withdrawn."""
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("服务已结束，不能暂停。"))
    if ends_on and ends_on < starts_on:
        raise ValidationError(_("结束日期不能早于开始日期。"))
    if not (reason or "").strip():
        raise ValidationError(_("请填写暂停原因。"))
    pause = Pause.objects.create(
        recipient=recipient,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason.strip(),
        requested_by=requested_by,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    withdrawn = _pending_deliveries(recipient, starts_on, ends_on).delete()[0]
    refresh_status(recipient=recipient, today=today)
    record(
        actor=by,
        action="care.recipient.pause",
        obj=recipient,
        detail={"from": str(starts_on), "until": str(ends_on or ""), "reason": pause.reason, "withdrawn": withdrawn},
    )
    return pause


@transaction.atomic
def pause_end(*, pause, last_day, by, today=None) -> Pause:
    """The person is back: the pause ends after ``last_day`` (the day before they eat again) and the
    coming week's rounds pick them up at once."""
    if last_day < pause.starts_on - datetime.timedelta(days=1):
        raise ValidationError(_("恢复日期不能早于暂停开始日期。"))
    if pause.recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    if last_day < pause.starts_on:
        pause.delete()  # called off before it began: no pause at all
    else:
        pause.ends_on = last_day
        pause.save(update_fields=["ends_on"])
    refresh_status(recipient=pause.recipient, today=today)
    record(actor=by, action="care.recipient.resume", obj=pause.recipient, detail={"last_day": str(last_day)})
    rounds_generate(start=last_day + datetime.timedelta(days=1), end=_today(today) + datetime.timedelta(days=6))
    return pause


def _pending_deliveries(recipient, first, last):
    qs = Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__gte=first)
    return qs.filter(round__date__lte=last) if last else qs


def refresh_status(*, recipient, today=None) -> str:
    """Active or paused according to the pauses covering ``today`` (ended stays ended)."""
    if recipient.status == CareRecipient.Status.ENDED:
        return recipient.status
    today = _today(today)
    paused = recipient.pauses.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    status = CareRecipient.Status.PAUSED if paused.exists() else CareRecipient.Status.ACTIVE
    if status != recipient.status:
        CareRecipient.objects.filter(pk=recipient.pk).exclude(status=CareRecipient.Status.ENDED).update(status=status)
        recipient.status = status
    return status


@transaction.atomic
def recipient_end(*, recipient, reason, on, by, note="", now=None) -> CareRecipient:
    """End the service (moved, in a home, or death). Stops everything at once: meals from ``on``,
    today's undelivered stops, visit plans and any running safety escalation."""
    now = _now(now)
    if reason not in CareRecipient.EndReason.values:
        raise ValidationError(_("请选择结束原因。"))
    updated = CareRecipient.objects.filter(pk=recipient.pk).exclude(status=CareRecipient.Status.ENDED)
    if not updated.update(status=CareRecipient.Status.ENDED, end_reason=reason, ended_on=on):
        raise ValidationError(_("该关爱对象的服务已结束。"))
    recipient.refresh_from_db()
    label = recipient.get_end_reason_display()
    MealSubscription.objects.filter(recipient=recipient).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on)).update(
        ends_on=on
    )
    # Today's stop stays on the volunteer's list, marked cancelled, so nobody knocks in vain.
    today = timezone.localdate(now)
    Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__lte=today).update(
        state=Delivery.State.CANCELLED, note=_("服务已结束：%(reason)s") % {"reason": label}
    )
    Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__gt=today).delete()
    VisitPlan.objects.filter(recipient=recipient, is_active=True).update(is_active=False)
    SafetyAlert.objects.filter(recipient=recipient, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.CLOSED,
        closed_at=now,
        closed_by=by if getattr(by, "is_authenticated", False) else None,
        closing_note=_("服务已结束：%(reason)s") % {"reason": label},
        next_step_at=None,
    )
    record(actor=by, action="care.recipient.end", obj=recipient, detail={"reason": reason, "on": str(on), "note": note})
    return recipient


# Rounds ---------------------------------------------------------------------------------------------
def is_public_holiday(day: datetime.date) -> bool:
    """A statutory holiday (春节, 国庆 …) or an operator's extra off-day; ordinary weekends are not."""
    extra = {datetime.date.fromisoformat(d) for d in getattr(settings, "MINHU_EXTRA_HOLIDAYS", ()) or ()}
    return day in extra or (workdays.holiday_name(day) is not None and not workdays.is_workday(day))


def _days(start, end):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


@transaction.atomic
def rounds_generate(*, start, end, kitchens=None, by=None) -> dict:
    """Create the rounds and deliveries for ``start``..``end`` from subscriptions and pauses.

    1. For each kitchen and day: skip statutory holidays unless the kitchen serves on them.
    2. For each subscription serving that weekday and not paused, one delivery in that day's round.
    3. Assign the usual volunteer while they have capacity in the round; otherwise the kitchen's
       volunteer with the most room left. Existing deliveries are kept (safe to run again).
    """
    kitchens = list(kitchens if kitchens is not None else Kitchen.objects.filter(is_active=True))
    kitchen_ids = [k.pk for k in kitchens]
    subs = list(
        MealSubscription.objects.filter(kitchen_id__in=kitchen_ids, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exclude(recipient__status=CareRecipient.Status.ENDED)
        .select_related("recipient")
        .order_by("kitchen_id", "meal", "recipient__resident__name", "pk")
    )
    pauses = defaultdict(list)
    for p in Pause.objects.filter(recipient_id__in={s.recipient_id for s in subs}, starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    ):
        pauses[p.recipient_id].append(p)
    capacity, team = {}, defaultdict(list)
    for v in CareVolunteer.objects.filter(is_active=True, kitchen_id__in=kitchen_ids):
        capacity[v.user_id] = v.capacity
        team[v.kitchen_id].append(v.user_id)
    rounds = {
        (r.kitchen_id, r.date, r.meal): r
        for r in MealRound.objects.filter(kitchen_id__in=kitchen_ids, date__gte=start, date__lte=end)
    }
    existing, load = set(), defaultdict(int)
    for round_id, recipient_id, volunteer_id in Delivery.objects.filter(round__in=list(rounds.values())).values_list(
        "round_id", "recipient_id", "volunteer_id"
    ):
        existing.add((round_id, recipient_id))
        load[(round_id, volunteer_id)] += 1

    # 1–2: which (kitchen, day, meal) need which subscriptions
    wanted = defaultdict(list)
    by_kitchen = {k.pk: k for k in kitchens}
    holidays = {day for day in _days(start, end) if is_public_holiday(day)}
    for sub in subs:
        kitchen = by_kitchen[sub.kitchen_id]
        first = max(start, sub.starts_on)
        last = min(end, sub.ends_on) if sub.ends_on else end
        for day in _days(first, last):
            if not sub.serves_weekday(day) or (day in holidays and not kitchen.serves_on_holidays):
                continue
            if any(p.covers(day) for p in pauses.get(sub.recipient_id, ())):
                continue
            wanted[(sub.kitchen_id, day, sub.meal)].append(sub)

    new_rounds = []
    for key in wanted:
        if key not in rounds:
            kitchen = by_kitchen[key[0]]
            window = kitchen.window(key[2])
            new_rounds.append(
                MealRound(
                    region_id=kitchen.region_id,
                    kitchen=kitchen,
                    date=key[1],
                    meal=key[2],
                    window_start=window[0],
                    window_end=window[1],
                )
            )
    for r in MealRound.objects.bulk_create(new_rounds):
        rounds[(r.kitchen_id, r.date, r.meal)] = r

    # 3: assignment with continuity and capacity
    deliveries = []
    for key, subs_of_round in sorted(wanted.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        rnd = rounds[key]
        for sub in subs_of_round:
            if (rnd.pk, sub.recipient_id) in existing:
                continue
            volunteer = sub.volunteer_id
            if volunteer not in capacity or load[(rnd.pk, volunteer)] >= capacity[volunteer]:
                room = [(capacity[v] - load[(rnd.pk, v)], -v) for v in team[key[0]] if load[(rnd.pk, v)] < capacity[v]]
                volunteer = -max(room)[1] if room else None
            load[(rnd.pk, volunteer)] += 1
            existing.add((rnd.pk, sub.recipient_id))
            deliveries.append(
                Delivery(
                    region_id=sub.recipient.region_id,
                    round=rnd,
                    recipient_id=sub.recipient_id,
                    volunteer_id=volunteer,
                    seq=load[(rnd.pk, volunteer)],
                    window_start=sub.window_start,
                    window_end=sub.window_end,
                )
            )
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    result = {"rounds": len(new_rounds), "deliveries": len(deliveries)}
    if by is not None:
        record(actor=by, action="care.rounds.generate", detail={"start": str(start), "end": str(end), **result})
    return result


# Deliveries and safety ------------------------------------------------------------------------------
@transaction.atomic
def delivery_confirm(*, delivery, state, by, now=None, note="") -> Delivery:
    """The volunteer saw the person (or did not). 无人应答 starts the safety chain at once;
    身体不适 opens a case for the worker; 已不在此居住 asks the worker to check."""
    now = _now(now)
    if state not in WellState.values:
        raise ValidationError(_("请选择老人的状态。"))
    changed = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
        state=state, delivered_at=now, confirmed_by=by, note=(note or "").strip()[:200]
    )
    if not changed:
        delivery.refresh_from_db()
        raise ValidationError(
            _("这一份已确认过（%(state)s），无需重复提交。") % {"state": delivery.get_state_display()}
        )
    delivery.refresh_from_db()
    recipient = delivery.recipient
    record(actor=by, action="care.delivery.confirm", obj=delivery, detail={"state": state})
    if state == WellState.NO_ANSWER:
        alert_open(recipient=recipient, by=by, now=now, delivery=delivery)
    elif state == WellState.UNWELL:
        _open_case(
            recipient=recipient,
            by=by,
            source=delivery,
            category="elderly",
            urgency="high",
            title=_("送餐时发现身体不适：%(name)s") % {"name": recipient.resident.name},
            description=_("%(when)s 送餐时老人自述或看上去身体不适。%(note)s")
            % {"when": timezone.localtime(now).strftime("%m-%d %H:%M"), "note": delivery.note},
        )
    elif state == WellState.MOVED:
        _open_case(
            recipient=recipient,
            by=by,
            source=delivery,
            category="elderly",
            urgency="normal",
            title=_("送餐时发现已不在此居住：%(name)s") % {"name": recipient.resident.name},
            description=_("请核实居住情况并调整助餐服务。%(note)s") % {"note": delivery.note},
        )
    return delivery


def _open_case(*, recipient, by, source, category, urgency, title, description, due_minutes=None):
    from cases import services as case_services

    return case_services.case_create(
        title=str(title),
        description=str(description),
        region=recipient.region,
        channel="care",
        by=by if getattr(by, "is_authenticated", False) else None,
        category=category,
        urgency=urgency,
        resident=recipient.resident,
        address=recipient.address,
        source=source,
        due_minutes=due_minutes,
    )


@transaction.atomic
def alert_open(*, recipient, by, now=None, delivery=None, visit=None) -> SafetyAlert:
    """Open a safety alert and fire its first step now. A second call while one is open returns it."""
    now = _now(now)
    running = (
        SafetyAlert.objects.select_for_update().filter(recipient=recipient, status=SafetyAlert.Status.OPEN).first()
    )
    if running:
        return running
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(
                region=recipient.region,
                recipient=recipient,
                delivery=delivery,
                visit=visit,
                opened_at=now,
                opened_by=by if getattr(by, "is_authenticated", False) else None,
                next_step_at=now,
            )
    except IntegrityError:  # a second volunteer or visitor opened it a moment earlier: join that chain
        return SafetyAlert.objects.get(recipient=recipient, status=SafetyAlert.Status.OPEN)
    record(actor=by, action="care.alert.open", obj=alert)
    _fire_next_step(alert, now)
    return alert


def escalation_plan(alert) -> list[tuple[str, object]]:
    """The chain in order: the worker, each emergency contact, then a critical case."""
    steps = [(EscalationStep.Kind.WORKER, alert.recipient.worker)]
    steps += [(EscalationStep.Kind.CONTACT, c) for c in alert.recipient.contacts.all()]
    steps.append((EscalationStep.Kind.CASE, None))
    return steps


def _fire_next_step(alert, now) -> EscalationStep:
    from notify import services as notify

    recipient = alert.recipient
    plan = escalation_plan(alert)
    number = alert.steps_done + 1
    kind, target = plan[number - 1] if number <= len(plan) else (EscalationStep.Kind.REMINDER, recipient.worker)
    where = recipient.address.text if recipient.address else ""
    body = _(
        "【民呼安全提醒】%(name)s（%(where)s）%(when)s 送餐/探访无人应答，"
        "请尽快联系或上门确认，确认后请在系统中点“确认安全”。"
    ) % {
        "name": recipient.resident.name,
        "where": where,
        "when": timezone.localtime(alert.opened_at).strftime("%H:%M"),
    }
    step = EscalationStep(alert=alert, number=number, kind=kind, at=now)
    if kind in (EscalationStep.Kind.WORKER, EscalationStep.Kind.REMINDER):
        worker = target
        if worker is not None and worker.phone:
            to, channel = worker.phone, "sms"
        elif worker is not None and worker.email:
            to, channel = worker.email, "email"
        else:
            to, channel = (worker.username if worker else "care-duty"), "console"
        message = notify.send(to=to, body=body, channel=channel, purpose="care.safety", related=alert)
        step.told = _("%(name)s（责任社工）") % {"name": worker or _("值班社工")}
        step.channel, step.message_id = channel, message.pk
    elif kind == EscalationStep.Kind.CONTACT:
        message = notify.send(to=target.phone, body=body, channel="sms", purpose="care.safety", related=alert)
        step.told = f"{target.name}（{target.relation}）{target.phone_masked}"
        step.channel, step.message_id = "sms", message.pk
    else:
        case = _open_case(
            recipient=recipient,
            by=None,
            source=alert,
            category="safety",
            urgency="critical",
            due_minutes=case_due_minutes(),
            title=_("安全预警：%(name)s 无人应答，尚未确认安全") % {"name": recipient.resident.name},
            description=_(
                "%(when)s 无人应答；已通知责任社工和紧急联系人，仍未确认安全。"
                "请立即上门，必要时联系钥匙保管人（%(keys)s）或报警。"
            )
            % {
                "when": timezone.localtime(alert.opened_at).strftime("%m-%d %H:%M"),
                "keys": recipient.key_holder or "-",
            },
        )
        alert.case_id = case.pk
        step.told = _("诉求 #%(id)s（%(minutes)s 分钟内处置）") % {"id": case.pk, "minutes": case_due_minutes()}
        step.channel = "case"
    step.save()
    alert.steps_done = number
    alert.next_step_at = now + datetime.timedelta(minutes=step_minutes())
    alert.save(update_fields=["steps_done", "next_step_at", "case_id"])
    record(actor=None, action="care.alert.step", obj=alert, detail={"number": number, "kind": kind})
    return step


def escalation_advance(*, now=None) -> int:
    """Fire the next step of every open alert that is due. Called every minute by a periodic task;
    row locks keep two workers from firing the same step twice."""
    now = _now(now)
    fired = 0
    due = SafetyAlert.objects.filter(status=SafetyAlert.Status.OPEN, next_step_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            alert = (
                SafetyAlert.objects.select_for_update(of=("self",))
                .filter(pk=pk, status=SafetyAlert.Status.OPEN, next_step_at__lte=now)
                .select_related("recipient__resident", "recipient__worker")
                .first()
            )
            if alert is None:
                continue
            _fire_next_step(alert, now)
            fired += 1
    return fired


@transaction.atomic
def step_acknowledge(*, step, by_name, now=None) -> EscalationStep:
    """Someone who was told answers ("我马上过去"): recorded; the chain goes on until safety is confirmed."""
    if step.acknowledged_at:
        raise ValidationError(_("此步骤已有人回应。"))
    step.acknowledged_by = (by_name or "").strip()[:100] or _("未署名")
    step.acknowledged_at = _now(now)
    step.save(update_fields=["acknowledged_by", "acknowledged_at"])
    record(actor=None, action="care.alert.acknowledge", obj=step.alert, detail={"number": step.number})
    return step


@transaction.atomic
def alert_confirm_safe(*, alert, by, note, now=None) -> SafetyAlert:
    """Someone saw the person and they are safe: the chain stops and the case (if any) is closed."""
    now = _now(now)
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请写明由谁、如何确认老人安全。"))
    changed = SafetyAlert.objects.filter(pk=alert.pk, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.SAFE, closed_at=now, closed_by=by, closing_note=note[:300], next_step_at=None
    )
    if not changed:
        raise ValidationError(_("该预警已关闭，无需重复确认。"))
    alert.refresh_from_db()
    if alert.case_id:
        _close_case(alert.case_id, by=by, note=_("已确认安全：%(note)s") % {"note": note})
    record(actor=by, action="care.alert.safe", obj=alert, detail={"note": note})
    return alert


def _close_case(case_id, *, by, note):
    from cases import services as case_services
    from cases.models import Case

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    resolve = getattr(case_services, "case_resolve", None)
    try:
        if resolve is not None:
            resolve(case=case, by=by, note=str(note))
            return
    except ValidationError:
        pass  # already resolved or not resolvable in its current state: leave a note instead
    case_services.case_log(case=case, by=by, note=str(note))


# Visits ---------------------------------------------------------------------------------------------
@transaction.atomic
def visit_plan_create(*, recipient, visitor, by, every_days=7, first_due=None) -> VisitPlan:
    """Pair a visitor with a person; a volunteer takes about five (老伙伴计划)."""
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    if every_days < 1:
        raise ValidationError(_("周期至少 1 天。"))
    limit = CareVolunteer.objects.filter(user=visitor).values_list("visit_partners", flat=True).first() or 5
    if VisitPlan.objects.filter(visitor=visitor, is_active=True).count() >= limit:
        raise ValidationError(_("%(name)s 已结对 %(n)s 人，达到上限。") % {"name": visitor, "n": limit})
    if VisitPlan.objects.filter(visitor=visitor, recipient=recipient, is_active=True).exists():
        raise ValidationError(_("该探访人已与此人结对。"))
    plan = VisitPlan.objects.create(
        region=recipient.region,
        recipient=recipient,
        visitor=visitor,
        every_days=every_days,
        next_due=first_due or timezone.localdate(),
    )
    record(actor=by, action="care.visit_plan.create", obj=plan)
    return plan


@transaction.atomic
def visit_plan_end(*, plan, by) -> VisitPlan:
    """Unpair: the visitor frees a place (a person now has meals, or the pairing changes)."""
    if not VisitPlan.objects.filter(pk=plan.pk, is_active=True).update(is_active=False):
        raise ValidationError(_("该探访安排已停止。"))
    plan.is_active = False
    record(actor=by, action="care.visit_plan.end", obj=plan)
    return plan


@transaction.atomic
def visit_record(*, recipient, visitor, state, by, needs="", note="", plan=None, now=None) -> VisitRecord:
    now = _now(now)
    if state not in WellState.values:
        raise ValidationError(_("请选择老人的状态。"))
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    visit = VisitRecord.objects.create(
        region=recipient.region,
        plan=plan,
        recipient=recipient,
        visitor=visitor,
        visited_at=now,
        state=state,
        needs=(needs or "").strip(),
        note=(note or "").strip()[:300],
    )
    if plan is not None:
        plan.next_due = timezone.localdate(now) + datetime.timedelta(days=plan.every_days)
        plan.save(update_fields=["next_due"])
    record(actor=by, action="care.visit.record", obj=visit, detail={"state": state})
    if state == WellState.NO_ANSWER:
        alert_open(recipient=recipient, by=by, now=now, visit=visit)
    elif state == WellState.UNWELL:
        visit_need_to_case(visit=visit, by=by, urgency="high")
    return visit


@transaction.atomic
def visit_need_to_case(*, visit, by, urgency="normal"):
    """One tap: the need found on a visit becomes a case linked back to the visit."""
    visit = VisitRecord.objects.select_for_update().get(pk=visit.pk)
    if visit.case_id:
        raise ValidationError(_("该探访发现的需求已转为诉求 #%(id)s。") % {"id": visit.case_id})
    name = visit.recipient.resident.name
    case = _open_case(
        recipient=visit.recipient,
        by=by,
        source=visit,
        category="elderly",
        urgency=urgency,
        title=_("探访发现需求：%(name)s") % {"name": name},
        description=visit.needs or visit.get_state_display(),
    )
    visit.case_id = case.pk
    visit.save(update_fields=["case_id"])
    record(actor=by, action="care.visit.to_case", obj=visit, detail={"case": case.pk})
    return case


# Route planning -------------------------------------------------------------------------------------
DEPART_BEFORE_MIN = 15  # volunteers leave the kitchen this long before the window opens


def round_problem(rnd):
    """The round as a routing problem: pending stops with coordinates, the kitchen's volunteers."""
    from . import routing

    deliveries = list(
        rnd.deliveries.filter(state=Delivery.State.PENDING).select_related(
            "round", "recipient__resident__household__address"
        )
    )
    usual = dict(
        MealSubscription.objects.filter(
            kitchen=rnd.kitchen, meal=rnd.meal, recipient_id__in=[d.recipient_id for d in deliveries]
        ).values_list("recipient_id", "volunteer_id")
    )
    team = {
        v.user_id: v
        for v in CareVolunteer.objects.filter(is_active=True).filter(
            Q(kitchen=rnd.kitchen) | Q(user_id__in={d.volunteer_id for d in deliveries})
        )
    }

    def minutes(t: datetime.time) -> int:
        """Minutes after the departure from the kitchen (DEPART_BEFORE_MIN before the round's window)."""
        since_open = datetime.datetime.combine(rnd.date, t) - datetime.datetime.combine(rnd.date, rnd.window_start)
        return DEPART_BEFORE_MIN + int(since_open.total_seconds()) // 60

    stops, unplaceable = [], []
    latest = minutes(rnd.window_end)
    for d in deliveries:
        # the stop's own window (e.g. insulin at 11:15), kept inside the round's
        start, end = d.window
        window = (max(DEPART_BEFORE_MIN, minutes(start)), min(latest, minutes(end)))
        if window[0] > window[1]:
            window = (DEPART_BEFORE_MIN, latest)
        address = d.recipient.address
        if address is None or address.latitude is None or address.longitude is None:
            unplaceable.append(d)
            continue
        stops.append(
            routing.Stop(
                key=d.pk,
                lat=float(address.latitude),
                lon=float(address.longitude),
                window=window,
                usual=usual.get(d.recipient_id) or d.volunteer_id,
            )
        )
    vehicles = [routing.Vehicle(key=uid, capacity=v.capacity, mode=v.mode) for uid, v in sorted(team.items())]
    problem = routing.Problem(
        depot=(float(rnd.kitchen.latitude), float(rnd.kitchen.longitude)),
        stops=stops,
        vehicles=vehicles,
        horizon=latest + 60,
    )
    return problem, unplaceable


def round_plan(*, rnd, by=None, seconds=3.0):
    """Plan the routes of a round and write each stop's volunteer, order and expected time.

    The search runs outside any transaction; the result is written only if nobody re-planned the
    round meanwhile (version check), so a slow plan never overwrites a newer one.
    """
    from . import routing

    version = rnd.version
    problem, unplaceable = round_problem(rnd)
    if not problem.vehicles:
        raise ValidationError(_("该助餐点没有在岗的送餐志愿者，无法排线。"))
    plan = routing.solve(problem, seconds=seconds) if problem.stops else routing.Plan([], [], 0, 0)
    depart = rnd.at(rnd.window_start) - datetime.timedelta(minutes=DEPART_BEFORE_MIN)
    with transaction.atomic():
        claimed = MealRound.objects.filter(pk=rnd.pk, version=version).update(
            version=version + 1, status=MealRound.Status.ROUTED, planned_distance_m=plan.distance_m
        )
        if not claimed:
            raise ValidationError(_("该轮次刚被他人重新排线，请刷新后再试。"))
        changes = {}
        for route in plan.routes:
            for seq, (key, minute) in enumerate(zip(route.stops, route.arrivals, strict=True), start=1):
                changes[key] = (route.vehicle, seq, depart + datetime.timedelta(minutes=minute))
        rows = list(Delivery.objects.filter(pk__in=list(changes), state=Delivery.State.PENDING))
        for d in rows:
            d.volunteer_id, d.seq, d.eta = changes[d.pk]
        Delivery.objects.bulk_update(rows, ["volunteer", "seq", "eta"])
        record(
            actor=by,
            action="care.round.plan",
            obj=rnd,
            detail={
                "distance_m": plan.distance_m,
                "unassigned": len(plan.unassigned),
                "no_coordinates": len(unplaceable),
            },
        )
    rnd.refresh_from_db()
    plan.no_coordinates = [d.pk for d in unplaceable]
    return plan
