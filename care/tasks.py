"""Care jobs: daily round generation, the safety escalation sweep, pause status, route planning."""

import datetime

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .actions import meals, routes, safety
from .models import CareRecipient, MealRound


@db_periodic_task(crontab(hour="5", minute="10"))
def generate_rounds():
    """Rounds for today and the days ahead (CARE_ROUNDS_DAYS_AHEAD), picking up new subscriptions and pauses."""
    today = timezone.localdate()
    days = int(getattr(settings, "CARE_ROUNDS_DAYS_AHEAD", 7))
    return meals.rounds_generate(start=today, end=today + datetime.timedelta(days=days - 1))


@db_periodic_task(crontab(minute="*"))
def escalate_safety_alerts():
    """Every minute: the next step of each open safety alert that is due."""
    return safety.escalation_advance()


@db_periodic_task(crontab(hour="0", minute="5"))
def refresh_pause_status():
    for recipient in CareRecipient.objects.exclude(status=CareRecipient.Status.ENDED):
        meals.refresh_status(recipient=recipient)


@db_task()
def plan_round(round_id: int):
    rnd = MealRound.objects.select_related("kitchen").get(pk=round_id)
    plan = routes.round_plan(rnd=rnd, seconds=float(getattr(settings, "CARE_ROUTE_SECONDS", 3)))
    return {"distance_m": plan.distance_m, "unassigned": len(plan.unassigned)}
