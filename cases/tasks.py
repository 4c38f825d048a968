"""Periodic jobs of the cases app (huey). Operator notes: docs/operations.md, "诉求时限巡检"."""

from django.core.cache import cache
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .open311_services import take_pending
from .sweeps import archive_unrated, sweep_deadlines


@db_periodic_task(crontab(minute="*/10"))
def sweep_case_deadlines() -> dict:
    """Every ten minutes: 80 % warnings to the handling unit, overdue escalation to supervising staff."""
    return sweep_deadlines()


@db_periodic_task(crontab(hour="2", minute="30"))
def archive_unrated_cases() -> int:
    """Nightly: resolved cases the resident has not rated within 7 days are archived as 未回访."""
    return archive_unrated()


# Open311 intake (clients with answer_with_token): the POST stores the request and answers with a
# token; this worker turns waiting requests into cases in batches (open311_services.take_pending).
# One task is enough for any number of requests: a request enqueues one only when no task is
# already due (a flag in the cache, shared through Redis in production), and the task clears the
# flag before it starts taking, so whatever arrives while it works enqueues the next one.
INTAKE_FLAG = "cases:open311-intake-due"
INTAKE_BATCH = 100


def take_open311_requests_soon() -> None:
    """Called on commit of an accepted request."""
    if cache.add(INTAKE_FLAG, 1, timeout=2):
        take_open311_requests()


@db_task()
def take_open311_requests() -> int:

    cache.delete(INTAKE_FLAG)
    taken = 0
    while n := take_pending(limit=INTAKE_BATCH):
        taken += n
    return taken


@db_periodic_task(crontab(minute="*"))
def sweep_open311_requests() -> int:
    """Every minute, in case a request's task was lost (the queue was down when it was accepted)."""
    return take_open311_requests.call_local()
