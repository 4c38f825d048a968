"""The audit log partitioned by month on PostgreSQL (lib/partitions.py; docs/decisions.md, "Monthly partitions").

The append-only trigger of 0002 is put back on the partitioned table, where PostgreSQL applies it to every
partition, present and future. Elsewhere (SQLite) nothing changes. The conversion copies the table under an
exclusive lock (docs/operations.md, "Topology past one machine").
"""

from django.db import migrations

from lib import partitions


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partitions.to_partitioned(cursor, "audit_auditentry")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partitions.to_plain(cursor, "audit_auditentry")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(forward, backward)]
