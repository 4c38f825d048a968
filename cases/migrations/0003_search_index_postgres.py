"""PostgreSQL only: GIN index over the search tokens as an array, so a two-character query is one
index probe (cases/search.py; docs/decisions.md). SQLite searches with LIKE and needs nothing."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS case_search_tokens_gin "
    "ON cases_case USING gin (string_to_array(search_tokens, ' '))"
)
DROP = "DROP INDEX IF EXISTS case_search_tokens_gin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_default_categories")]
    operations = [migrations.RunPython(create, drop)]
