"""Periodic jobs run at their Shanghai hour whatever the machine's zone, and once per minute however many
schedulers are started (issue 16, findings 1 and 5)."""

import datetime
import time
from zoneinfo import ZoneInfo

import pytest
from django.utils.module_loading import autodiscover_modules
from huey.consumer import ThreadEnvironment
from huey.contrib.djhuey import HUEY

from minhu.huey import Scheduler
from ops import lease
from ops.models import Lease, PeriodicRun

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def machine_zone(monkeypatch):
    """Set the process's TZ as a machine in another zone would have it (Django sets it to TIME_ZONE)."""

    def use(zone: str):
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def enqueued(monkeypatch):
    """What the schedulers hand to the queue (tasks run inline in tests; here they are only collected)."""
    autodiscover_modules("tasks")  # as run_huey does: periodic tasks register on import
    seen = []
    monkeypatch.setattr(HUEY, "enqueue_or_raise", lambda task: seen.append(task.name))
    return seen


def scheduler(holder: str) -> Scheduler:
    s = Scheduler(huey=HUEY, stop_flag=ThreadEnvironment().get_stop_flag(), interval=1, periodic=True)
    s.holder = holder
    return s


def at(monkeypatch, wall: datetime.datetime):
    monkeypatch.setattr("django.utils.timezone.now", lambda: wall.astimezone(datetime.UTC))


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Shanghai"])
def test_daily_jobs_fire_at_their_shanghai_hour_whatever_the_machine_zone(
    db, machine_zone, enqueued, monkeypatch, zone
):
    machine_zone(zone)
    shanghai_wall = datetime.datetime.now(SHANGHAI).replace(tzinfo=None)
    assert abs(HUEY._get_timestamp() - shanghai_wall) < datetime.timedelta(seconds=5)
    s = scheduler("a")
    fired = {}
    day = datetime.datetime(2026, 6, 1, tzinfo=SHANGHAI)
    # the daily jobs' minutes, and the same minutes 8 hours on (where a UTC reading would put them)
    marks = sorted({datetime.time(h + late, m) for h, m in [(0, 5), (2, 30), (3, 10), (5, 10)] for late in (0, 8)})
    for mark in marks:
        wall = datetime.datetime.combine(day.date(), mark, tzinfo=SHANGHAI)
        at(monkeypatch, wall)
        enqueued.clear()
        s.enqueue_periodic_tasks(None)
        for name in enqueued:
            fired.setdefault(name, []).append(f"{wall:%H:%M}")
    assert fired["archive_unrated_cases"] == ["02:30"]
    assert fired["generate_rounds"] == ["05:10"]
    assert fired["nightly_routing_train"] == ["03:10"]
    assert fired["refresh_pause_status"] == ["00:05"]
    assert len(fired["heartbeat"]) == len(marks)


def test_two_schedulers_run_each_periodic_job_once(db, enqueued, monkeypatch):
    first, second = scheduler("host-a:1"), scheduler("host-b:2")
    start = datetime.datetime(2026, 6, 1, 2, 29, tzinfo=SHANGHAI)
    for minute in range(3):  # both tick every minute, in either order
        at(monkeypatch, start + datetime.timedelta(minutes=minute, seconds=1))
        for s in (first, second) if minute % 2 else (second, first):
            s.enqueue_periodic_tasks(None)
    assert enqueued.count("heartbeat") == 3
    assert enqueued.count("archive_unrated_cases") == 1
    holder = Lease.objects.get(name=lease.SCHEDULER).holder
    assert holder == "host-b:2"  # whoever claimed the first minute keeps the lease while it renews
    assert PeriodicRun.objects.get(task="heartbeat").by == holder


def test_a_dead_schedulers_lease_passes_to_the_next_without_running_a_minute_twice(db, enqueued, monkeypatch):
    first, second = scheduler("host-a:1"), scheduler("host-b:2")
    start = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
    at(monkeypatch, start)
    first.enqueue_periodic_tasks(None)
    # host-a dies; host-b keeps ticking and takes over once the lease has expired
    for minute in range(1, 5):
        at(monkeypatch, start + datetime.timedelta(minutes=minute))
        second.enqueue_periodic_tasks(None)
    assert Lease.objects.get(name=lease.SCHEDULER).holder == "host-b:2"
    heartbeats = enqueued.count("heartbeat")
    assert 2 <= heartbeats <= 3  # minutes 3 and 4 (the lease lasts 150 s); never one minute twice
    assert not lease.claim_minute(holder="host-b:2", minute=start + datetime.timedelta(minutes=4))


def test_healthz_shows_the_lease_holder_and_last_runs(client, db, enqueued, monkeypatch):
    s = scheduler("host-a:1")
    at(monkeypatch, datetime.datetime(2026, 6, 1, 2, 30, tzinfo=SHANGHAI))
    s.enqueue_periodic_tasks(None)
    monkeypatch.undo()
    data = client.get("/healthz/ready").json()
    assert data["scheduler"]["holder"] == "host-a:1"
    assert "archive_unrated_cases" in data["scheduler"]["periodic_runs"]
