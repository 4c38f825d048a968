"""Booking rush (section "booking"): many people press 预约 for the same slots at the same moment.

16 threads, each with its own database connection, race for each of 40 one-hour slots of one
resource (10-minute buffer): all threads wait at a barrier, then call ``resources.services.
booking_create`` for the same slot. Measured: attempts per second, latency per attempt, how many
won, and — the point — double bookings (pairs of holding bookings closer than the buffer), which
must be zero.

Baseline, in the same run: the same rush with the PostgreSQL exclusion constraint dropped, so only
the service's check-then-insert stands between two people (what an application-only check gives
under READ COMMITTED). Also measured: the free-slot grid (7 days, 30-minute slots) of a busy week.

Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_resources .venv/bin/python bench/bench_booking.py
"""

import datetime
import threading
import time

import common

THREADS = 16
SLOTS = 40


def build():
    from org.models import Membership, Region, Role, User
    from resources.models import OpeningHours, Resource

    district = Region.objects.create(name="徐汇区", kind=Region.Kind.DISTRICT)
    sub = Region.objects.create(name="天平街道", kind=Region.Kind.SUBDISTRICT, parent=district)
    people = []
    for i in range(THREADS):
        user = User.objects.create(username=f"b{i}", display_name=f"居民{i}")
        Membership.objects.create(user=user, region=sub, role=Role.RESIDENT)
        people.append(user)

    def resource(name):
        r = Resource.objects.create(
            name=name,
            kind=Resource.Kind.PIANO_ROOM,
            region=sub,
            min_minutes=30,
            max_minutes=120,
            max_days_ahead=60,
            buffer_minutes=10,
            closed_on_holidays=False,
            slot_minutes=30,
        )
        OpeningHours.objects.bulk_create(
            OpeningHours(resource=r, weekday=d, opens=datetime.time(0, 0), closes=datetime.time(23, 59))
            for d in range(7)
        )
        return r

    return (
        people,
        resource("琴房（数据库约束）"),
        resource("琴房（仅应用检查）"),
        resource("琴房（空闲表）"),
        resource("琴房（单人）"),
    )


def slot_starts(count):
    from resources.selectors import aware

    day = datetime.date.today() + datetime.timedelta(days=1)
    starts = []
    while len(starts) < count:
        for hour in range(8, 20):
            # overlapping candidates: on the hour and at :30, one hour long, so neighbours clash too
            for minute in (0, 30):
                starts.append(aware(day, datetime.time(hour, minute)))
        day += datetime.timedelta(days=1)
    return starts[:count]


def rush(resource, people):
    from django.core.exceptions import ValidationError
    from django.db import connection

    from resources import services

    starts = slot_starts(SLOTS)
    barrier = threading.Barrier(len(people))
    latencies, wins, errors = [], [0], []
    lock = threading.Lock()

    def run(user):
        try:
            for start in starts:
                barrier.wait(timeout=30)
                t = time.perf_counter()
                try:
                    services.booking_create(
                        resource=resource, user=user, start=start, end=start + datetime.timedelta(hours=1), by=user
                    )
                    won = True
                except ValidationError:
                    won = False
                elapsed = time.perf_counter() - t
                with lock:
                    latencies.append(elapsed)
                    wins[0] += won
        except Exception as exc:  # report, the run goes on
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in people]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    return {
        "attempts": len(latencies),
        "wins": wins[0],
        "wall": wall,
        "latencies": latencies,
        "doubles": double_bookings(resource),
        "errors": errors,
    }


def double_bookings(resource) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM resources_booking a JOIN resources_booking b ON a.id < b.id "
            "AND a.resource_id = b.resource_id AND a.start < b.blocked_until AND b.start < a.blocked_until "
            "WHERE a.resource_id = %s AND a.status IN ('confirmed','checked_in') "
            "AND b.status IN ('confirmed','checked_in')",
            [resource.pk],
        )
        return cursor.fetchone()[0]


def grid_timing(resource, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from resources import services
    from resources.selectors import slot_grid

    for i, start in enumerate(slot_starts(SLOTS)[::3]):
        user = people[i % len(people)]
        services.booking_create(
            resource=resource, user=user, start=start, end=start + datetime.timedelta(hours=1), by=user
        )
    timer = common.Timer()
    for _ in range(30):
        timer.time(slot_grid, resource, days=7, user=people[1])
    fresh = type(resource).objects.get(pk=resource.pk)  # nothing cached: count every query a page pays
    with CaptureQueriesContext(connection) as ctx:
        slot_grid(fresh, days=7, user=people[1])
    return timer, len(ctx.captured_queries)


def lone_bookings(resource, user):
    """One person books 40 free slots one after another: the latency without contention."""
    from resources import services

    timer = common.Timer()
    for start in slot_starts(SLOTS * 3)[::3]:
        timer.time(
            services.booking_create,
            resource=resource,
            user=user,
            start=start,
            end=start + datetime.timedelta(hours=1),
            by=user,
        )
    return timer


def row(label, r):
    lat = sorted(r["latencies"])
    p50 = common.percentile(lat, 50) * 1000
    p95 = common.percentile(lat, 95) * 1000
    return (
        f"| {label} | {r['attempts']} | {r['wins']} | {r['attempts'] / r['wall']:.0f} | {p50:.1f} | {p95:.1f} "
        f"| **{r['doubles']}** |"
    )


def main():
    common.setup()
    from django.db import connection

    people, guarded, unguarded, busy, lone = build()
    lone_timer = lone_bookings(lone, people[0])
    guarded_run = rush(guarded, people)
    on_postgres = connection.vendor == "postgresql"
    if on_postgres:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE resources_booking DROP CONSTRAINT booking_no_overlap")
    baseline_run = rush(unguarded, people)
    grid, queries = grid_timing(busy, people)
    lines = [
        f"{THREADS} threads (own connections) race for each of {SLOTS} overlapping one-hour slots of one resource "
        "(10-minute buffer), all released together by a barrier.",
        "",
        "| run | attempts | won | attempts/s | p50 ms | p95 ms | double bookings |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        row(
            "Minhu: service check + exclusion constraint"
            if on_postgres
            else "Minhu: service check in BEGIN IMMEDIATE (SQLite)",
            guarded_run,
        ),
        row(
            "baseline: service check only (constraint dropped)"
            if on_postgres
            else "baseline: same (SQLite serialises writers anyway)",
            baseline_run,
        ),
        "",
        f"Free-slot grid, 7 days × 30-minute slots with {SLOTS // 3} bookings: p50 {grid.ms(50):.1f} ms, "
        f"p95 {grid.ms(95):.1f} ms, {queries} queries whatever the number of days. Latencies in the rush include "
        f"waiting for the other 15 threads on 2 cores; one person booking free slots one after another: p50 "
        f"{lone_timer.ms(50):.1f} ms, p95 {lone_timer.ms(95):.1f} ms per booking (checks, insert, audit entry and "
        "confirmation message).",
    ]
    if guarded_run["errors"] or baseline_run["errors"]:
        lines.append("")
        lines.append(f"Errors: {guarded_run['errors'][:3] + baseline_run['errors'][:3]}")
    common.report("booking", "\n".join(lines))
    return 0 if guarded_run["doubles"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
