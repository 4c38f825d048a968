"""Shared set-up for benchmarks: Django on a dedicated database, machine facts, timing, and the
writing of each benchmark's section of docs/benchmarks.md.

A benchmark script does::

    import common
    common.setup()            # Django + migrated bench database (BENCH_DATABASE_URL or a fresh SQLite file)
    ...measure...
    common.report("import", markdown_text)   # prints and replaces <!-- bench:import --> ... in docs

Benchmarks are not tests: they measure, print, and record. Run them with `make bench`.
"""

import datetime
import http.client
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
sys.path.insert(0, str(ROOT))


def setup(*, fresh: bool = True) -> None:
    """Point Django at the benchmark database and migrate it.

    BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/minhu_bench) selects PostgreSQL;
    otherwise a new SQLite file under var/bench/ is used.
    """
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = ROOT / "var" / "bench" / "bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if fresh and path.exists():
            path.unlink()
        url = f"sqlite:///{path}"
    elif fresh and url.startswith("postgres"):
        _recreate_postgres(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minhu.settings")
    os.environ.setdefault("MINHU_TASKS_IMMEDIATE", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _recreate_postgres(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"PostgreSQL {connection.cursor().connection.info.server_version // 10000}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} cores ({cpu}){mem}, Python {platform.python_version()}, {platform.system()}"


class Timer:
    def __init__(self):
        self.samples: list[float] = []

    def __enter__(self):
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.samples.append(time.perf_counter() - self._t)

    def time(self, fn, *args, **kwargs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        self.samples.append(time.perf_counter() - t)
        return result

    def ms(self, q: float) -> float:
        return percentile(self.samples, q) * 1000


def percentile(samples, q: float) -> float:
    if not samples:
        return float("nan")
    data = sorted(samples)
    if len(data) == 1:
        return data[0]
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def median(samples) -> float:
    return statistics.median(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, port: int, env: dict, *, workers: int, threads: int) -> subprocess.Popen:
    """Start gunicorn (gthread) on 127.0.0.1:``port`` serving ``app`` (``module:application`` under bench/)
    and wait until it answers /healthz."""
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "--chdir",
        str(ROOT / "bench"),
        app,
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "--backlog",
        "512",
    ]
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT))
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def report(name: str, body: str) -> None:
    """Print the result and replace this benchmark's section of docs/benchmarks.md."""
    stamp = f"_Run {datetime.date.today():%Y-%m-%d} on {machine()}; database: {database_label()}._"
    section = f"<!-- bench:{name} -->\n{stamp}\n\n{body.strip()}\n<!-- /bench:{name} -->"
    print(section)
    if os.environ.get("BENCH_NO_WRITE"):
        return
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    if start in text and end in text:
        before = text[: text.index(start)]
        after = text[text.index(end) + len(end) :]
        text = before + section + after
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOC.write_text(text, encoding="utf-8")
