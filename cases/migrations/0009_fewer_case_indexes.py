"""Fewer indexes to keep up on every new case (each one is work for every intake).

Both databases: the foreign-key indexes of main_unit and source_type go; the composite indexes that
start with them (case_unit_status_idx, case_source_idx) answer the same lookups.

PostgreSQL only (the covering indexes of 0004 exist only there): case_status_region_idx repeats
case_inbox_cover, case_region_created_idx is a prefix of case_rates_cover; and the "_like" indexes
PostgreSQL gets for unique text columns serve LIKE 'x%' on case numbers, idempotency keys and
Open311 tokens, which nothing asks (they are looked up whole). SQLite keeps the model's indexes.

And the search index (GIN, 0003) merges its pending list every 256 kB instead of every 4 MB: new cases' tokens
wait in that list until an INSERT that finds it full merges them all, so a 4 MB list made one intake in a few
thousand take most of a second (seen as the p99 of bench/bench_intake.py); 256 kB spreads the same work thin.
"""

import django.db.models.deletion
from django.db import migrations, models

CASE_INDEXES = {
    "case_status_region_idx": "(status varchar_pattern_ops, region_path varchar_pattern_ops, created_at)",
    "case_region_created_idx": "(region_path varchar_pattern_ops, created_at)",
}
LIKE = [("cases_case", "number"), ("cases_case", "idempotency_key"), ("cases_open311request", "token"),
        ("cases_open311request", "idempotency_key")]  # fmt: skip


def _like_name(schema_editor, table, column):
    return schema_editor._create_index_name(table, [column], suffix="_like")  # Django's own name for it


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CASE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for table, column in LIKE:
        schema_editor.execute(f"DROP INDEX IF EXISTS {_like_name(schema_editor, table, column)}")
    schema_editor.execute("ALTER INDEX IF EXISTS case_search_tokens_gin SET (gin_pending_list_limit = 256)")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER INDEX IF EXISTS case_search_tokens_gin RESET (gin_pending_list_limit)")
    for name, columns in CASE_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON cases_case {columns}")
    for table, column in LIKE:
        name = _like_name(schema_editor, table, column)
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_open311_answer_with_token'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('org', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='main_unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.unit', verbose_name='主办单位'),
        ),
        migrations.AlterField(
            model_name='case',
            name='source_type',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='来源类型'),
        ),
        migrations.RunPython(drop, create),
    ]
