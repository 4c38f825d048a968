"""Monthly partitions of the append-only tables that grow without end, on PostgreSQL only.

The audit log (``audit_auditentry``) and the case timelines (``cases_caseevent``) gain rows every minute and lose
almost none. Partitioned by month on their ``at`` column (months of Asia/Shanghai, as every figure is counted), old
months can be detached and archived as whole tables, and a query for one month reads one partition. Decisions and the
composite primary key: docs/decisions.md ("Monthly partitions ..."); operators: docs/operations.md.

Used by the migrations that convert the tables (audit 0003, cases 0010) and by the daily job that creates the
months ahead (``create_months_ahead``). The migrations depend on what these functions do today: change them only
in a way that converts the same tables to the same shape.

1. ``to_partitioned`` renames the table aside, creates the partitioned table with the same columns, a partition per
   month from the oldest row to ``MONTHS_AHEAD`` months ahead plus a default partition, copies the rows, drops the old
   table, and puts back its id sequence, indexes, constraints and triggers under their own names (the primary key
   becomes ``(id, at)``: PostgreSQL requires the partition key in every unique index).
2. ``to_plain`` does the reverse (the migrations' backward step).
Both run in the migration's transaction, holding an exclusive lock on the table for the copy.
"""

import datetime
import logging
import zoneinfo

from django.db import DatabaseError
from django.db.backends.utils import CursorWrapper

log = logging.getLogger(__name__)

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
TABLES = {"audit_auditentry": "at", "cases_caseevent": "at"}  # table -> partition key
MONTHS_AHEAD = 3


def _month(day: datetime.date, add: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + add
    return datetime.date(index // 12, index % 12 + 1, 1)


def _bound(day: datetime.date) -> str:
    return f"{day.isoformat()} 00:00:00+08"  # the first instant of a Shanghai month


def partition_name(table: str, month: datetime.date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(cursor: CursorWrapper, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def create_months(cursor: CursorWrapper, table: str, first: datetime.date, last: datetime.date) -> list[str]:
    """Partitions of ``table`` for every month from ``first`` to ``last`` (inclusive) that has none yet; returns the
    names created. A month whose rows already sit in the default partition is left there (logged): PostgreSQL
    cannot attach a partition over rows the default holds, and the rows stay readable where they are."""
    created = []
    month = _month(first)
    while month <= _month(last):
        name = partition_name(table, month)
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if not cursor.fetchone()[0]:
            cursor.execute("SAVEPOINT minhu_partition")
            try:
                cursor.execute(
                    f'CREATE TABLE "{name}" PARTITION OF "{table}" '
                    f"FOR VALUES FROM ('{_bound(month)}') TO ('{_bound(_month(month, 1))}')"
                )
            except DatabaseError as exc:  # the default partition holds rows of that month
                cursor.execute("ROLLBACK TO SAVEPOINT minhu_partition")
                log.warning("partition %s not created: %s", name, exc)
            else:
                cursor.execute("RELEASE SAVEPOINT minhu_partition")
                created.append(name)
        month = _month(month, 1)
    return created


def create_months_ahead(
    cursor: CursorWrapper, *, today: datetime.date | None = None, months: int = MONTHS_AHEAD
) -> list[str]:
    """The daily job's work: this month's and the next ``months`` months' partitions of every partitioned table
    (idempotent: a month that has its partition is skipped). Returns the names created."""
    today = today or datetime.datetime.now(SH).date()
    created = []
    for table in TABLES:
        if is_partitioned(cursor, table):
            created += create_months(cursor, table, today, _month(today, months))
    return created


def _definitions(cursor, table: str) -> list[str]:
    """The statements that recreate ``table``'s indexes, constraints (but the primary key and NOT NULL) and
    triggers under their names, read from the catalogue."""
    cursor.execute(
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))",
        [table],
    )
    statements = [row[0].replace(" ON ONLY ", " ON ") for row in cursor.fetchall()]
    cursor.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype NOT IN ('p', 'n') ORDER BY conname",
        [table],
    )
    for name, kind, definition in cursor.fetchall():
        if kind == "u":
            raise RuntimeError(f"{table}: a unique constraint ({name}) cannot survive partitioning by month")
        statements.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
        "AND tgparentid = 0",
        [table],
    )
    statements += [row[0] for row in cursor.fetchall()]
    return statements


def _swap(cursor, table: str, create: str) -> list[str]:
    """The first steps of both directions: read what to put back, lock ``table``, move it aside, create the new one
    (``create``). Returns the statements that put back the indexes, constraints and triggers."""
    definitions = _definitions(cursor, table)
    # Deferred foreign-key checks of rows written earlier in this transaction would keep the old table from being
    # dropped: run them now (for this transaction only).
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    cursor.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_old"')
    cursor.execute(create.format(table=table, old=f"{table}_old"))
    return definitions


def to_partitioned(cursor: CursorWrapper, table: str, key: str = "at", *, today: datetime.date | None = None) -> None:
    if is_partitioned(cursor, table):
        return
    definitions = _swap(
        cursor,
        table,
        'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING STORAGE) PARTITION BY RANGE (' + key + ")",
    )
    old = f"{table}_old"
    cursor.execute(f'SELECT min("{key}"), coalesce(max(id), 0) FROM "{old}"')
    oldest, top = cursor.fetchone()
    today = today or datetime.datetime.now(SH).date()
    first = oldest.astimezone(SH).date() if oldest else today
    create_months(cursor, table, min(first, today), _month(today, MONTHS_AHEAD))
    cursor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    cursor.execute(f'DROP TABLE "{old}"')
    # Ids keep counting from where they were: a sequence owned by the column (a partitioned table's identity
    # column is not inherited by its partitions before PostgreSQL 17).
    cursor.execute(f'CREATE SEQUENCE "{table}_id_seq" OWNED BY "{table}".id')
    cursor.execute(f"SELECT setval('\"{table}_id_seq\"', %s, true)", [max(top, 1)])
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id SET DEFAULT nextval(\'"{table}_id_seq"\')')
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id, "{key}")')
    for statement in definitions:
        cursor.execute(statement)


def to_plain(cursor: CursorWrapper, table: str) -> None:
    if not is_partitioned(cursor, table):
        return
    definitions = _swap(cursor, table, 'CREATE TABLE "{table}" (LIKE "{old}" INCLUDING DEFAULTS INCLUDING STORAGE)')
    old = f"{table}_old"
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id DROP DEFAULT')  # the old sequence goes with the old table
    cursor.execute(f'INSERT INTO "{table}" SELECT * FROM "{old}"')
    cursor.execute(f'SELECT coalesce(max(id), 0) FROM "{old}"')
    top = cursor.fetchone()[0]
    cursor.execute(f'DROP TABLE "{old}"')  # its partitions and its sequence with it
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {top + 1})')
    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_pkey" PRIMARY KEY (id)')
    for statement in definitions:
        cursor.execute(statement)
