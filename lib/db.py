"""Transaction helpers for writes that are one statement (the events queue, Open311 intake). The hand-written
SQL of the case intake lives in cases/sql.py."""

import contextlib

from django.db import connection, transaction


def own_transaction():
    """For a write that is one statement: a savepoint when the caller is inside a transaction (so a
    failure does not spoil the caller's), nothing otherwise (the statement is a transaction of its
    own, without BEGIN and COMMIT round trips)."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
