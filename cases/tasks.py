"""Periodic jobs of the cases app (huey). Operator notes: docs/operations.md, "诉求时限巡检"."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/10"))
def sweep_case_deadlines() -> dict:
    """Every ten minutes: 80 % warnings to the handling unit, overdue escalation to supervising staff."""
    return services.sweep_deadlines()


@db_periodic_task(crontab(hour="2", minute="30"))
def archive_unrated_cases() -> int:
    """Nightly: resolved cases the resident has not rated within 7 days are archived as 未回访."""
    return services.archive_unrated()
