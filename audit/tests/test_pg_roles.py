"""The documented role split on PostgreSQL (bin/pg-roles.sql): the app's role may read and append to the audit log
and nothing else — TRUNCATE, UPDATE, DELETE, ALTER, DISABLE TRIGGER and session_replication_role all fail — while
it still reads and writes the other tables."""

import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from audit.models import AuditEntry
from audit.services import record

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SCRIPT = Path(settings.BASE_DIR) / "bin" / "pg-roles.sql"


def conninfo(**override) -> str:
    s = connection.settings_dict
    parts = {"host": s["HOST"] or "127.0.0.1", "port": s["PORT"] or 5432, "dbname": s["NAME"], "user": s["USER"]}
    if s["PASSWORD"]:
        parts["password"] = s["PASSWORD"]
    parts.update(override)
    return " ".join(f"{k}={v}" for k, v in parts.items())


@pytest.fixture
def app_role():
    if not shutil.which("psql"):
        pytest.skip("需要 psql（postgresql-client）")
    name, password = f"minhu_app_{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    owner = connection.settings_dict["USER"]
    run = ["psql", conninfo(), "-q", "-v", f"owner={owner}", "-v", f"app={name}", "-v", f"app_password={password}"]
    subprocess.run([*run, "-f", str(SCRIPT)], check=True, capture_output=True)
    subprocess.run([*run, "-f", str(SCRIPT)], check=True, capture_output=True)  # running it again is harmless
    yield name, password
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"')
        cursor.execute(f'DROP ROLE "{name}"')


def test_the_app_role_appends_to_the_audit_log_and_cannot_rewrite_it(app_role, world):
    name, password = app_role
    entry = record(actor=world.users["admin"], action="test.entry")
    refused = [
        "TRUNCATE audit_auditentry",
        f"UPDATE audit_auditentry SET action = 'rewritten' WHERE id = {entry.pk}",
        f"DELETE FROM audit_auditentry WHERE id = {entry.pk}",
        "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_update",
        "ALTER TABLE audit_auditentry ADD COLUMN note text",
        "DROP TABLE audit_auditentry",
        "SET session_replication_role = replica",
        "CREATE TABLE scratch (id int)",
    ]
    with psycopg.connect(conninfo(user=name, password=password), autocommit=True) as app:
        for statement in refused:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)
        # what the app does need still works: read and append the log, read and write other tables
        assert app.execute("SELECT count(*) FROM audit_auditentry").fetchone()[0] == 1
        app.execute(
            "INSERT INTO audit_auditentry (at, actor_name, kind, action, object_type, object_id, object_repr, detail,"
            " user_agent) VALUES (now(), '', 'change', 'test.append', '', '', '', '{}', '')"
        )
        app.execute("UPDATE org_region SET code = code")
        app.execute("SELECT count(*) FROM people_resident").fetchone()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.entry"
    assert AuditEntry.objects.filter(action="test.append").exists()


def test_the_app_works_under_the_app_role(app_role, world, shipped_data):
    """The deployment's split end to end: the schema migrated by the owner (the test database, made by this run's
    own user), then the app itself — settings, ORM, sessions, the task queue — in a process that connects as the
    app role (audit/tests/app_role_smoke.py): a need raised through the public form, staff pages opened, and its
    own attempts to rewrite or delete an audit entry refused by the database."""
    import json
    import os
    import sys

    name, password = app_role
    s = connection.settings_dict
    url = f"postgres://{name}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_REPLICA_URL", "REDIS_URL")}
    # tasks run in the process, so their writes are the app role's too; without Redis the cache is the process's own
    env.update(DATABASE_URL=url, MINHU_TASKS_IMMEDIATE="1", MINHU_DEBUG="1", PYTHONPATH=str(settings.BASE_DIR))
    smoke = Path(__file__).with_name("app_role_smoke.py")
    args = [sys.executable, str(smoke), str(world.penglai.pk), world.users["staff"].username]
    done = subprocess.run(args, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])

    assert out["role"] == name
    assert out["intake"]["status"] == 302 and out["intake"]["case"] and out["intake"]["events"] >= 1
    assert out["intake"]["audit"] >= 1
    assert set(out["pages"].values()) == {200}, out["pages"]
    assert out["refused"] == {"update": "InsufficientPrivilege", "delete": "InsufficientPrivilege"}
    # what the app wrote is there for the owner, and the entry it tried to rewrite is unchanged
    from cases.models import Case

    case = Case.objects.get(number=out["intake"]["case"])
    assert AuditEntry.objects.filter(object_id=str(case.pk)).exists()
    assert AuditEntry.objects.count() == out["audit_entries"]
    assert not AuditEntry.objects.filter(action="rewritten").exists()
