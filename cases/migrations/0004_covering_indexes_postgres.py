"""PostgreSQL only: covering indexes so the dashboard's rates and the dispatcher's inbox are
index-only scans on large tables (bench/bench_cases.py; docs/benchmarks.md "cases").

- case_rates_cover: region_path LIKE 'p%' AND created_at in period, aggregating the listed columns
  (cases.metrics);
- case_inbox_cover: status = 'new' AND region_path LIKE 'p%' ORDER BY created_at, id (cases.selectors).
SQLite keeps the plain indexes declared on the model.
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS case_rates_cover ON cases_case "
    "(region_path varchar_pattern_ops, created_at) INCLUDE (region_id, status, verdict, first_contact_due_at, "
    "first_contacted_at, resolved_at, due_at, paused_at, main_unit_id, category_id)",
    # the same figures district-wide, where the period (not the region) is what narrows the rows
    "CREATE INDEX IF NOT EXISTS case_rates_period_cover ON cases_case "
    "(created_at) INCLUDE (region_path, region_id, status, verdict, first_contact_due_at, "
    "first_contacted_at, resolved_at, due_at, paused_at, main_unit_id, category_id)",
    "CREATE INDEX IF NOT EXISTS case_inbox_cover ON cases_case "
    "(status, region_path varchar_pattern_ops, created_at) INCLUDE (id)",
]
DROP = [
    "DROP INDEX IF EXISTS case_rates_cover",
    "DROP INDEX IF EXISTS case_rates_period_cover",
    "DROP INDEX IF EXISTS case_inbox_cover",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_search_index_postgres")]
    operations = [migrations.RunPython(create, drop)]
