"""Jobs of insight (huey). Operator notes: docs/insight.md and docs/operations.md."""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from cases.models import Case
from org.models import User

from .actions import hotspots, suggestions, training
from .models import Suggestion

log = logging.getLogger(__name__)


@db_task()
def suggest_cases(case_ids: list[int]) -> list[int]:
    """After cases are created: store each one's category suggestion (and auto-dispatch when allowed).

    Idempotent: a case that already has a suggestion is skipped, so a task replayed from a Redis snapshot,
    or run by the sweep too, adds no second row. The cases are locked while the check and the insert run
    (PostgreSQL), so two runs at once cannot both see "none yet"."""
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("category", "region")
            .filter(pk__in=case_ids)
            .filter(~Exists(Suggestion.objects.filter(case=OuterRef("pk"))))
            .order_by("pk")
        )
        return [s.pk for s in suggestions.suggest_for_cases(cases=cases)] if cases else []


# The sweep looks this far back for new cases without a suggestion, and leaves the newest this long to
# their after-commit task.
SWEEP_DAYS = 2
SWEEP_GRACE = datetime.timedelta(minutes=1)


@db_periodic_task(crontab(minute="*/5"))
def sweep_suggestions() -> int:
    """Every five minutes: new cases whose suggestion task was lost (the queue was down) get one now."""
    if not settings.MINHU_INSIGHT_SUGGEST_ON_CREATE:
        return 0
    now = timezone.now()
    missing = (
        Case.objects.filter(
            created_at__gte=now - datetime.timedelta(days=SWEEP_DAYS), created_at__lte=now - SWEEP_GRACE
        )
        .filter(~Exists(Suggestion.objects.filter(case=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    ids = list(missing)
    return len(suggest_cases.call_local(ids)) if ids else 0


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
