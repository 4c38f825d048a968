"""Health for load balancers and operators.

- ``/healthz/live``: the process answers (restart it when this fails). Touches nothing else.
- ``/healthz/ready``: may this server take requests? Only the database is required: without Redis the
  site still takes cases, logins and queue numbers (docs/reliability.md), so a Redis outage answers 200 with
  ``"status": "degraded"`` and names what is down, instead of taking every server out at once.
- ``/healthz``: the same answer as ready, for existing probes.

Ready also shows the periodic scheduler's lease (who holds it, until when) and when each periodic job was
last enqueued (ops.lease).
"""

import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

from ops import lease
from org.tasks import last_periodic_run


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}"


@never_cache
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request):
    checks: dict = {}
    down: list[str] = []
    try:
        connection.ensure_connection()
        if not connection.is_usable():  # the backend's own probe on an open connection
            raise DatabaseError("connection not usable")
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: the caller wants JSON
        checks["database"] = _error(exc)
        down.append("database")
    try:
        checks["queue_pending"] = HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as exc:
        checks["queue"] = _error(exc)
        down.append("queue")
    try:
        probe = f"healthz:{uuid.uuid4().hex}"
        cache.set(probe, 1, 10)
        cache.delete(probe)
        if getattr(cache, "degraded", False):  # lib.cache answered from this process's memory
            checks["cache"] = "degraded: Redis unreachable, per-process fallback"
            down.append("cache")
        else:
            checks["cache"] = "ok"
    except Exception as exc:
        checks["cache"] = _error(exc)
        down.append("cache")
    try:
        checks["last_periodic_run"] = last_periodic_run()
    except Exception as exc:
        checks["last_periodic_run"] = _error(exc)
    if "database" not in down:
        try:
            checks["scheduler"] = lease.status()
        except Exception as exc:
            checks["scheduler"] = _error(exc)
    checks["down"] = down
    if "database" in down:
        checks["status"] = "error"
    else:
        checks["status"] = "degraded" if down else "ok"
    return JsonResponse(checks, status=503 if "database" in down else 200)
