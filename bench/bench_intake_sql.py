"""The intake's hand-written SQL against the ORM (section "intake-sql"): is cases/sql.py worth keeping?

In one process on BENCH_DATABASE_URL (PostgreSQL), the same intakes are made with the fast path of cases/sql.py
and with the plain ORM that every other database takes (``cases.sql.fast`` switched off), interleaved so that
both see the same load on the machine:
- a case made inside a REST request (``POST /api/cases/``, token auth, Idempotency-Key): what a desk client waits
  on; wall time per request and statements per request;
- the Open311 intake worker making a batch of 100 cases (``take_pending``): what a bulk partner's requests wait on
  until their cases exist.
The rule (docs/architecture.md): hand-written SQL stays only where it buys at least 1.5× on such a path.

Run: BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake_sql .venv/bin/python bench/bench_intake_sql.py
(BENCH_INTAKE_SQL_REQUESTS, default 200 per path, BENCH_INTAKE_SQL_BATCHES, default 6; a few minutes).
"""

import json
import os
import secrets
import statistics
import time

import common

REQUESTS = int(os.environ.get("BENCH_INTAKE_SQL_REQUESTS", "200"))
BATCHES = int(os.environ.get("BENCH_INTAKE_SQL_BATCHES", "6"))


def main():
    # as the app servers of bench_intake.py: delivery tasks are enqueued (on REDIS_URL) and left, not run here
    os.environ["MINHU_HUEY_NAME"] = "bench_intake_sql"
    os.environ["MINHU_TASKS_IMMEDIATE"] = "0"
    common.setup()
    import bench_intake
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from huey.contrib.djhuey import HUEY

    from cases import open311_services, sql

    settings.DEBUG = False
    world, key, token, bulk_key = bench_intake.prepare()
    real_fast = sql.fast
    paths = {"fast path (cases/sql.py)": real_fast, "ORM (bulk_create)": lambda: False}
    client = Client()
    region = world.penglai_grid.pk

    def rest(tag):
        body = {"title": "路灯不亮", "description": f"蓬莱路 {tag} 号门口路灯不亮", "region": region,
                "category": "repair", "reporter_phone": "13900000001"}  # fmt: skip
        return client.post(
            "/api/cases/", json.dumps(body), content_type="application/json",
            headers={"Authorization": f"Token {token}", "Idempotency-Key": tag},
        )  # fmt: skip

    times = {name: [] for name in paths}
    statements = {}
    for name, fast in paths.items():  # warm up both, and count the statements of one request
        sql.fast = fast
        for i in range(20):
            assert rest(f"warm-{name}-{i}").status_code == 201
        with CaptureQueriesContext(connection) as q:
            assert rest(f"count-{name}").status_code == 201
        statements[name] = len(q)
    for i in range(REQUESTS):
        for name, fast in list(paths.items())[:: 1 if i % 2 == 0 else -1]:
            sql.fast = fast
            started = time.perf_counter()
            response = rest(f"r{i}-{name}-{secrets.token_hex(3)}")
            times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 201, response.content
            reset_queries()

    bulk = bench_intake.kinds(key, token, region, bulk_key)[3]
    batch_times = {name: [] for name in paths}
    for _round in range(BATCHES):
        order = list(paths.items()) if _round % 2 == 0 else list(paths.items())[::-1]  # neither always goes first
        for name, fast in order:
            sql.fast = real_fast
            for i in range(100):
                body, headers = bulk.make(f"batch-{name}-{_round}-{i}-{secrets.token_hex(3)}")
                ctype = headers.pop("Content-Type")
                client.generic("POST", bulk.path, body, content_type=ctype, headers=headers)
            sql.fast = fast
            started = time.perf_counter()
            assert open311_services.take_pending(limit=100) == 100
            batch_times[name].append((time.perf_counter() - started) * 1000)
    sql.fast = real_fast
    HUEY.flush()  # the deliveries and suggestions left queued

    def q(values, p):
        return statistics.quantiles(values, n=100)[p - 1]

    lines = [
        f"The same intakes with the fast path of `cases/sql.py` and with the plain ORM, interleaved, in one process "
        f"(Django test client, no HTTP server); {REQUESTS} REST requests per path, {BATCHES} worker batches of 100.",
        "",
        "| path | REST p50 ms | REST p90 ms | REST mean ms | statements per REST intake "
        "| worker batch of 100 (median ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in paths:
        t = times[name]
        lines.append(
            f"| {name} | {statistics.median(t):.1f} | {q(t, 90):.1f} | {statistics.mean(t):.1f} | "
            f"{statements[name]} | {statistics.median(batch_times[name]):.0f} |"
        )
    fast_name, orm_name = list(paths)
    ratio = statistics.median(times[orm_name]) / statistics.median(times[fast_name])
    batch_ratio = statistics.median(batch_times[orm_name]) / statistics.median(batch_times[fast_name])
    lines += [
        "",
        f"The ORM takes {ratio:.2f}× the fast path's time per REST intake (median) and {batch_ratio:.2f}× per worker "
        f"batch. Rule: keep the hand-written SQL only at ≥ 1.5× on a path people wait on.",
        "",
        "Rerun: `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake_sql "
        f".venv/bin/python bench/bench_intake_sql.py`. 1-minute load average at the end: {os.getloadavg()[0]:.1f}.",
    ]
    common.report("intake-sql", "\n".join(lines))


if __name__ == "__main__":
    main()
