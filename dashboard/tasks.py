"""Periodic jobs of the dashboard (huey). Operator notes: docs/operations.md, "诉求三率统计"."""

from django.db import connection
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from cases import metrics


@db_periodic_task(crontab(minute="*/5"))
def advance_figures_cutoff() -> bool:
    """Every five minutes on PostgreSQL: count the deadlines that passed into the monthly figures, so
    the dashboard adds only the last few minutes' deadlines itself (cases.metrics.advance_cutoff).
    Without it the figures stay exact; the dashboard just reads more cases as the cut-off ages."""
    if connection.vendor != "postgresql":
        return False
    return metrics.advance_cutoff()
