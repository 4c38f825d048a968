"""Minhu runs behind PgBouncer in transaction mode (docs/operations.md, "Topology past one machine").

PgBouncer lends a server connection for one transaction at a time, so nothing may rely on the session outliving it:
no session-level advisory locks, no session-level SET, no LISTEN, and no server-side cursors held across
transactions (MINHU_PGBOUNCER=1 turns them off).
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Application code; the benchmarks tune their own sessions on purpose and never run behind PgBouncer.
SKIP = {".venv", "var", "bench", "node_modules", ".git"}
SESSION_STATE = [
    (re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\("), "a session-level advisory lock"),
    (re.compile(r"""execute\(\s*f?["']\s*SET\s+(?!LOCAL\b|CONSTRAINTS\b)""", re.IGNORECASE), "a session-level SET"),
    (re.compile(r"""execute\(\s*f?["']\s*LISTEN\b""", re.IGNORECASE), "LISTEN"),
]


def _sources():
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & SKIP or "tests" in parts:
            continue
        yield path


def test_no_code_relies_on_a_session_outliving_its_transaction():
    found = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        for pattern, what in SESSION_STATE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}")
    assert not found, "behind PgBouncer in transaction mode these break (use xact locks, SET LOCAL):\n" + "\n".join(
        found
    )


def _settings_with(env: dict) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({a: {k: d.get(k) for k in ('DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS', 'TEST')} "
        "for a, d in settings.DATABASES.items()} | {'_routers': settings.DATABASE_ROUTERS, "
        "'_replica': settings.MINHU_READ_REPLICA}))"
    )
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL", "MINHU_PGBOUNCER")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**keep, "DJANGO_SETTINGS_MODULE": "minhu.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_behind_pgbouncer_no_alias_uses_server_side_cursors():
    found = _settings_with(
        {
            "MINHU_PGBOUNCER": "1",
            "DATABASE_URL": "postgres://minhu@127.0.0.1:6432/minhu",
            "DATABASE_REPLICA_URL": "postgres://minhu_ro@10.0.0.11:6432/minhu",
        }
    )
    assert found["default"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert found["replica"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    # Tests mirror the primary's test database instead of creating one on the read-only replica.
    assert found["replica"]["TEST"]["MIRROR"] == "default"
    assert found["replica"]["OPTIONS"]["connect_timeout"] == "2"
    assert found["_replica"] == "replica"


def test_without_the_settings_one_database_serves_everything():
    found = _settings_with({"DATABASE_URL": "postgres://minhu@127.0.0.1:5432/minhu"})
    assert set(found) == {"default", "_routers", "_replica"}
    assert found["_replica"] == ""
    assert not found["default"]["DISABLE_SERVER_SIDE_CURSORS"]
