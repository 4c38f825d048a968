"""Meals: subscriptions (who eats what, on which days, from which kitchen), pauses (in hospital, at the
children's), the daily rounds generated from them, and the volunteer's confirmation at the door, which is also the
daily check that the person is well (无人应答 starts the safety chain in ``safety``)."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib import workdays
from org.actors import user_of

from ..models import (
    CareRecipient,
    CareVolunteer,
    Delivery,
    Kitchen,
    Meal,
    MealRound,
    MealSubscription,
    Pause,
    WellState,
)
from . import safety


# Meal subscriptions -----------------------------------------------------------------------------------------
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
    today = today or timezone.localdate()
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
        created_by=user_of(by),
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
    rounds_generate(
        start=last_day + datetime.timedelta(days=1), end=(today or timezone.localdate()) + datetime.timedelta(days=6)
    )
    return pause


def _pending_deliveries(recipient, first, last):
    qs = Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__gte=first)
    return qs.filter(round__date__lte=last) if last else qs


def refresh_status(*, recipient, today=None) -> str:
    """Active or paused according to the pauses covering ``today`` (ended stays ended)."""
    if recipient.status == CareRecipient.Status.ENDED:
        return recipient.status
    today = today or timezone.localdate()
    paused = recipient.pauses.filter(starts_on__lte=today).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    status = CareRecipient.Status.PAUSED if paused.exists() else CareRecipient.Status.ACTIVE
    if status != recipient.status:
        CareRecipient.objects.filter(pk=recipient.pk).exclude(status=CareRecipient.Status.ENDED).update(status=status)
        recipient.status = status
    return status


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


def _subscriptions_in(kitchen_ids, start, end) -> list:
    """Subscriptions of these kitchens running at some point in ``start``..``end``, recipient still in care."""
    return list(
        MealSubscription.objects.filter(kitchen_id__in=kitchen_ids, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .exclude(recipient__status=CareRecipient.Status.ENDED)
        .select_related("recipient")
        .order_by("kitchen_id", "meal", "recipient__resident__name", "pk")
    )


def _pauses_by_recipient(recipient_ids, start, end) -> dict:
    pauses = defaultdict(list)
    for p in Pause.objects.filter(recipient_id__in=recipient_ids, starts_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=start)
    ):
        pauses[p.recipient_id].append(p)
    return pauses


def _volunteer_teams(kitchen_ids) -> tuple[dict, dict]:
    """(capacity by volunteer user id, volunteer user ids by kitchen id) for the active volunteers."""
    capacity, team = {}, defaultdict(list)
    for v in CareVolunteer.objects.filter(is_active=True, kitchen_id__in=kitchen_ids):
        capacity[v.user_id] = v.capacity
        team[v.kitchen_id].append(v.user_id)
    return capacity, team


def _existing_deliveries(rounds) -> tuple[set, defaultdict]:
    """((round id, recipient id) already delivered to, load by (round id, volunteer id)) — kept on a rerun."""
    existing: set[tuple[int, int]] = set()
    load: defaultdict[tuple[int, int | None], int] = defaultdict(int)
    for round_id, recipient_id, volunteer_id in Delivery.objects.filter(round__in=rounds).values_list(
        "round_id", "recipient_id", "volunteer_id"
    ):
        existing.add((round_id, recipient_id))
        load[(round_id, volunteer_id)] += 1
    return existing, load


def _wanted_meals(subs, pauses, by_kitchen, start, end) -> dict:
    """Steps 1–2: the subscriptions each (kitchen id, day, meal) must serve."""
    wanted = defaultdict(list)
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
    return wanted


def _create_missing_rounds(wanted, rounds, by_kitchen) -> list:
    """Create the rounds ``wanted`` needs and ``rounds`` lacks; add them to ``rounds`` and return them."""
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
    return new_rounds


def _pick_volunteer(usual, round_id, team, capacity, load):
    """The usual volunteer while they have room in the round; else the team member with the most room left
    (the lowest user id on a tie); None when the whole team is full."""
    if usual in capacity and load[(round_id, usual)] < capacity[usual]:
        return usual
    room = [(capacity[v] - load[(round_id, v)], -v) for v in team if load[(round_id, v)] < capacity[v]]
    return -max(room)[1] if room else None


def _assign_deliveries(wanted, rounds, existing, load, capacity, team) -> list:
    """Step 3: one unsaved Delivery per wanted (round, recipient) not yet delivered to, day by day."""
    deliveries = []
    for key, subs_of_round in sorted(wanted.items(), key=lambda kv: (kv[0][1], kv[0][0], kv[0][2])):
        rnd = rounds[key]
        for sub in subs_of_round:
            if (rnd.pk, sub.recipient_id) in existing:
                continue
            volunteer = _pick_volunteer(sub.volunteer_id, rnd.pk, team[key[0]], capacity, load)
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
    return deliveries


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
    by_kitchen = {k.pk: k for k in kitchens}
    subs = _subscriptions_in(kitchen_ids, start, end)
    pauses = _pauses_by_recipient({s.recipient_id for s in subs}, start, end)
    capacity, team = _volunteer_teams(kitchen_ids)
    rounds = {
        (r.kitchen_id, r.date, r.meal): r
        for r in MealRound.objects.filter(kitchen_id__in=kitchen_ids, date__gte=start, date__lte=end)
    }
    existing, load = _existing_deliveries(list(rounds.values()))

    wanted = _wanted_meals(subs, pauses, by_kitchen, start, end)
    new_rounds = _create_missing_rounds(wanted, rounds, by_kitchen)
    deliveries = _assign_deliveries(wanted, rounds, existing, load, capacity, team)
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    result = {"rounds": len(new_rounds), "deliveries": len(deliveries)}
    if by is not None:
        record(actor=by, action="care.rounds.generate", detail={"start": str(start), "end": str(end), **result})
    return result


# Deliveries -------------------------------------------------------------------------------------------------
@transaction.atomic
def delivery_confirm(*, delivery, state, by, now=None, note="") -> Delivery:
    """The volunteer saw the person (or did not). 无人应答 starts the safety chain at once;
    身体不适 opens a case for the worker; 已不在此居住 asks the worker to check."""
    now = now or timezone.now()
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
        safety.alert_open(recipient=recipient, by=by, now=now, delivery=delivery)
    elif state == WellState.UNWELL:
        safety.open_case(
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
        safety.open_case(
            recipient=recipient,
            by=by,
            source=delivery,
            category="elderly",
            urgency="normal",
            title=_("送餐时发现已不在此居住：%(name)s") % {"name": recipient.resident.name},
            description=_("请核实居住情况并调整助餐服务。%(note)s") % {"note": delivery.note},
        )
    return delivery
