"""Leases held in the database: one periodic scheduler at a time, on SQLite and PostgreSQL alike.

Any number of consumers may be started with the scheduler on (``manage.py run_huey``); each minute every one
of them tries to claim the minute mark, and only the lease holder's claim succeeds. A holder that stops
renewing (killed, frozen, cut off from the database) loses the lease ``SCHEDULER_TTL`` after its last claim and
the next scheduler takes over; the claimed minute only moves forward, so no minute is run twice.
"""

import datetime
import os
import socket

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import Lease, PeriodicRun

SCHEDULER = "scheduler"
# Longer than two scheduler ticks (60 s each), so a busy holder keeps its lease; short enough that a dead
# holder's jobs resume within three minutes.
SCHEDULER_TTL = datetime.timedelta(seconds=150)


def process_name() -> str:
    """Who holds a lease: host and process id, as an operator would look for it."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_minute(*, holder: str, minute: datetime.datetime, name: str = SCHEDULER, now=None, ttl=SCHEDULER_TTL) -> bool:
    """Take or renew the lease ``name`` for ``holder`` and claim ``minute``; True when this holder may run it.

    1. One conditional UPDATE: the row is ours or expired, and its last claimed minute is earlier.
    2. No row changed and the row exists: someone else holds it (or this minute is taken): False.
    3. No row yet: INSERT it; a concurrent INSERT loses on the primary key: False.
    """
    now = now or timezone.now()
    mine_or_free = Q(holder=holder) | Q(expires_at__lt=now)
    later = Q(last_minute__isnull=True) | Q(last_minute__lt=minute)
    with transaction.atomic():
        changed = Lease.objects.filter(Q(name=name) & mine_or_free & later).update(
            acquired_at=Case(When(holder=holder, then=F("acquired_at")), default=Value(now)),
            holder=holder,
            renewed_at=now,
            expires_at=now + ttl,
            last_minute=minute,
        )
    if changed:
        return True
    if Lease.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            Lease.objects.create(
                name=name, holder=holder, acquired_at=now, renewed_at=now, expires_at=now + ttl, last_minute=minute
            )
    except IntegrityError:
        return False
    return True


def release(*, holder: str, name: str = SCHEDULER) -> None:
    """Give the lease up at a clean shutdown so the next scheduler need not wait for it to expire."""
    Lease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


@transaction.atomic
def note_enqueued(*, tasks: list[str], by: str, at=None) -> None:
    at = at or timezone.now()
    for task in tasks:
        PeriodicRun.objects.update_or_create(task=task, defaults={"enqueued_at": at, "by": by})


def status(now=None) -> dict:
    """What /healthz shows about the scheduler: who holds the lease, until when, and each job's last run."""
    now = now or timezone.now()
    lease = Lease.objects.filter(name=SCHEDULER).first()
    runs = {r.task: r.enqueued_at.isoformat() for r in PeriodicRun.objects.order_by("task")}
    if lease is None:
        return {"holder": None, "held": False, "periodic_runs": runs}
    return {
        "holder": lease.holder,
        "held": lease.expires_at >= now,
        "since": lease.acquired_at.isoformat(),
        "renewed_at": lease.renewed_at.isoformat(),
        "expires_at": lease.expires_at.isoformat(),
        "periodic_runs": runs,
    }
