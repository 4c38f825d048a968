"""The fault drill: Minhu in production shape on this machine, under load, through each fault the operators fear.

`make drill` (all faults, about ten minutes on two cores) or `make drill-smoke` (two faults, about two minutes)
starts its own PostgreSQL 15 primary and streaming replica, Redis (snapshots only), two gunicorn app servers
(MINHU_DEBUG=0) and two task workers (one with the periodic scheduler, one `--no-periodic`, as docs/operations.md
says), all on free local ports under var/drill/run/ (logs in var/drill/run/logs/). It loads them with residents'
and staff's requests (bench/drill_load.py) and injects one fault at a time; the instances are shared by the
faults, each fault's writes carry its tag and each row counts only its own (bench/drill_checks.py). The table goes
into docs/reliability.md with the date and the machine. Every process started is ended on exit, Ctrl-C included.

Run: .venv/bin/python bench/drill.py [--only baseline,pg-restart,...] [--no-write]
Exit status 0 when every row passes (0 lost, 0 doubled, 0 stuck, no 5xx where a 503 belongs, recovered, and what
the fault should show shown: docs/reliability.md, "What each row counts"), 1 otherwise.
"""

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


import drill_checks  # noqa: E402
import drill_cluster  # noqa: E402
from drill_app import IMPORT_ROWS, decrypt_or_none, django_setup, nightly_times, prepare, upload_import  # noqa: E402
from drill_cluster import ROOT, Cluster  # noqa: E402
from drill_load import Load, World  # noqa: E402

RUN_DIR = Path(os.environ.get("DRILL_RUN_DIR") or ROOT / "var" / "drill" / "run")
DOC = ROOT / "docs" / "reliability.md"
SMOKE = "pg-restart,redis-stop"
QUEUE = "huey.redis.drill"  # huey's queue in Redis for MINHU_HUEY_NAME=drill (a sorted set: PriorityRedisHuey)


# --- the health of both servers, polled all along -------------------------------------------------
class HealthPoller:
    def __init__(self, ports: dict):
        self.ports, self.samples, self.stop = ports, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.wait(0.5):
            statuses = {}
            for name, port in self.ports.items():
                try:
                    statuses[name] = drill_cluster.healthz(port, timeout=5)[0]
                except OSError:
                    statuses[name] = 0
            self.samples.append((time.time(), statuses))

    def note(self, start: float, end: float) -> str:
        window = [(t, s) for t, s in self.samples if start <= t <= end]
        down = [(t, s) for t, s in window if all(v != 200 for v in s.values())]
        if not down:
            return ""
        # time between a sample with both servers down and the next sample
        later = {t: nxt for (t, _), (nxt, _) in zip(window, window[1:] + [(end, None)], strict=True)}
        seconds = sum(later[t] - t for t, _ in down)
        codes = sorted({str(v or "no answer") for _, s in down for v in s.values()})
        return f"/healthz {' or '.join(codes)} on both servers for ~{seconds:.0f} s"


# --- one fault at a time ---------------------------------------------------------------------------
class Drill:
    def __init__(self, cluster: Cluster, world: World):
        self.cluster, self.world = cluster, world
        self.load = Load(world, ["a", "b"])
        self.health = HealthPoller({name: cluster.server_ports[name] for name in ("a", "b")})
        self.rows: list[drill_checks.Row] = []

    def log_offsets(self) -> dict:
        return {p.name: p.stat().st_size for p in self.cluster.logs.glob("*.log")}

    def logs_since(self, offsets: dict, prefix: str) -> dict:
        out = {}
        for path in self.cluster.logs.glob(f"{prefix}*.log"):
            with open(path, "rb") as f:
                f.seek(offsets.get(path.name, 0))
                out[path.stem] = f.read().decode(errors="replace")
        return out

    def phase(self, tag, label, inject=None, *, setup=None, teardown=None, pre=3.0, post=10.0, grace=8.0):
        """Load, fault, load, checks. ``inject`` returns the moment the fault ended (None: no fault to end)."""
        print(f"--- {label} ({time.strftime('%H:%M:%S')})", flush=True)
        offsets = self.log_offsets()
        started = time.time()
        notes, self.unmet = [], []
        if setup:
            notes += setup() or []
        self.load.start(tag)
        time.sleep(pre)
        fault_end = None
        if inject:
            fault_end, more = inject()
            notes += more
        time.sleep(post)
        self.load.stop()
        load_end = time.time()
        if teardown:
            notes += teardown() or []
        time.sleep(grace)  # deliveries and imports that are still running get their chance
        swept = drill_checks.wait_for_sweep(self.cluster, started)
        row = drill_checks.check(
            self.cluster,
            self.load,
            tag,
            started=started,
            fault_end=fault_end,
            load_end=load_end,
            decrypt=decrypt_or_none,
        )
        row.fault, row.unmet = label, self.unmet
        consumer_logs = self.logs_since(offsets, "consumer-")
        twice = drill_checks.tasks_run_twice(consumer_logs.values())
        if twice:
            row.notes.append(f"{twice} queued tasks executed twice")
        errors = sum(text.count("Unhandled exception in task") for text in consumer_logs.values())
        if errors:
            row.notes.append(f"{errors} task errors in the workers' logs")
        if swept:
            row.notes.append(swept)
        health = self.health.note(started, load_end)
        row.notes += [n for n in [health, *notes] if n]
        print("    " + " | ".join(row.cells()), flush=True)
        self.rows.append(row)
        return row

    # --- the faults ----------------------------------------------------------------------------
    def baseline(self):
        return self.phase("baseline", "none (baseline)")

    def pg_restart(self):
        def inject():
            t = time.time()
            self.cluster.primary.stop("fast")
            self.cluster.primary.start()
            return time.time(), [f"restart took {time.time() - t:.1f} s"]

        return self.phase("pg-restart", "PostgreSQL restart", inject)

    def pg_stop(self):
        def inject():
            self.cluster.primary.stop("fast")
            time.sleep(10)
            self.cluster.primary.start()
            return time.time(), []

        return self.phase("pg-stop", "PostgreSQL stopped 10 s", inject, post=12)

    def redis_stop(self):
        def inject():
            self.cluster.redis.stop()
            time.sleep(10)
            self.cluster.redis.start()
            return time.time(), []

        return self.phase("redis-stop", "Redis stopped 10 s", inject, post=12)

    def redis_crash(self):
        """Redis dies while the workers are behind: tasks that waited in the last snapshot come back after the
        restart although the workers have run them since, and tasks queued after the snapshot are gone."""
        cluster, redis = self.cluster, self.cluster.redis

        def inject():
            cluster.stop_consumer("a")
            cluster.stop_consumer("b")
            time.sleep(4)  # a backlog builds, as while the workers restart in a deploy
            before = redis.cli("LASTSAVE")
            redis.cli("BGSAVE")  # the save policy (60 s, 1 change) takes one within the minute; here at a known moment
            drill_cluster.wait_for(lambda: redis.cli("LASTSAVE") != before, 20, "snapshot")
            in_snapshot = redis.cli("ZCARD", QUEUE)
            cluster.start_consumer("a", periodic=True, wait=False)
            cluster.start_consumer("b", periodic=False, wait=False)
            cluster.start_consumer("a", periodic=None)
            cluster.start_consumer("b", periodic=None)
            time.sleep(4)
            waiting = redis.cli("ZCARD", QUEUE)
            redis.crash()
            redis.start()
            return time.time(), [
                f"crash with {waiting or 0} tasks waiting; the snapshot taken before the workers caught up held "
                f"{in_snapshot or 0}"
            ]

        return self.phase("redis-crash", "Redis crash (kill -9, restart from snapshot)", inject)

    def import_kill(self):
        cluster = self.cluster

        def inject():
            offsets = self.log_offsets()  # before the upload: a worker takes the job the moment it is committed
            job_id = upload_import(self.world, cluster.server_ports["a"])
            status = drill_cluster.wait_for(
                lambda: _job(cluster, job_id) if _job(cluster, job_id)[0] != "pending" else None,
                60,
                "import start",
                interval=0.05,
            )
            logs = self.logs_since(offsets, "consumer-")
            name = next((n.split("-", 1)[1] for n, t in logs.items() if "Executing people.tasks.run_import" in t), None)
            if name is None:
                return time.time(), ["no worker's log shows the import running: nobody killed"]
            periodic = name == "a"
            cluster.stop_consumer(name, kill=True)
            cluster.start_consumer(name, periodic=periodic)
            note = f"worker {name} killed while the import was '{status[0]}' at row {status[1]} of {IMPORT_ROWS}"
            self._import_job = job_id
            return time.time(), [note]

        def teardown():
            # The app's answer: after ImportJob.STALE_AFTER (90 s) without a heartbeat the job shows 中断, and the
            # one-minute import sweep runs it again once (people.imports.AUTO_RESUMES). Wait for that, as staff would.
            started = time.monotonic()
            with contextlib.suppress(RuntimeError):
                drill_cluster.wait_for(
                    lambda: _job(cluster, self._import_job)[0] in ("done", "failed"), 240, "the import", interval=2
                )
            status = _job(cluster, self._import_job)[0]
            return [f"import afterwards: '{status}', {time.monotonic() - started:.0f} s after the worker came back"]

        return self.phase("import-kill", "worker killed during a 4,000-row import", inject, teardown=teardown)

    def two_schedulers(self):
        cluster = self.cluster

        def wait_until(seconds_before_mark):
            while (left := _to_boundary()) > seconds_before_mark and left < 290:
                time.sleep(min(0.2, left - seconds_before_mark))

        def setup():
            wait_until(25)
            # messages that fail while the gateway is down: the five-minute retry job is due at the mark
            cluster.sms_fail.touch()
            return []

        def inject():
            wait_until(6)
            cluster.sms_fail.unlink()
            self._failed = cluster.primary.sql("SELECT count(*) FROM notify_message WHERE status = 'failed'")[0][0]
            cluster.stop_consumer("a")
            cluster.stop_consumer("b")
            wait_until(0)
            time.sleep(0.5)
            self._offsets = self.log_offsets()
            # the mistake: both workers started with the scheduler, as after a deploy that restarts them together
            cluster.start_consumer("a", periodic=True, wait=False)
            cluster.start_consumer("b", periodic=True, wait=False)
            cluster.start_consumer("a", periodic=None)
            cluster.start_consumer("b", periodic=None)
            return None, [f"{self._failed} messages failed while the SMS gateway was down for 20 s"]

        def teardown():
            # before either scheduler's second minute: every enqueue counted is one per scheduler
            logs = self.logs_since(self._offsets, "consumer-").values()
            beats = drill_checks.periodic_enqueues(logs, "org.tasks.heartbeat")
            retry = drill_checks.periodic_enqueues(logs, "notify.tasks.sweep_messages")
            cluster.stop_consumer("b")
            cluster.start_consumer("b", periodic=False)
            time.sleep(10)  # the retry jobs finish
            if beats > 1:
                self.unmet.append(f"a second scheduler ran unnoticed: the heartbeat was enqueued {beats}× in a minute")
            return [
                f"both workers started with the scheduler at a five-minute mark; the message retry enqueued {retry}×"
            ]

        return self.phase("two-schedulers", "two schedulers", inject, setup=setup, teardown=teardown, pre=0.5, post=15)

    def stand_in(self, name: str, **kwargs) -> list[str]:
        """Start ``name`` in b's place behind the load balancer (b stays up, unused, to come back at once)."""
        try:
            self.cluster.start_server(name, **kwargs)
        except SystemExit as exc:
            return [f"{name} did not start: {exc}"]
        self.load.servers = ["a", name]
        return []

    def back_to_b(self, name: str) -> None:
        self.cluster.stop_server(name)
        self.load.servers = ["a", "b"]

    def wrong_key(self):
        def setup():
            notes = self.stand_in("b-wrong-key", field_key="a-different-key-than-the-rest-of-the-deployment-0123")
            if "b-wrong-key" in self.load.servers:
                status = drill_cluster.healthz(self.cluster.server_ports["b-wrong-key"])[0]
                self.unmet.append(f"a server with the wrong MINHU_FIELD_KEY started and answered /healthz {status}")
            return notes

        return self.phase(
            "wrong-key",
            "wrong MINHU_FIELD_KEY on server b",
            setup=setup,
            teardown=lambda: self.back_to_b("b-wrong-key"),
        )

    def previous_release(self):
        cluster = self.cluster
        rev, why = drill_cluster.previous_rev()

        def setup():
            notes = self.stand_in("b-previous", code=cluster.previous_release(rev))
            return notes or [f"server b runs {why}, against the migrated database"]

        def teardown():
            self.back_to_b("b-previous")
            text = (cluster.logs / "server-b-previous.log").read_text(errors="replace")
            errors = re.findall(r"(null value in column \"\w+\"[^\n]*|column \"?[\w.]+\"? does not exist)", text)
            return [f"its errors: {', '.join(sorted(set(errors))[:3])}"] if errors else []

        return self.phase("previous-release", "previous release after migrate", setup=setup, teardown=teardown)

    def replica_lag(self):
        """Replay paused on the replica for longer than MINHU_REPLICA_MAX_LAG (10 s): the dashboard reads the
        replica and says how far behind it is, the primary once the replica is too far behind, the replica again
        once it has caught up."""
        primary, replica = self.cluster.primary, self.cluster.replica
        seen = set()
        window = {}

        def app_connections():
            rows = replica.sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid()",
                (drill_cluster.DB,),
            )
            seen.update(r[0] for r in rows)

        def inject():
            window["paused"] = time.time()
            replica.sql("SELECT pg_wal_replay_pause()")
            for _ in range(30):
                app_connections()
                time.sleep(0.5)
            lag = primary.sql("SELECT pg_current_wal_lsn()::text")[0][0]
            behind = replica.sql(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), "
                "extract(epoch FROM now() - pg_last_xact_replay_timestamp())",
                (lag,),
            )[0]
            replica.sql("SELECT pg_wal_replay_resume()")
            end = window["resumed"] = time.time()
            drill_cluster.wait_for(
                lambda: replica.sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lag,))[0][0],
                30,
                "replica catch-up",
            )
            return end, [
                f"replay paused 15 s: replica {behind[0] / 1024:.0f} kB and {behind[1] or 0:.0f} s behind",
                f"caught up {time.time() - end:.1f} s after resuming",
            ]

        def teardown():
            # Each dashboard answer's ref is "alias reason lag" (bench/drill_load.py), e.g. "replica replica 7.9".
            pages = [a.ref.split(" ") + [a.t0] for a in self.load.of("replica-lag") if a.kind == "dashboard" and a.ok]
            pages = [p for p in pages if len(p) == 4]
            during = [p for p in pages if window["paused"] <= p[3] <= window["resumed"]]
            after = [p for p in pages if p[3] > window["resumed"] + 1]
            reasons = {}
            for _alias, reason, _lag, _t in during:
                reasons[reason] = reasons.get(reason, 0) + 1
            lags = [float(lag) for alias, _r, lag, _t in during if alias == "replica" and lag]
            if not seen or not any(p[0] == "replica" for p in pages):
                self.unmet.append("the dashboard is served by the primary: no app connection reached the replica")
            back = sum(p[0] == "replica" for p in after)
            if after and not back:
                self.unmet.append("the dashboard did not return to the replica after it caught up")
            shown = f", shown up to {max(lags):.0f} s behind" if lags else ""
            counts = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "none"
            return [
                f"dashboard pages during the pause: {counts}"
                f" (replica: read from it{shown}; lagging: over 10 s behind, read from the primary; "
                "wrote-recently: a write of the leader's in the last 10 s keeps them on the primary)",
                f"after catching up: {back} of {len(after)} from the replica",
            ]

        # pre=12: the leader's login (a write) keeps the dashboard on the primary for its first 10 s; the pause starts
        # once the dashboard reads the replica.
        return self.phase("replica-lag", "replica lag (replay paused 15 s)", inject, teardown=teardown, pre=12, post=5)

    def nightly_clock(self):
        row = drill_checks.Row(fault="nightly jobs' clock", lost="—", doubled="—", stuck="—", bad_5xx="—", recovery="—")
        row.notes = nightly_times()
        if any("late" in n for n in row.notes):
            row.unmet = ["daily jobs run at their crontab's hour read in UTC"]
        print("--- nightly jobs' clock\n    " + " | ".join(row.cells()), flush=True)
        self.rows.append(row)


FAULTS = {
    "baseline": Drill.baseline,
    "pg-restart": Drill.pg_restart,
    "pg-stop": Drill.pg_stop,
    "redis-stop": Drill.redis_stop,
    "redis-crash": Drill.redis_crash,
    "import-kill": Drill.import_kill,
    "wrong-key": Drill.wrong_key,
    "previous-release": Drill.previous_release,
    "replica-lag": Drill.replica_lag,
    "two-schedulers": Drill.two_schedulers,
    "nightly-clock": Drill.nightly_clock,
}


def _to_boundary() -> float:
    """Seconds until the next five-minute mark (when */5 jobs are due)."""
    return 300 - time.time() % 300


def _job(cluster, job_id):
    return tuple(cluster.primary.sql("SELECT status, done FROM people_importjob WHERE id = %s", (job_id,))[0])


# --- the whole drill -------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help=f"comma-separated faults ({', '.join(FAULTS)}); smoke: {SMOKE}")
    parser.add_argument("--no-write", action="store_true", help="print the table, leave docs/reliability.md alone")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(FAULTS)
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")

    def stop(signum, frame):
        raise SystemExit(f"signal {signum}: stopping the drill")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)
    drill_cluster.wipe(RUN_DIR)
    RUN_DIR.mkdir(parents=True)
    cluster = Cluster(RUN_DIR)
    began, drill = time.time(), None
    try:
        print(f"drill: starting PostgreSQL, replica and Redis under {RUN_DIR}", flush=True)
        cluster.start_stores()
        print(f"drill: stores up after {time.time() - began:.0f} s; the app's world, servers and workers", flush=True)
        for name in ("a", "b"):  # they boot while this process makes the world
            cluster.start_server(name, wait=False)
        cluster.start_consumer("a", periodic=True, wait=False)
        cluster.start_consumer("b", periodic=False, wait=False)
        django_setup(cluster)
        world = prepare(cluster)
        for name in ("a", "b"):
            cluster.wait_server(name)
            cluster.start_consumer(name, periodic=None)
        print(f"drill: all up after {time.time() - began:.0f} s", flush=True)
        drill = Drill(cluster, world)
        # "two schedulers" needs a five-minute mark (the retry job's slot): it goes in as soon as one is less than
        # about a fault away, and the other faults fill the time until then
        schedulers = "two-schedulers" in names
        for i, name in enumerate(n for n in names if n != "two-schedulers"):
            if schedulers and i and 25 <= _to_boundary() <= 75:
                drill.two_schedulers()
                schedulers = False
            FAULTS[name](drill)
        if schedulers:
            drill.two_schedulers()
    finally:
        cluster.close()
        if drill is not None:
            drill.health.stop.set()
    import drill_report

    took = time.time() - began
    text = drill_report.table(drill.rows, cluster, took=took, names=names)
    print(text)
    (RUN_DIR / "result.json").write_text(
        json.dumps([r.__dict__ | {"clean": r.clean} for r in drill.rows], default=str, ensure_ascii=False, indent=1)
    )
    if not args.no_write:
        drill_report.write(DOC, text)
    return 0 if all(r.clean for r in drill.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
