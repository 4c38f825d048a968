"""Route planning of a meal round: the round as a routing problem for ``care.routing`` (pure, OR-Tools), and the
plan written back as each stop's volunteer, order and expected time."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from audit.services import record
from org.actors import Actor

from .. import routing
from ..models import CareVolunteer, Delivery, MealRound, MealSubscription

DEPART_BEFORE_MIN = 15  # volunteers leave the kitchen this long before the window opens


def round_problem(rnd: MealRound):
    """The round as a routing problem: pending stops with coordinates, the kitchen's volunteers."""
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
    # One stop per door: two people at the same address get their meals from the same volunteer in one visit
    # (the stop's key is then the tuple of their deliveries, its demand the number of meals).
    doors: dict[int, list] = {}
    for d in deliveries:
        address = d.recipient.address
        if address is None or address.latitude is None or address.longitude is None:
            unplaceable.append(d)
            continue
        doors.setdefault(address.pk, []).append(d)
    for at_door in doors.values():
        # the stop's own window (e.g. insulin at 11:15), kept inside the round's; at a shared door the tighter one
        starts, ends = zip(*(d.window for d in at_door), strict=True)
        window = (max(DEPART_BEFORE_MIN, minutes(max(starts))), min(latest, minutes(min(ends))))
        if window[0] > window[1]:
            window = (DEPART_BEFORE_MIN, latest)
        first = at_door[0]
        address = first.recipient.address
        regular = next((usual[d.recipient_id] for d in at_door if usual.get(d.recipient_id)), None)
        stops.append(
            routing.Stop(
                key=first.pk if len(at_door) == 1 else tuple(d.pk for d in at_door),
                lat=float(address.latitude),
                lon=float(address.longitude),
                window=window,
                demand=len(at_door),
                usual=regular or first.volunteer_id,
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


def round_plan(*, rnd: MealRound, by: Actor = None, seconds: float = 3.0) -> routing.Plan:
    """Plan the routes of a round and write each stop's volunteer, order and expected time.

    The search runs outside any transaction; the result is written only if nobody re-planned the
    round meanwhile (version check), so a slow plan never overwrites a newer one.
    """
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
        changes: dict[int, tuple[Any, int, datetime.datetime]] = {}  # pk: (volunteer id, order, eta)
        for route in plan.routes:
            seq = 0
            for key, minute in zip(route.stops, route.arrivals, strict=True):
                for pk in key if isinstance(key, tuple) else (key,):  # a shared door: one after the other
                    seq += 1
                    changes[pk] = (route.vehicle, seq, depart + datetime.timedelta(minutes=minute))
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
    plan.no_coordinates = [d.pk for d in unplaceable]  # type: ignore[attr-defined]  # for the round page only
    return plan
