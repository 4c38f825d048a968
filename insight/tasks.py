"""Jobs of insight (huey). Operator notes: docs/insight.md and docs/operations.md."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from cases.models import Case
from org.models import User

from .actions import hotspots, suggestions, training

log = logging.getLogger(__name__)


@db_task()
def suggest_cases(case_ids: list[int]) -> list[int]:
    """After cases are created: store each one's category suggestion (and auto-dispatch when allowed)."""
    cases = list(Case.objects.select_related("category", "region").filter(pk__in=case_ids).order_by("pk"))
    return [s.pk for s in suggestions.suggest_for_cases(cases=cases)] if cases else []


@db_task()
def train_routing_model(user_id: int | None = None) -> int | None:
    """Train a new model version on demand (the button on the insight page)."""
    by = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        return training.routing_train(by=by).version
    except training.NotEnoughCases as exc:
        log.info("routing model not trained: %s", exc.messages[0])
        return None


@db_periodic_task(crontab(hour="3", minute="10"))
def nightly_routing_train() -> int | None:
    """Nightly: retrain on the cases dispatched so far (staff corrections included)."""
    return train_routing_model.call_local()


@db_periodic_task(crontab(minute="15"))
def refresh_hotspots() -> int:
    """Hourly: find the hot spots of the last MINHU_INSIGHT_HOTSPOT_DAYS days."""
    return hotspots.hotspots_refresh()
