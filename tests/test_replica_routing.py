"""Figures, exports and searches read from the streaming replica; whoever just wrote reads the primary.

The replica here is a second connection to the test database (`read_replica` in conftest.py), so every test sees
which connection served which statement through an execute hook on each alias.
"""

import contextlib
import time

import pytest
from django.db import connections
from django.test import RequestFactory
from django.urls import reverse

from cases.actions.intake import case_create
from cases.models import Case, SavedView
from minhu import dbrouter
from minhu.dbrouter import use_replica

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


class Served:
    """The SQL each alias executed while the block ran."""

    def __init__(self, *aliases):
        self.sql = {alias: [] for alias in aliases}
        self._stack = contextlib.ExitStack()

    def __enter__(self):
        for alias, seen in self.sql.items():

            def hook(execute, sql, params, many, context, seen=seen):
                seen.append(sql)
                return execute(sql, params, many, context)

            self._stack.enter_context(connections[alias].execute_wrapper(hook))
        return self

    def __exit__(self, *exc):
        self._stack.close()

    def touched(self, alias, table) -> bool:
        return any(table in sql for sql in self.sql[alias])


@pytest.fixture
def cases_on_record(world, users, shipped_data):
    made = []
    for title in ("楼道灯坏了", "垃圾堆放"):
        made.append(
            case_create(
                title=title,
                description=title,
                region=world.penglai_grid,
                channel="desk",
                category="repair",
                by=users["staff"],
            )[0]  # fmt: skip
        )
    return made


def test_the_dashboard_is_read_from_the_replica(client_for, users, read_replica, cases_on_record):
    client = client_for(users["leader"])
    with Served("default", read_replica) as served:
        response = client.get(reverse("dashboard:index"), {"period": "year"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "蓬莱路居委" in text and "<!-- read-from: replica replica lag=0" in text
    # The figures (cases_case on SQLite, the monthly figures on PostgreSQL) came from the replica …
    assert served.touched(read_replica, "cases_")
    # … and none of them from the primary, which only served the login's session, user and roles.
    assert not served.touched("default", "cases_")
    assert served.touched("default", "django_session")


def test_the_dashboard_export_reads_the_replica_and_writes_its_audit_entry_on_the_primary(
    client_for, users, read_replica, cases_on_record
):
    client = client_for(users["staff"])
    with Served("default", read_replica) as served:
        response = client.get(reverse("dashboard:export"), {"period": "year"})
    assert response.status_code == 200
    assert served.touched(read_replica, "cases_")
    assert not served.touched("default", "cases_")
    assert any(sql.startswith("INSERT") and "audit_auditentry" in sql for sql in served.sql["default"])
    assert not any(sql.lstrip().upper().startswith("INSERT") for sql in served.sql[read_replica])
    # It wrote (the audit entry): the browser reads the primary for the next seconds.
    assert dbrouter.COOKIE in response.cookies


def test_case_search_and_export_read_the_replica(client_for, users, read_replica, cases_on_record):
    client = client_for(users["staff"])
    with Served("default", read_replica) as served:
        listed = client.get(reverse("cases:list"), {"q": "楼道"})
    assert listed.status_code == 200 and cases_on_record[0].number in listed.content.decode()
    assert served.touched(read_replica, "cases_case") and not served.touched("default", "cases_case")

    client.cookies.pop(dbrouter.COOKIE, None)
    with Served("default", read_replica) as served:
        exported = client.get(reverse("cases:export"), {"q": "楼道"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("application/vnd.openxmlformats")
    assert served.touched(read_replica, "cases_case") and not served.touched("default", "cases_case")
    assert any("audit_auditentry" in sql for sql in served.sql["default"])  # the export is recorded on the primary


def test_without_a_replica_every_read_is_the_primarys(client_for, users, cases_on_record):
    assert dbrouter.choose().reason == "no-replica"
    client = client_for(users["leader"])
    with Served("default") as served:
        response = client.get(reverse("dashboard:index"), {"period": "year"})
    assert response.status_code == 200 and served.touched("default", "cases_")
    assert dbrouter.COOKIE not in response.cookies


def test_a_request_reads_the_primary_from_its_first_write_on(read_replica, world, users, shipped_data):
    request = RequestFactory().get("/")
    with Served("default", read_replica) as served, use_replica(request) as reading:
        assert reading.on_replica
        Case.objects.count()
        assert served.touched(read_replica, "cases_case")
        SavedView.objects.create(user=users["staff"], name="我的", query="open=true")
        served.sql[read_replica].clear()
        Case.objects.count()
        assert not served.touched(read_replica, "cases_case") and served.touched("default", "cases_case")
        assert dbrouter.current().reason == "wrote"


def test_a_raw_sql_write_also_moves_the_reads_to_the_primary(read_replica, world, users, shipped_data):
    with Served("default", read_replica) as served, use_replica():
        with connections["default"].cursor() as cursor:
            cursor.execute("UPDATE cases_savedview SET name = name WHERE id < 0")
        Case.objects.count()
    assert not served.touched(read_replica, "cases_case") and served.touched("default", "cases_case")


def test_a_browser_that_just_wrote_reads_the_primary_until_the_replica_has_caught_up(
    client_for, users, read_replica, cases_on_record
):
    client = client_for(users["staff"])
    saved = client.post(reverse("cases:saved_view_create"), {"name": "超期", "query": "overdue=true"})
    assert saved.status_code == 302 and dbrouter.COOKIE in saved.cookies
    with Served("default", read_replica) as served:
        assert client.get(reverse("dashboard:index")).status_code == 200
    assert not served.touched(read_replica, "cases_") and served.touched("default", "cases_")

    # Once MINHU_REPLICA_MAX_LAG seconds have passed, the replica (which serves only while less behind) has it.
    client.cookies[dbrouter.COOKIE] = f"{time.time() - dbrouter.max_lag() - 1:.3f}"
    with Served("default", read_replica) as served:
        assert client.get(reverse("dashboard:index")).status_code == 200
    assert served.touched(read_replica, "cases_") and not served.touched("default", "cases_")


def test_writes_are_told_from_reads_in_raw_sql():
    assert dbrouter._is_write("INSERT INTO cases_case (title) VALUES (%s)")
    assert dbrouter._is_write('WITH i0 AS (INSERT INTO "cases_case" ("title") VALUES (%s) RETURNING 0, "id") SELECT 1')
    assert dbrouter._is_write("WITH moved AS (DELETE FROM cases_figures_delta RETURNING *) SELECT 1")
    assert not dbrouter._is_write('WITH parts AS (SELECT "updated_at" FROM cases_case) SELECT * FROM parts')
    assert not dbrouter._is_write("SELECT 1")


def test_a_form_post_never_reads_the_replica(read_replica, world):
    assert dbrouter.choose(RequestFactory().post("/")).reason == "unsafe-method"


def test_an_unreachable_replica_leaves_the_page_on_the_primary(client_for, users, read_replica, cases_on_record):
    original = connections.settings[read_replica]
    if original["ENGINE"].endswith("postgresql"):
        broken = {**original, "HOST": "127.0.0.1", "PORT": "1"}  # nothing listens there
    else:
        broken = {**original, "NAME": "/nonexistent/minhu/replica.sqlite3"}
    connections[read_replica].close()
    del connections[read_replica]  # the next use builds the connection from the broken settings
    connections.settings[read_replica] = broken
    try:
        assert dbrouter.choose().reason == "unreachable"
        client = client_for(users["leader"])
        with Served("default") as served:
            response = client.get(reverse("dashboard:index"), {"period": "year"})
        assert response.status_code == 200 and "蓬莱路居委" in response.content.decode()
        assert served.touched("default", "cases_")
    finally:
        connections[read_replica].close()
        del connections[read_replica]
        connections.settings[read_replica] = original
    # The process does not knock again at every page: for RETRY_AFTER seconds the primary serves without a try.
    assert dbrouter.choose().reason == "unreachable"
    dbrouter._down_until.clear()
    assert dbrouter.choose().reason == "replica"


def test_the_replica_is_never_migrated():
    router = dbrouter.ReplicaRouter()
    assert router.allow_migrate("replica", "cases") is False
    assert router.allow_migrate("default", "cases") is None
