"""The audit log and the case timelines are partitioned by month on PostgreSQL (lib/partitions.py, migrations
audit 0003 and cases 0010); SQLite keeps plain tables."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from audit.models import AuditEntry
from audit.services import record
from audit.tasks import create_month_partitions
from cases.actions.intake import case_create
from cases.models import CaseEvent
from lib import partitions

pytestmark = pytest.mark.postgres

SH = partitions.SH


def _where(model, pk) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def _partitions(table) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY 1",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _month_ago(n) -> datetime.datetime:
    today = datetime.datetime.now(SH)
    first = today.replace(day=15, hour=12, minute=0, second=0, microsecond=0)
    for _ in range(n):
        first = (first.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)
    return first


@pytest.fixture
def past_months(db):
    """Partitions for the last two months too (the migration made them from the oldest row, none in tests)."""
    with connection.cursor() as cursor:
        for table in partitions.TABLES:
            partitions.create_months(cursor, table, _month_ago(2).date(), _month_ago(0).date())


def test_both_tables_are_partitioned_by_month_ahead_of_time(db):
    month = datetime.datetime.now(SH).date()
    for table in ("audit_auditentry", "cases_caseevent"):
        with connection.cursor() as cursor:
            assert partitions.is_partitioned(cursor, table)
        names = _partitions(table)
        assert f"{table}_default" in names
        assert partitions.partition_name(table, month) in names
        assert partitions.partition_name(table, partitions._month(month, 3)) in names


def test_case_events_of_two_months_land_in_two_partitions_and_read_as_one_timeline(world, users, past_months):
    case, _created = case_create(
        title="楼道灯坏了", description="楼道灯坏了", region=world.penglai_grid, channel="desk", category="repair",
        by=users["staff"],
    )  # fmt: skip
    old = CaseEvent.objects.create(case=case, at=_month_ago(1), kind=CaseEvent.Kind.NOTE, note="上月的记录")
    new = case.events.order_by("at").last()
    assert _where(CaseEvent, old.pk) == partitions.partition_name("cases_caseevent", _month_ago(1).date())
    assert _where(CaseEvent, new.pk) == partitions.partition_name("cases_caseevent", _month_ago(0).date())
    # The ORM keeps the id as the primary key: one timeline across partitions, get, update and delete by id.
    assert [e.pk for e in case.events.order_by("at")][:1] == [old.pk]
    assert CaseEvent.objects.get(pk=old.pk).note == "上月的记录"
    old.note = "补记"
    old.save(update_fields=["note"])
    assert CaseEvent.objects.get(pk=old.pk).note == "补记"
    # A timeline query for one month reads that month's partition only.
    with connection.cursor() as cursor:
        start = _month_ago(1).replace(day=1, hour=0)
        cursor.execute(
            "EXPLAIN SELECT * FROM cases_caseevent WHERE at >= %s AND at < %s", [start, start + datetime.timedelta(27)]
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert partitions.partition_name("cases_caseevent", _month_ago(1).date()) in plan
    assert partitions.partition_name("cases_caseevent", _month_ago(0).date()) not in plan


def test_audit_entries_stay_append_only_in_every_partition(world, users, past_months):
    entry = record(actor=users["staff"], action="people.resident.view", kind=AuditEntry.Kind.VIEW)
    earlier = AuditEntry(actor_name="赵磊", kind="view", action="old", at=_month_ago(2))
    earlier.save()
    assert _where(AuditEntry, earlier.pk) == partitions.partition_name("audit_auditentry", _month_ago(2).date())
    for table in ("audit_auditentry", _where(AuditEntry, entry.pk), _where(AuditEntry, earlier.pk)):
        for statement in (f"UPDATE {table} SET action = 'x'", f"DELETE FROM {table}"):
            with (
                pytest.raises(DatabaseError, match="审计日志只能追加"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
    assert AuditEntry.objects.filter(pk__in=[entry.pk, earlier.pk]).count() == 2


def test_a_row_outside_every_month_lands_in_the_default_partition(world, users):
    entry = AuditEntry(actor_name="赵磊", kind="view", action="imported", at=datetime.datetime(2001, 5, 1, tzinfo=SH))
    entry.save()
    assert _where(AuditEntry, entry.pk) == "audit_auditentry_default"
    assert AuditEntry.objects.filter(at__year=2001).get().pk == entry.pk


def test_creating_the_months_ahead_is_idempotent(db):
    today = datetime.datetime.now(SH).date()
    later = partitions._month(today, 5)
    with transaction.atomic(), connection.cursor() as cursor:
        first = partitions.create_months_ahead(cursor, today=later, months=1)
    assert sorted(first) == sorted(
        partitions.partition_name(t, m) for t in partitions.TABLES for m in (later, partitions._month(later, 1))
    )
    with transaction.atomic(), connection.cursor() as cursor:
        assert partitions.create_months_ahead(cursor, today=later, months=1) == []
    assert create_month_partitions.call_local() == []  # the daily job: the migration made these months already


def test_a_month_whose_rows_sit_in_the_default_partition_is_left_there(world):
    far = partitions._month(datetime.datetime.now(SH).date(), 12)
    row = AuditEntry(
        actor_name="赵磊", kind="view", action="future", at=datetime.datetime.combine(far, datetime.time(9), SH)
    )
    row.save()
    with transaction.atomic(), connection.cursor() as cursor:
        assert partitions.create_months(cursor, "audit_auditentry", far, far) == []
    assert _where(AuditEntry, row.pk) == "audit_auditentry_default"


def test_the_conversion_round_trips_with_rows_ids_and_trigger(world, users, past_months):
    record(actor=users["staff"], action="a", kind=AuditEntry.Kind.VIEW)
    AuditEntry(actor_name="赵磊", kind="view", action="b", at=_month_ago(2)).save()
    before = list(AuditEntry.objects.order_by("id").values_list("id", "at", "action"))
    with connection.cursor() as cursor:
        partitions.to_plain(cursor, "audit_auditentry")
        assert not partitions.is_partitioned(cursor, "audit_auditentry")
        partitions.to_partitioned(cursor, "audit_auditentry")
        assert partitions.is_partitioned(cursor, "audit_auditentry")
    assert list(AuditEntry.objects.order_by("id").values_list("id", "at", "action")) == before
    assert record(actor=users["staff"], action="c", kind=AuditEntry.Kind.VIEW).pk > before[-1][0]
    with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
