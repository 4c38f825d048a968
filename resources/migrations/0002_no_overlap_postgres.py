"""PostgreSQL only: no two holding bookings of one resource overlap, buffer included.

The range is [start, blocked_until) where blocked_until = end + the resource's buffer, so two ranges
overlap exactly when the bookings are closer than the buffer. btree_gist lets the gist index compare
resource_id with "=". SQLite has no exclusion constraints: there the service checks inside a
BEGIN IMMEDIATE transaction, which serialises writers (resources/services.py).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE resources_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
    "(resource_id WITH =, tstzrange(start, blocked_until, '[)') WITH &&) "
    "WHERE (status IN ('confirmed', 'checked_in'))",
]
DROP = ["ALTER TABLE resources_booking DROP CONSTRAINT IF EXISTS booking_no_overlap"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
