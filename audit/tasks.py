"""Periodic jobs of the audit log (huey). Operator notes: docs/operations.md, "Topology past one machine"."""

from django.db import connection, transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from lib import partitions


@db_periodic_task(crontab(minute="40", hour="4"))
def create_month_partitions() -> list[str]:
    """Daily on PostgreSQL: this month's and the next three months' partitions of the audit log and the case
    timelines (lib/partitions.py), so a month always has its table before its first row. Idempotent; a missed run
    costs nothing until three months of them are missed, and even then rows land in the default partition."""
    if connection.vendor != "postgresql":
        return []
    with transaction.atomic(), connection.cursor() as cursor:
        return partitions.create_months_ahead(cursor)
