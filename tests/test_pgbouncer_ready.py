"""Minhu runs behind PgBouncer in transaction mode (docs/operations.md, "Topology past one machine").

PgBouncer lends a server connection for one transaction at a time, so nothing may rely on the session outliving it:
no session-level advisory locks, no session-level SET, no LISTEN, and no server-side cursors held across
transactions (MINHU_PGBOUNCER=1 turns them off).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

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


# --- through a real PgBouncer in transaction mode (skipped where none is installed) ------------------------------
CLIENT = """
import datetime, json, django
django.setup()
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from minhu.dbrouter import use_replica

Migration = MigrationRecorder.Migration
counts = []
for _ in range(12):  # the same statement again and again: a driver that prepares statements fails from the 6th on
    with transaction.atomic():
        counts.append(Migration.objects.filter(app="cases").count())
names = [m.name for m in Migration.objects.order_by("id").iterator(chunk_size=3)]
with connection.cursor() as cursor:
    cursor.execute("SELECT now(), current_setting('TimeZone')")
    now, zone = cursor.fetchone()
with use_replica() as reading:
    on_replica = Migration.objects.count()
print(json.dumps({
    "counts": sorted(set(counts)), "names": len(names), "zone": zone, "reading": reading.reason,
    "skew": abs((now - datetime.datetime.now(datetime.timezone.utc)).total_seconds()), "replica": on_replica,
}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pgbouncer(db):
    from django.db import connection

    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else "")
    if not binary:
        pytest.skip("未安装 PgBouncer（apt-get install pgbouncer）：跳过 PgBouncer 实测")
    target = connection.settings_dict
    server = f"host={target['HOST'] or '127.0.0.1'} port={target['PORT'] or 5432}"
    if target["PASSWORD"]:
        server += f" user={target['USER']} password={target['PASSWORD']}"
    port = _free_port()
    # PgBouncer refuses to run as root: as root it runs as nobody, in a directory nobody can read and write.
    tmp_path = Path(tempfile.mkdtemp(prefix="minhu-pgbouncer-"))
    tmp_path.chmod(0o777)
    (tmp_path / "users.txt").write_text(f'"{target["USER"] or "postgres"}" ""\n')
    ini = tmp_path / "pgbouncer.ini"
    ini.write_text(
        f"[databases]\n* = {server}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
        f"unix_socket_dir =\nauth_type = trust\nauth_file = {tmp_path}/users.txt\npool_mode = transaction\n"
        "default_pool_size = 2\nmax_client_conn = 50\nserver_reset_query =\n"
        f"ignore_startup_parameters = extra_float_digits,options\nlogfile = {tmp_path}/pgbouncer.log\n"
    )
    command = [binary, str(ini)]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(50):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            pytest.fail("PgBouncer did not start: " + process.stderr.read(2000).decode(errors="replace"))
        yield f"postgres://{target['USER'] or 'postgres'}@127.0.0.1:{port}/{target['NAME']}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(tmp_path, ignore_errors=True)


@pytest.mark.postgres
def test_minhu_works_through_pgbouncer_in_transaction_mode(pgbouncer):
    # Three processes, two server connections: transactions of each client land on whichever connection is free.
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL",)},
        "DJANGO_SETTINGS_MODULE": "minhu.settings",
        "MINHU_PGBOUNCER": "1",
        "DATABASE_URL": pgbouncer,
        "DATABASE_REPLICA_URL": pgbouncer,
    }
    clients = [
        subprocess.Popen([sys.executable, "-c", CLIENT], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = []
    for client in clients:
        out, _ = client.communicate(timeout=120)
        assert client.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))
    for found in results:
        assert len(found["counts"]) == 1 and found["counts"][0] > 0
        assert found["names"] > 10
        assert found["zone"] == "UTC" and found["skew"] < 60
        assert found["reading"] == "replica" and found["replica"] == found["names"]
