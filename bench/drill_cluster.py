"""The processes of the fault drill (bench/drill.py): a PostgreSQL primary and streaming replica, Redis, two gunicorn
app servers and two task workers, all on free local ports under one run directory, each with its own log.

Everything started here is registered, and ``Cluster.close`` ends it all (process groups, then the PostgreSQL
clusters with ``pg_ctl stop -m immediate``), so a drill that fails or is interrupted leaves nothing running.
PostgreSQL refuses to run as root: when the drill runs as root, PostgreSQL's commands run as the ``postgres`` user
(``runuser``) on directories owned by it.
"""

import hashlib
import http.client
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))
VENV = ROOT / ".venv" / "bin"
DB = "minhu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(interval)


def healthz(port: int, timeout=3.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Postgres:
    """One PostgreSQL 15 cluster (data directory) on its own port and socket directory."""

    def __init__(self, name: str, run_dir: Path):
        self.name, self.port = name, free_port()
        self.data = run_dir / name
        self.sockets = run_dir / "sockets"
        self.log = run_dir / "logs" / f"{name}.log"

    def _as_pg(self, *cmd) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *map(str, cmd)]
        return [str(c) for c in cmd]

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, *cmd, timeout=120) -> None:
        subprocess.run(self._as_pg(*cmd), check=True, timeout=timeout, stdout=subprocess.DEVNULL)

    def _prepare_dirs(self) -> None:
        for path in (self.data, self.sockets, self.log.parent):
            path.mkdir(parents=True, exist_ok=True)
            self._chown(path)
        self.data.chmod(0o700)
        self.log.touch()
        self._chown(self.log)

    def _settings(self) -> str:
        return (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.sockets}'\n"
            "max_connections = 60\nshared_buffers = 64MB\nwal_level = replica\nhot_standby = on\n"
            "log_min_messages = warning\n"
        )

    def initdb(self) -> None:
        self._prepare_dirs()
        self._run(PG_BIN / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(self._settings())

    def basebackup_from(self, primary: "Postgres") -> None:
        """A streaming replica of ``primary`` (``pg_basebackup -R`` writes standby.signal and the connection)."""
        self._prepare_dirs()
        self._run(
            PG_BIN / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            primary.port,
            "-U",
            "postgres",
            "-D",
            self.data,
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
            "--no-sync",
        )
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(self._settings())

    def save(self, tar: Path) -> None:
        """The stopped cluster's data directory into ``tar`` (the migrated-database cache)."""
        tar.parent.mkdir(parents=True, exist_ok=True)
        for old in tar.parent.glob("pg-*.tar"):
            old.unlink()
        partial = tar.with_suffix(".partial")
        subprocess.run(["tar", "-cf", str(partial), "-C", str(self.data), "."], check=True)
        partial.rename(tar)

    def restore(self, tar: Path) -> None:
        self._prepare_dirs()
        subprocess.run(["tar", "-xf", str(tar), "-C", str(self.data)], check=True)
        with open(self.data / "postgresql.auto.conf", "a") as conf:
            conf.write(self._settings())  # this run's port and socket directory (the last setting wins)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres:", str(self.data)], check=True)

    def start(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start")

    def stop(self, mode="fast") -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        result = subprocess.run(self._as_pg(PG_BIN / "pg_ctl", "-D", self.data, "status"), capture_output=True)
        return result.returncode == 0

    def kill(self) -> None:
        """For cleanup: stop at once, and if pg_ctl cannot, kill the postmaster."""
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self.stop("immediate")
        except Exception:
            try:
                pid = int((self.data / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass

    def url(self, db=DB) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, query: str, params=(), db=DB, timeout=5):
        with psycopg.connect(self.url(db), autocommit=True, connect_timeout=timeout) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None


class Redis:
    """Redis with RDB snapshots only (``save 60 1``, no AOF): a crash restarts from the last snapshot."""

    def __init__(self, run_dir: Path, registry: "Cluster"):
        self.port, self.registry = free_port(), registry
        self.dir = run_dir / "redis"
        self.log = run_dir / "logs" / "redis.log"
        self.proc = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        cmd = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--dbfilename",
            "dump.rdb",
            "--daemonize",
            "no",
            "--logfile",
            str(self.log),
            "--protected-mode",
            "yes",
        ]
        self.proc = self.registry.spawn(cmd, "redis")
        wait_for(lambda: self.cli("PING") == "PONG", 20, "redis")

    def cli(self, *args) -> str:
        out = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True, timeout=10)
        return out.stdout.strip()

    def stop(self) -> None:
        """A clean stop: SHUTDOWN writes the snapshot first (the save policy is on)."""
        self.cli("SHUTDOWN")
        self.proc.wait(timeout=30)

    def crash(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)


class Cluster:
    """Everything one drill runs; ``close`` ends it all."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.logs = run_dir / "logs"
        self.procs: list[subprocess.Popen] = []
        self.postgres: list[Postgres] = []
        self.worktrees: list[Path] = []
        self.secret_key = secrets.token_urlsafe(50)
        self.field_key = secrets.token_urlsafe(40)
        self.primary = self.replica = self.redis = None
        self.servers: dict[str, subprocess.Popen] = {}
        self.server_ports = {"a": free_port(), "b": free_port()}
        self.consumers: dict[str, subprocess.Popen] = {}
        self._consumer_offsets: dict[str, int] = {}
        self.sms_sink = run_dir / "sms.jsonl"
        self.sms_fail = run_dir / "sms.fail"

    # --- processes -----------------------------------------------------------------------------
    def spawn(self, cmd, name: str, *, env=None, cwd=None) -> subprocess.Popen:
        with open(self.logs / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)
        return proc

    def end(self, proc: subprocess.Popen, sig=signal.SIGTERM, timeout=20) -> None:
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def close(self) -> None:
        for proc in reversed(self.procs):
            self.end(proc, timeout=10)
        for pg in self.postgres:
            pg.kill()
        for path in self.worktrees:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], capture_output=True)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], capture_output=True)

    # --- the data stores -----------------------------------------------------------------------
    def start_stores(self) -> None:
        """Primary (migrated), Redis, then the replica copied from the migrated primary.

        Migrating a new database takes one to two minutes on two busy cores, so the first run keeps the migrated
        data directory under var/drill/cache/, named by a digest of every migration file and the PostgreSQL
        version; later runs start from a copy of it (and still run ``migrate``, which then finds nothing to do)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.primary = Postgres("pg-primary", self.run_dir)
        self.postgres.append(self.primary)
        self.redis = Redis(self.run_dir, self)
        self.redis.start()
        began = time.time()
        cache = ROOT / "var" / "drill" / "cache" / f"pg-{migrations_digest()}.tar"
        if cache.exists():  # migrated by the same migration files: `migrate` would find nothing to do
            self.primary.restore(cache)
            self.primary.start()
        else:
            self.primary.initdb()
            self.primary.start()
            self.primary.sql(f"CREATE DATABASE {DB}", db="postgres")
            self.manage("migrate", "--no-input")
            self.primary.stop()
            self.primary.save(cache)
            self.primary.start()
        print(f"drill: primary migrated after {time.time() - began:.0f} s", flush=True)
        self.replica = Postgres("pg-replica", self.run_dir)
        self.postgres.append(self.replica)
        self.replica.basebackup_from(self.primary)
        self.replica.start()

    def env(self, *, field_key=None) -> dict:
        """The environment of every app process: production mode, this drill's stores and keys."""
        base = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ") if k in os.environ}
        return {
            **base,
            "PYTHONPATH": str(ROOT / "bench"),  # drill_sender.FileSender
            "MINHU_DEBUG": "0",
            "SECRET_KEY": self.secret_key,
            "MINHU_FIELD_KEY": field_key or self.field_key,
            "DATABASE_URL": self.primary.url(),
            # The dashboard, exports, search and reports read here (minhu/dbrouter.py).
            "DATABASE_REPLICA_URL": self.replica.url() if self.replica else "",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MINHU_VAR_DIR": str(self.run_dir / "var"),
            "MINHU_MEDIA_ROOT": str(self.run_dir / "media"),
            "MINHU_HUEY_NAME": "drill",
            "MINHU_SMS_SENDER": "drill_sender.FileSender",
            "MINHU_WECHAT_SENDER": "drill_sender.FileSender",
            "DRILL_SMS_SINK": str(self.sms_sink),
            "DRILL_SMS_FAIL": str(self.sms_fail),
            "MINHU_LOG_LEVEL": "WARNING",
            "MINHU_HUEY_LOG_LEVEL": "INFO",  # every task run is logged with its id: replays show
            # every client of the drill comes from 127.0.0.1: lift the per-address limits
            "MINHU_TAKE_ADDRESS_LIMIT": "1000000000",
            "MINHU_API_ANON_RATE": "1000000/min",
        }

    def manage(self, *args, timeout=600) -> None:
        subprocess.run(
            [str(VENV / "python"), "manage.py", *args],
            env=self.env(),
            cwd=ROOT,
            check=True,
            timeout=timeout,
            stdout=subprocess.DEVNULL,
        )

    # --- app servers and task workers ----------------------------------------------------------
    def start_server(self, name: str, *, code: Path = ROOT, field_key=None, wait=True) -> subprocess.Popen:
        port = self.server_ports.setdefault(name, free_port())  # a, b, and stand-ins for b in some faults
        cmd = [
            str(VENV / "gunicorn"),
            "minhu.wsgi:application",
            "--chdir",
            str(code),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        env = self.env(field_key=field_key)
        env["PYTHONPATH"] = f"{code}:{env['PYTHONPATH']}"
        proc = self.spawn(cmd, f"server-{name}", env=env, cwd=code)
        self.servers[name] = proc
        if wait:
            self.wait_server(name)
        return proc

    def wait_server(self, name: str, timeout=60) -> None:
        proc = self.servers[name]

        def answers():
            if proc.poll() is not None:
                raise SystemExit(f"app server {name} exited (see {self.logs}/server-{name}.log)")
            return healthz(self.server_ports[name])[0] in (200, 503)

        wait_for(answers, timeout, f"app server {name}")

    def stop_server(self, name: str) -> None:
        self.end(self.servers.pop(name, None))

    def start_consumer(self, name: str, *, periodic: bool | None, wait=True) -> subprocess.Popen:
        """Start a task worker (``periodic``: with the scheduler); ``periodic=None`` only waits for a started one."""
        log = self.logs / f"consumer-{name}.log"
        if periodic is None:
            proc, offset = self.consumers[name], self._consumer_offsets[name]
        else:
            cmd = [str(VENV / "python"), "manage.py", "run_huey", "--workers", "2"]
            if not periodic:
                cmd.append("--no-periodic")
            offset = log.stat().st_size if log.exists() else 0
            proc = self.spawn(cmd, f"consumer-{name}", env=self.env(), cwd=ROOT)
            self.consumers[name], self._consumer_offsets[name] = proc, offset

        def started():
            if proc.poll() is not None:
                raise SystemExit(f"task worker {name} exited (see {log})")
            with open(log, "rb") as f:
                f.seek(offset)
                return b"Huey consumer started" in f.read()

        if wait:
            wait_for(started, 120, f"task worker {name}")
        return proc

    def stop_consumer(self, name: str, *, kill=False) -> None:
        """SIGINT lets huey finish the tasks it holds (docs/operations.md); ``kill`` is a crash (SIGKILL)."""
        proc = self.consumers.pop(name, None)
        self.end(proc, signal.SIGKILL if kill else signal.SIGINT, timeout=30)

    def consumer_log(self, name: str) -> str:
        path = self.logs / f"consumer-{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def previous_release(self, rev: str) -> Path:
        """The code of ``rev`` in a worktree of its own under the run directory."""
        path = self.run_dir / "previous"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--force", str(path), rev],
            check=True,
            capture_output=True,
        )
        self.worktrees.append(path)
        return path


def previous_rev() -> tuple[str, str]:
    """The release before the newest migration that adds, removes or renames a column or table: the code that
    is still serving while that migration runs in a rolling upgrade. ``DRILL_PREVIOUS`` names another commit."""
    if os.environ.get("DRILL_PREVIOUS"):
        rev = os.environ["DRILL_PREVIOUS"]
        return rev, f"{rev} (DRILL_PREVIOUS)"
    log = subprocess.run(
        ["git", "-C", str(ROOT), "log", "--diff-filter=A", "--format=%H", "--", "*/migrations/0*.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    changes = re.compile(r"migrations\.(AddField|RemoveField|RenameField|CreateModel|DeleteModel|RenameModel)\(")
    for commit in log:
        files = subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "show",
                "--diff-filter=A",
                "--name-only",
                "--format=",
                commit,
                "--",
                "*/migrations/0*.py",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for name in files:
            text = subprocess.run(
                ["git", "-C", str(ROOT), "show", f"{commit}:{name}"], capture_output=True, text=True
            ).stdout
            if changes.search(text):
                parent = subprocess.run(
                    ["git", "-C", str(ROOT), "rev-parse", "--short", f"{commit}^"],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.strip()
                return parent, f"`{parent}`, the commit before `{commit[:7]}` added `{name}`"
    raise SystemExit("no migration that changes columns in the history")


def migrations_digest() -> str:
    digest = hashlib.sha256(subprocess.run([str(PG_BIN / "postgres"), "--version"], capture_output=True).stdout)
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def wipe(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
