"""Background jobs of org: a ping that proves the worker runs, and the periodic heartbeat.

The heartbeat is stored in huey's own key-value storage (the SQLite task file or Redis), not in
the Django cache: in the embedded default the cache is per process, but the worker and the web
server share the task store, so /healthz can report when periodic jobs last ran.
"""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

HEARTBEAT_KEY = "minhu:last-periodic-run"


@db_task()
def ping(token: str = "") -> str:
    """Answers "pong:<token>"; org/tests/test_worker.py enqueues it to a real consumer."""
    return f"pong:{token}"


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> str:
    """Every minute: note that the periodic scheduler is alive (reported by /healthz)."""
    now = timezone.now().isoformat()
    HUEY.put(HEARTBEAT_KEY, now)
    return now


def last_periodic_run() -> str | None:
    return HUEY.get(HEARTBEAT_KEY, peek=True)
