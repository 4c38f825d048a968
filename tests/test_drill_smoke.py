"""The fault drill (bench/drill.py, docs/reliability.md) runs end to end on this machine: its own PostgreSQL primary
and replica, Redis, two production-mode app servers and two task workers come up, take load with no fault, pass
every check (nothing lost, doubled or stuck, no 5xx), and are all gone afterwards."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("DRILL_PG_BIN", "/usr/lib/postgresql/15/bin"))

pytestmark = pytest.mark.slow


def _can_run_postgres() -> bool:
    if not (PG_BIN / "initdb").exists() or not shutil.which("redis-server"):
        return False
    return os.geteuid() != 0 or bool(shutil.which("runuser"))


@pytest.mark.skipif(not _can_run_postgres(), reason="needs PostgreSQL 15 binaries, redis-server (and runuser as root)")
def test_drill_without_a_fault_is_clean_and_leaves_nothing_running():
    run_dir = ROOT / "var" / "drill" / f"test-run-{os.getpid()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "MINHU_"))}
    env["DRILL_RUN_DIR"] = str(run_dir)
    try:
        done = subprocess.run(
            [sys.executable, "bench/drill.py", "--only", "baseline", "--no-write"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        (row,) = json.loads((run_dir / "result.json").read_text())
        assert (row["lost"], row["doubled"], row["stuck"], row["bad_5xx"]) == (0, 0, 0, 0)
        assert row["counts"]["acked"] > 0, "the load acknowledged no intake at all"

        sink = f"DRILL_SMS_SINK={run_dir}/sms.jsonl".encode()
        left = []
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and sink in (proc / "environ").read_bytes():
                    left.append(proc.name)
            except OSError:
                continue
        assert not left, f"processes of the drill still running: {left}"
        assert not (run_dir / "pg-primary" / "postmaster.pid").exists()
        assert not (run_dir / "pg-replica" / "postmaster.pid").exists()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
