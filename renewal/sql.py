"""The renovation app's hand-written SQL: one statement, kept because docs/benchmarks.md ("renewal") shows it pays.

Estimates written with COPY on PostgreSQL. The whole-plot estimate (a task the office starts and then waits for)
and the settlement at the end of the signing period (in the request) write thousands of estimates, each carrying a
few kilobytes of JSON (the itemised lines). COPY streams them without building parameterised INSERTs, and fed from
a generator the server stores the rows already sent while Python computes the next ones. On the benchmark's 5,000
certificates the task takes a fifth of the time it takes with ``bulk_create`` (a third of the Python CPU). Every
other database takes the same rows through ``bulk_create`` (``insert_estimates_orm``); ``renewal/tests/test_sql.py``
writes the same rows both ways on PostgreSQL and compares what was stored.
"""

from django.db import connection
from psycopg.types.json import Jsonb

from .models import Estimate

#: an estimate row as ``insert_estimates`` takes it: these fields in this order, relations as ids
ESTIMATE_FIELDS = (
    "certificate", "plan", "kind", "building_area", "E", "E_share", "P", "T", "V", "G",
    "items_total", "conditional_total", "total", "lines", "created_at", "created_by",
)  # fmt: skip


def insert_estimates(rows) -> int:
    """Write many estimates (an iterable of ESTIMATE_FIELDS tuples, possibly a generator); returns how many."""
    if connection.vendor == "postgresql":
        return copy_estimates(rows)
    return insert_estimates_orm(rows)


def insert_estimates_orm(rows) -> int:
    """The same rows through the ORM: the path on every database but PostgreSQL, and what COPY is checked against."""
    names = [Estimate._meta.get_field(name).attname for name in ESTIMATE_FIELDS]  # type: ignore[union-attr]
    estimates = [Estimate(**dict(zip(names, row, strict=True))) for row in rows]
    Estimate.objects.bulk_create(estimates, batch_size=500)
    return len(estimates)


def copy_estimates(rows) -> int:
    """The same rows with COPY (PostgreSQL only)."""
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(Estimate._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]  # concrete fields
        for name in ESTIMATE_FIELDS
    )
    statement = f"COPY {quote(Estimate._meta.db_table)} ({columns}) FROM STDIN"
    lines_at = ESTIMATE_FIELDS.index("lines")
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row[:lines_at] + (Jsonb(row[lines_at]),) + row[lines_at + 1 :])
            count += 1
    return count
