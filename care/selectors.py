"""Reads of the care app: access helpers (out of scope answers 404 like missing) and the figures."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from org.access import holds_role
from org.models import STAFF_ROLES
from org.scoping import get_visible_or_404

from .models import CareRecipient, Delivery, MealRound, SafetyAlert, VisitPlan, VisitRecord


def is_care_staff(user) -> bool:
    return holds_role(user, *STAFF_ROLES)


def get_recipient_for_user(user, pk) -> CareRecipient:
    qs = CareRecipient.objects.select_related("resident__household__address", "worker", "region")
    return get_visible_or_404(qs, user, pk=pk)


def get_round_for_user(user, pk) -> MealRound:
    return get_visible_or_404(MealRound.objects.select_related("kitchen"), user, pk=pk)


def get_alert_for_user(user, pk) -> SafetyAlert:
    qs = SafetyAlert.objects.select_related("recipient__resident__household__address", "recipient__worker")
    return get_visible_or_404(qs, user, pk=pk)


def get_delivery_for_user(user, pk) -> Delivery:
    """The volunteer who carries it, or staff of its region; anyone else gets 404."""
    qs = Delivery.objects.select_related("round__kitchen", "recipient__resident__household__address")
    delivery = (
        qs.filter(pk=pk).filter(Q(volunteer=user) | Q(pk__in=Delivery.objects.visible_to(user).values("pk"))).first()
    )
    if delivery is None:
        raise Http404
    return delivery


def get_visit_plan_for_user(user, pk) -> VisitPlan:
    plan = (
        VisitPlan.objects.select_related("recipient__resident__household__address")
        .filter(pk=pk)
        .filter(Q(visitor=user) | Q(pk__in=VisitPlan.objects.visible_to(user).values("pk")))
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def get_visit_for_user(user, pk) -> VisitRecord:
    visit = (
        VisitRecord.objects.select_related("recipient__resident")
        .filter(pk=pk)
        .filter(Q(visitor=user) | Q(pk__in=VisitRecord.objects.visible_to(user).values("pk")))
        .first()
    )
    if visit is None:
        raise Http404
    return visit


def stops_for_volunteer(user, day: datetime.date):
    """The volunteer's own stops of the day, in route order. Only what is needed to deliver is loaded."""
    return (
        Delivery.objects.filter(volunteer=user, round__date=day)
        .select_related("round__kitchen", "recipient__resident__household__address")
        .only(
            "id",
            "seq",
            "eta",
            "window_start",
            "window_end",
            "state",
            "delivered_at",
            "note",
            "round__id",
            "round__date",
            "round__meal",
            "round__window_start",
            "round__window_end",
            "round__kitchen__name",
            "round__kitchen__latitude",
            "round__kitchen__longitude",
            "recipient__id",
            "recipient__low_salt",
            "recipient__low_sugar",
            "recipient__soft",
            "recipient__liquid",
            "recipient__halal",
            "recipient__allergies",
            "recipient__key_holder",
            "recipient__door_note",
            "recipient__resident__id",
            "recipient__resident__name",
            "recipient__resident__household__id",
            "recipient__resident__household__address__id",
            "recipient__resident__household__address__road",
            "recipient__resident__household__address__lane",
            "recipient__resident__household__address__number",
            "recipient__resident__household__address__room",
            "recipient__resident__household__address__latitude",
            "recipient__resident__household__address__longitude",
        )
        .order_by("round__window_start", "seq", "id")
    )


# Figures ------------------------------------------------------------------------------------------
def delivery_figures(deliveries: QuerySet[Delivery], *, now: datetime.datetime | None = None) -> dict:
    """准时送达率 per volunteer, per route (kitchen · meal) and per month, and the missed and late ones.

    On time: confirmed (the person seen or not) by the end of the stop's window (its own, else the
    round's). Missed: still not confirmed after the window closed. Cancelled stops do not count.
    """
    now = now or timezone.now()
    rows = deliveries.exclude(state=Delivery.State.CANCELLED).select_related(
        "round__kitchen", "volunteer", "recipient__resident"
    )
    groups: dict[str, defaultdict[Any, list[int]]] = {
        "volunteer": defaultdict(lambda: [0, 0]),
        "route": defaultdict(lambda: [0, 0]),
        "month": defaultdict(lambda: [0, 0]),
    }
    missed, late = [], []
    for d in rows:
        deadline = d.deadline  # the end of the stop's own window if it has one, else of the round's
        if d.state == Delivery.State.PENDING and deadline > now:
            continue  # not due yet
        on_time = d.delivered_at is not None and d.delivered_at <= deadline
        keys = {
            "volunteer": str(d.volunteer or "未分配"),
            "route": f"{d.round.kitchen.name} · {d.round.get_meal_display()}",
            "month": f"{d.round.date:%Y-%m}",
        }
        for name, key in keys.items():
            groups[name][key][0] += on_time
            groups[name][key][1] += 1
        if d.state == Delivery.State.PENDING:
            missed.append(d)
        elif not on_time:
            late.append(d)

    def table(counter):
        return [
            {"key": k, "on_time": v[0], "total": v[1], "rate": round(100 * v[0] / v[1], 1) if v[1] else None}
            for k, v in sorted(counter.items())
        ]

    return {
        "by_volunteer": table(groups["volunteer"]),
        "by_route": table(groups["route"]),
        "by_month": table(groups["month"]),
        "missed": missed,
        "late": late,
    }


def alert_figures(alerts: Iterable[SafetyAlert]) -> dict:
    closed = [a for a in alerts if a.closed_at]
    minutes = sorted((a.closed_at - a.opened_at).total_seconds() / 60 for a in closed)  # type: ignore[operator]  # closed ones
    return {
        "alerts": list(alerts),
        "closed": len(closed),
        "median_minutes": round(minutes[len(minutes) // 2], 1) if minutes else None,
        "max_minutes": round(minutes[-1], 1) if minutes else None,
    }
