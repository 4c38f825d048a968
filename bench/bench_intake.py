"""Intake over the API (section "intake"): cases per second and latency of creating a case through
Open311 (`POST /open311/v2/requests.json`, partner api_key) and through the REST API
(`POST /api/cases/`, token auth), both with an `Idempotency-Key` header, against a real gunicorn on
127.0.0.1 backed by BENCH_DATABASE_URL (PostgreSQL), side by side in the same run with the floor: a
bare Django view behind the same middleware that inserts one row.

Every intake is the whole production path: the case row, its number, the timeline, the audit log,
the routing rule that dispatches it at once to 蓬莱路居委会 (a second timeline entry and audit row),
the SMS to the reporter and the message to the unit written to the outbox.

Three ways in:
- Open311, case made in the request (a partner without ``answer_with_token``);
- Open311 for a bulk-transfer partner (``answer_with_token``, e.g. the 12345 hotline): the POST
  answers with a token and the real task worker (`manage.py run_huey`, started here as in
  production, with message delivery and category suggestions running too) makes the cases in
  batches. Its figures are the POST's latency AND the cases made per second end to end, from the
  first request sent to the last case written, with each request's wait until its case existed;
- REST, case made in the request (staff apps).
For the two made-in-request ways, delivery tasks are enqueued on Redis and left (no worker runs).

Two loads, each client on its own keep-alive connection:
- paced: CLIENTS clients together offering RATE requests per second for SECONDS seconds, each request
  sent at its scheduled moment; latency counts from that moment, so a server falling behind shows in
  the figures instead of slowing the clients down (no coordinated omission);
- saturation: the same clients with no pause at all (the ceiling of this machine).
Afterwards: every 201 answer is one case, and replaying 50 requests of each way with their keys
creates none.

Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake .venv/bin/python bench/bench_intake.py
(BENCH_INTAKE_WORKERS, BENCH_INTAKE_THREADS, BENCH_INTAKE_RATE, BENCH_INTAKE_SECONDS change the set-up;
REDIS_URL defaults to redis://127.0.0.1:6379/14).
"""

import http.client
import json
import os
import random
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

WORKERS = int(os.environ.get("BENCH_INTAKE_WORKERS", "4"))  # docs/operations.md: gunicorn --workers 4
THREADS = int(os.environ.get("BENCH_INTAKE_THREADS", "1"))  # one request at a time per process, as sync workers
RATE = int(os.environ.get("BENCH_INTAKE_RATE", "200"))
SECONDS = int(os.environ.get("BENCH_INTAKE_SECONDS", "10"))  # 2000 requests of each kind
CLIENTS = 20
SATURATION_PER_CLIENT = 20
TARGET_RATE = 200
TARGET_P99_MS = 100
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
ANSWERS: dict[str, int] = {}  # status of each request by its idempotency key

# --- client side ---------------------------------------------------------------------------------


class Client:
    """One keep-alive connection; ``post`` returns (status, body, seconds since ``since``)."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)  # a backlog drains slowly

    def post(self, path, body: bytes, headers: dict, since: float):
        for attempt in range(2):
            try:
                self.conn.request("POST", path, body=body, headers=headers)
                response = self.conn.getresponse()
                break
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                # the server closed an idle keep-alive connection before reading the request
                self.conn.close()
                if attempt:
                    raise
        data = response.read()
        return response.status, data, time.perf_counter() - since


class Kind:
    """How to send one intake of a kind (floor, open311, api)."""

    def __init__(self, name, path, make, expect=(201,)):
        self.name, self.path, self.make, self.expect = name, path, make, expect


def kinds(key, token, region_id, bulk_key):
    def open311(tag, key=key):
        # a point somewhere in the neighbourhood (each request its own): the nearest known address gives the grid
        spot = random.Random(tag)
        body = urllib.parse.urlencode(
            {
                "api_key": key,
                "service_code": "repair",
                "lat": f"{31.218 + spot.uniform(-0.002, 0.002):.6f}",
                "long": f"{121.489 + spot.uniform(-0.002, 0.002):.6f}",
                "address_string": "蓬莱路100弄3号门口",
                "description": f"路灯不亮，晚上老人下楼看不清（{tag}）",
                "first_name": "张三",
                "phone": "13900000001",
            }
        ).encode()
        return body, {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": tag}

    def api(tag):
        body = json.dumps(
            {
                "title": "路灯不亮",
                "description": f"路灯不亮，晚上老人下楼看不清（{tag}）",
                "region": region_id,
                "category": "repair",
                "reporter_name": "张三",
                "reporter_phone": "13900000002",
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Content-Type": "application/json", "Authorization": f"Token {token}", "Idempotency-Key": tag}
        return body, headers

    def floor(tag):
        return b"", {"Content-Type": "application/json"}

    def bulk(tag):
        return open311(tag, key=bulk_key)

    return [
        Kind("floor", "/bench/floor/", floor),
        Kind("open311", "/open311/v2/requests.json", open311),
        Kind("api", "/api/cases/", api),
        Kind("bulk", "/open311/v2/requests.json", bulk),
    ]


def run(port, kind, *, rate, seconds, per_client=None, run_id=""):
    """Paced (rate, seconds) or saturating (per_client) load of one kind; returns (timer, elapsed, statuses)."""
    import common

    timer, statuses, lock = common.Timer(), [], threading.Lock()
    barrier = threading.Barrier(CLIENTS + 1)
    errors = []
    count = per_client if per_client else rate * seconds // CLIENTS
    interval = CLIENTS / rate if rate else 0

    def client(i):
        try:
            c = Client(port)
            barrier.wait()
            t0 = time.perf_counter() + (i * interval / CLIENTS if interval else 0)
            for k in range(count):
                scheduled = t0 + k * interval
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                since = scheduled if interval else time.perf_counter()
                tag = f"{kind.name}-{run_id}-{i}-{k}"
                body, headers = kind.make(tag)
                status, data, secs = c.post(kind.path, body, headers, since)
                with lock:
                    timer.samples.append(secs)
                    statuses.append(status)
                    ANSWERS[tag] = status
                if status < 500 and status not in kind.expect:
                    raise AssertionError(f"{kind.name}: {status} {data[:300]!r}")
                # a 5xx (e.g. a deadlock the database broke) is counted and reported, not hidden
        except Exception as exc:  # reported after the run
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return timer, elapsed, statuses


def prepare():
    from django.db import connection
    from rest_framework.authtoken.models import Token

    from cases import open311_services
    from cases.models import Category, Open311Client, RoutingRule
    from org.testing import build_world
    from people.models import Address

    world = build_world()
    spot = random.Random(1)
    Address.objects.bulk_create(
        Address(
            region=world.penglai_grid,
            road="蓬莱路",
            lane=str(100 + i // 10),
            number=str(i % 10 + 1),
            latitude=f"{31.218 + spot.uniform(-0.003, 0.003):.6f}",
            longitude=f"{121.489 + spot.uniform(-0.003, 0.003):.6f}",
        )
        for i in range(300)
    )
    repair = Category.objects.get(code="repair")
    RoutingRule.objects.create(category=repair, region=world.penglai, main_unit=world.penglai_committee)
    partner = Open311Client(name="压测对接系统", region=world.penglai_grid)
    key = open311_services.client_issue_key(client=partner, by=None)
    hotline = Open311Client(name="压测12345热线转派", region=world.penglai_grid, answer_with_token=True)
    bulk_key = open311_services.client_issue_key(client=hotline, by=None)
    token = Token.objects.create(user=world.users["staff"]).key
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute("CREATE TABLE bench_floor (id serial PRIMARY KEY, at timestamptz NOT NULL)")
    return world, key, token, bulk_key


def queries_per_intake(world, key, token, bulk_key) -> dict:
    """Round trips of one intake of each kind, counted in-process on the same database."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    out = {}
    c = DjangoClient()
    for kind in kinds(key, token, world.penglai_grid.pk, bulk_key)[1:]:
        body, headers = kind.make(f"count-{kind.name}-{secrets.token_hex(4)}")
        ctype = headers.pop("Content-Type")
        with CaptureQueriesContext(connection) as q:
            response = c.generic("POST", kind.path, body, content_type=ctype, headers=headers)
        assert response.status_code == 201, response.content
        out[kind.name] = len(q)
    from cases import open311_services
    from cases.models import Open311Request

    open311_services.take_pending()  # the one counted above
    bulk = kinds(key, token, world.penglai_grid.pk, bulk_key)[3]
    for i in range(100):
        body, headers = bulk.make(f"count-batch-{i}-{secrets.token_hex(4)}")
        ctype = headers.pop("Content-Type")
        c.generic("POST", bulk.path, body, content_type=ctype, headers=headers)
    with CaptureQueriesContext(connection) as q:
        assert open311_services.take_pending(limit=100) == 100
    out["batch"] = len(q)
    assert not Open311Request.objects.filter(case__isnull=True).exists()
    return out


def start_worker(env: dict) -> subprocess.Popen:
    """The real task worker, started as in production (bin/run-demo)."""
    cmd = [sys.executable, "manage.py", "run_huey", "--workers", "2", "--worker-type", "thread"]
    return subprocess.Popen(cmd, env=env, cwd=str(ROOT))


def wait_for_cases(timeout=300.0) -> None:
    """Until no bulk-partner request waits for its case."""
    from cases.models import Open311Request

    deadline = time.monotonic() + timeout
    while Open311Request.objects.filter(case__isnull=True, error="").exists():
        if time.monotonic() > deadline:
            raise SystemExit("the intake worker did not make every case in time")
        time.sleep(0.05)


def made(run_id: str, started_wall: float) -> dict:
    """End to end for the bulk partner's requests of one load: cases per second from the first
    request sent to the last case written, and each request's wait from receipt to its case."""
    from audit.models import AuditEntry
    from cases.models import Open311Request

    rows = list(
        Open311Request.objects.filter(idempotency_key__contains=f":bulk-{run_id}-").values_list("case_id", "created_at")
    )
    at = dict(
        AuditEntry.objects.filter(
            action="cases.case.open311_create", object_id__in=[str(c) for c, _ in rows]
        ).values_list("object_id", "at")
    )
    waits = sorted((at[str(case_id)] - received).total_seconds() for case_id, received in rows)
    last = max(at[str(case_id)] for case_id, _ in rows).timestamp()
    import common

    return {
        "n": len(rows),
        "rate": len(rows) / (last - started_wall),
        "p50": common.percentile(waits, 50) * 1000,
        "p99": common.percentile(waits, 99) * 1000,
        "max": waits[-1] * 1000,
    }


def drained(run_ids) -> dict:
    """The worker alone: cases per second from its first case to its last over the waiting requests."""
    from django.db.models import Q

    from audit.models import AuditEntry
    from cases.models import Open311Request

    wanted = Q()
    for run_id in run_ids:
        wanted |= Q(idempotency_key__contains=f":bulk-{run_id}-")
    ids = [str(c) for c in Open311Request.objects.filter(wanted).values_list("case_id", flat=True)]
    times = sorted(
        AuditEntry.objects.filter(action="cases.case.open311_create", object_id__in=ids).values_list("at", flat=True)
    )
    return {"n": len(ids), "rate": len(ids) / (times[-1] - times[0]).total_seconds()}


def main():
    sys.path.insert(0, str(HERE))
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["MINHU_HUEY_NAME"] = "bench_intake"
    os.environ["MINHU_TASKS_IMMEDIATE"] = "0"
    # one key for both processes, so phones encrypted by the server decrypt here too
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    import common

    common.setup()
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    world, key, token, bulk_key = prepare()
    connection.close()

    port = common.free_port()
    env = {
        **os.environ,
        "MINHU_DEBUG": "0",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "MINHU_LOG_LEVEL": "WARNING",
        # one account and one partner key send every request: the API's per-account limits (lib.ratelimit) are
        # lifted for the measurement, as a deployment raises them for a hotline platform's integration
        "MINHU_API_USER_RATE": "1000000/min",
        "MINHU_API_PARTNER_RATE": "1000000/min",
        "MINHU_API_ANON_RATE": "1000000/min",
    }
    server = common.start_gunicorn("floor_app:application", port, env, workers=WORKERS, threads=THREADS)
    results, ends = {}, {}
    try:
        floor, open311, api, bulk = kinds(key, token, world.penglai_grid.pk, bulk_key)
        # warm up every worker: imports, connections, first queries (not measured)
        for kind in (floor, open311, api):
            results[("warm", kind.name)] = run(port, kind, rate=0, seconds=0, per_client=3, run_id="warm")
        for kind in (floor, open311, api):
            results[("saturation", kind.name)] = run(
                port, kind, rate=0, seconds=0, per_client=SATURATION_PER_CLIENT, run_id="sat"
            )
        for kind in (floor, open311, api):
            results[("paced", kind.name)] = run(port, kind, rate=RATE, seconds=SECONDS, run_id="paced")
        # The bulk partner, with the worker running (the delivery tasks left by the runs above are
        # dropped first, so the worker does only what the bulk partner's intake asks of it).
        HUEY.flush()
        worker = start_worker(env)
        try:
            results[("warm", "bulk")] = run(port, bulk, rate=0, seconds=0, per_client=3, run_id="warm")
            wait_for_cases()
            for load, kw in (
                ("saturation", {"rate": 0, "seconds": 0, "per_client": SATURATION_PER_CLIENT}),
                ("paced", {"rate": RATE, "seconds": SECONDS}),
            ):
                time.sleep(2)  # the worker's tail of the previous load (deliveries, suggestions) done
                started_wall = time.time()
                results[(load, "bulk")] = run(port, bulk, run_id=load[:3], **kw)
                wait_for_cases()
                ends[load] = made(load[:3], started_wall)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        # The two halves apart, as when app servers and workers run on machines of their own
        # (docs/operations.md): the POSTs with no worker running, then the worker alone on what they left.
        for load, kw in (
            ("saturation", {"rate": 0, "seconds": 0, "per_client": SATURATION_PER_CLIENT}),
            ("paced", {"rate": RATE, "seconds": SECONDS}),
        ):
            time.sleep(1)
            results[(load, "accept")] = run(port, bulk, run_id="a" + load[:2], **kw)
        HUEY.flush()  # the task the POSTs enqueued: the worker starts on the waiting requests themselves
        worker = start_worker(env)
        try:
            wait_for_cases()
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        ends["drain"] = drained(("asa", "apa"))
        # replays with the same keys create nothing new
        for kind in (open311, api, bulk):
            replay = Kind(kind.name, kind.path, kind.make, expect=(200,))
            c = Client(port)
            done = [tag for tag, status in ANSWERS.items() if tag.startswith(f"{kind.name}-pac") and status == 201]
            for tag in done[:50]:
                body, headers = replay.make(tag)
                status, data, _ = c.post(replay.path, body, headers, time.perf_counter())
                assert status == 200, (kind.name, status, data[:200])
    finally:
        server.terminate()
        server.wait(timeout=30)

    from cases.models import Case, Open311Request

    loads = [(load, name) for load in ("warm", "paced", "saturation") for name in ("open311", "api", "bulk")]
    loads += [("paced", "accept"), ("saturation", "accept")]
    expected = sum(1 for pair in loads for status in results[pair][2] if status == 201)
    assert Case.objects.count() == expected, (Case.objects.count(), expected)
    assert not Case.objects.filter(number__isnull=True).exists()
    assert Case.objects.filter(status="dispatched").count() == expected, "every case dispatched by the rule"
    assert not Open311Request.objects.filter(case__isnull=True).exists()
    counts = queries_per_intake(world, key, token, bulk_key)
    HUEY.flush()

    def rate_of(load, name):
        timer, elapsed, statuses = results[(load, name)]
        return sum(1 for status in statuses if status < 500) / elapsed

    def failed(load, name):
        return sum(1 for status in results[(load, name)][2] if status >= 500)

    def line(label, load, name):
        timer, elapsed, _ = results[(load, name)]
        n = len(timer.samples)
        return (
            f"| {label} | {n} | {failed(load, name)} | {timer.ms(50):.1f} | {timer.ms(95):.1f} | {timer.ms(99):.1f} "
            f"| {max(timer.samples) * 1000:.1f} | {(n - failed(load, name)) / elapsed:.0f} |"
        )

    def end_line(label, load):
        e = ends[load]
        return f"| {label} | {e['n']} | {e['rate']:.0f} | {e['p50']:.0f} | {e['p99']:.0f} | {e['max']:.0f} |"

    head = (
        "| request | count | 5xx | p50 | p95 | p99 | max | answered per s |\n"
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    names = ("open311", "api", "bulk")
    paced_ok = {
        name: results[("paced", name)][0].ms(99) < TARGET_P99_MS
        and rate_of("paced", name) >= TARGET_RATE * 0.98
        and not failed("paced", name)
        for name in names
    }
    # cases per second: for the bulk partner, cases made end to end, not answers
    sat_rate = {name: rate_of("saturation", name) for name in ("open311", "api")}
    sat_rate["bulk"] = min(rate_of("saturation", "bulk"), ends["saturation"]["rate"])
    sat_ok = {name: sat_rate[name] >= TARGET_RATE for name in names}
    paced_ok["bulk"] = paced_ok["bulk"] and ends["paced"]["rate"] >= TARGET_RATE * 0.9
    errors_5xx = sum(failed(*pair) for pair in loads if pair[0] != "warm")

    apart = (
        "met"
        if results[("paced", "accept")][0].ms(99) < TARGET_P99_MS
        and rate_of("paced", "accept") >= TARGET_RATE * 0.98
        and rate_of("saturation", "accept") >= TARGET_RATE
        and ends["drain"]["rate"] >= TARGET_RATE
        else "NOT met"
    )

    def verdict(name):
        return "met" if paced_ok[name] and sat_ok[name] else "NOT met"

    def p99(name):
        return results[("paced", name)][0].ms(99)

    def ratio(load, name, q):
        return results[(load, name)][0].ms(q) / results[(load, "floor")][0].ms(q)

    body = f"""
Creating cases over the API against gunicorn ({WORKERS} workers × {THREADS} threads, gthread) on 127.0.0.1 and
PostgreSQL, {CLIENTS} concurrent clients each on its own keep-alive connection, every request with its own
`Idempotency-Key`. An intake is the whole production path: the case, its number, the timeline, the audit log, the
routing rule dispatching it at once (second timeline entry and audit row), the SMS to the reporter and the message to
the unit in the outbox. Three ways in: Open311 with the case made in the request; Open311 for a bulk-transfer
partner (`answer_with_token`, e.g. the 12345 hotline: the POST answers with a token, the task worker
`manage.py run_huey --workers 2` makes the cases in batches of up to 100, delivering the messages and storing the
category suggestions as well); REST with the case made in the request. The floor is a bare Django view behind the
same middleware that inserts one row, measured the same way in the same run. Latency in milliseconds at the client.

**Paced** — the {CLIENTS} clients together offer {RATE} requests/s for {SECONDS} s; latency counts from each
request's scheduled moment, so queueing behind a slow server is included:

{head}
{line("Open311, bulk partner (token; case by the worker)", "paced", "bulk")}
{line("Open311, case made in the request", "paced", "open311")}
{line("REST `POST /api/cases/`", "paced", "api")}
{line("floor: bare view inserting one row", "paced", "floor")}

**Saturation** — the same clients with no pause ({SATURATION_PER_CLIENT} requests each, always {CLIENTS} in flight):

{head}
{line("Open311, bulk partner (token; case by the worker)", "saturation", "bulk")}
{line("Open311, case made in the request", "saturation", "open311")}
{line("REST `POST /api/cases/`", "saturation", "api")}
{line("floor: bare view inserting one row", "saturation", "floor")}

**Bulk partner, the two halves apart** — the same POSTs with no worker running (what the app servers take when the
worker runs elsewhere), then the worker alone making the {ends["drain"]["n"]} requests they left into cases:

{head}
{line("bulk-partner POST, paced, no worker", "paced", "accept")}
{line("bulk-partner POST, saturation, no worker", "saturation", "accept")}

The worker alone: {ends["drain"]["n"]} cases in batches of up to 100 at **{ends["drain"]["rate"]:.0f} cases/s**.

**Bulk partner end to end** — cases made per second from the first request sent to the last case written, and each
request's wait from its receipt until its case existed (ms):

| load | cases | cases made per s | wait p50 | wait p99 | wait max |
| --- | ---: | ---: | ---: | ---: | ---: |
{end_line("paced", "paced")}
{end_line("saturation", "saturation")}

Target ≥ {TARGET_RATE} cases/s with p99 < {TARGET_P99_MS} ms on this machine, everything on it at once: bulk partner
**{verdict("bulk")}** (paced p99
{p99("bulk"):.1f} ms, {ends["paced"]["rate"]:.0f} cases/s made end to end; ceiling {sat_rate["bulk"]:.0f} cases/s);
Open311 with the case made in the request **{verdict("open311")}** (p99 {p99("open311"):.1f} ms, ceiling
{sat_rate["open311"]:.0f}/s); REST **{verdict("api")}** (p99 {p99("api"):.1f} ms, ceiling {sat_rate["api"]:.0f}/s).
With the halves apart (app servers and worker each with the machine to themselves), the same target is
**{apart}**: POST p99 {results[("paced", "accept")][0].ms(99):.1f} ms at {RATE}/s offered, POST ceiling
{rate_of("saturation", "accept"):.0f}/s, worker {ends["drain"]["rate"]:.0f} cases/s.

Ratio to the floor: at saturation the floor inserts {rate_of("saturation", "floor"):.0f} rows/s; the bulk partner's
cases are made at {sat_rate["bulk"] / rate_of("saturation", "floor"):.2f}× that, Open311 made in the request at
{sat_rate["open311"] / rate_of("saturation", "floor"):.2f}× and REST at
{sat_rate["api"] / rate_of("saturation", "floor"):.2f}×;
paced p99 is {ratio("paced", "bulk", 99):.1f}× / {ratio("paced", "open311", 99):.1f}× / {ratio("paced", "api", 99):.1f}×
the floor's. Database statements per request (counted in-process): bulk-partner POST {counts["bulk"]}, Open311 made in
the request {counts["open311"]}, REST {counts["api"]}, floor 1; the worker makes a batch of 100 in {counts["batch"]}.

{errors_5xx} requests answered 5xx in all.
Checked afterwards: {expected} cases for {expected} `201` answers, each numbered and dispatched, no bulk request left
without its case; replaying 50 requests of each way with their keys answered `200` with the first case (or token)
and created none.

Rerun: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake .venv/bin/python bench/bench_intake.py`
(needs Redis at `REDIS_URL`, default `redis://127.0.0.1:6379/14`; `BENCH_INTAKE_WORKERS`, `BENCH_INTAKE_THREADS`,
`BENCH_INTAKE_RATE`, `BENCH_INTAKE_SECONDS` change the set-up). 1-minute load average at the end of the run:
{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.
"""
    common.report("intake", body)
    return 0 if all(paced_ok.values()) and all(sat_ok.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
