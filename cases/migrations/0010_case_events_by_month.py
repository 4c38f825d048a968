"""Case timelines partitioned by month on PostgreSQL (lib/partitions.py; docs/decisions.md, "Monthly partitions").

The attachment's reference to its event loses its database constraint first: a partitioned table's primary key is
(id, at), which a reference to the id alone cannot use. Elsewhere (SQLite) only that constraint goes.

The conversion copies the table under an exclusive lock: about a minute per few million events; on a large
deployment run this release's `migrate` in a quiet hour (docs/operations.md, "Topology past one machine").
"""

import django.db.models.deletion
from django.db import migrations, models

from lib import partitions


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partitions.to_partitioned(cursor, "cases_caseevent")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            partitions.to_plain(cursor, "cases_caseevent")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0009_fewer_case_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="attachment",
            name="event",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="attachments",
                to="cases.caseevent",
                verbose_name="办理记录",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
