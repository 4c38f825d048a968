"""Small database helpers for the hot write paths (Open311 intake, the events queue)."""

import contextlib

from django.db import connection, transaction


def own_transaction():
    """For a write that is one statement: a savepoint when the caller is inside a transaction (so a
    failure does not spoil the caller's), nothing otherwise (the statement is a transaction of its
    own, without BEGIN and COMMIT round trips)."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def set_column(model, field: str, values: dict) -> int:
    """UPDATE model SET field = values[pk] WHERE pk IN values; returns the number of rows changed.
    Django's ``bulk_update`` builds the same CASE expression out of ORM objects, and for a batch of a
    hundred rows building it costs more than running it."""
    if not values:
        return 0
    f = model._meta.get_field(field)
    column, db_type = f.column, f.db_type(connection)
    table, pk = model._meta.db_table, model._meta.pk.column
    q = connection.ops.quote_name
    whens = " ".join([f"WHEN %s THEN CAST(%s AS {db_type})"] * len(values))
    marks = ", ".join(["%s"] * len(values))
    sql = f"UPDATE {q(table)} SET {q(column)} = CASE {q(pk)} {whens} END WHERE {q(pk)} IN ({marks})"
    params = [x for pair in values.items() for x in pair] + list(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def columns(model, alias: str) -> str:
    """``alias.col, alias.col, …`` for every concrete field of ``model``, in the order ``instance``
    reads them: for plain SQL that loads whole rows of several models in one statement."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)


def instance(model, values):
    """A ``model`` instance from the values of ``columns(model, …)``, as the ORM would load it: each
    value goes through the converters the ORM applies (SQLite's 0/1 become booleans, its
    timestamps aware datetimes, JSON text a dict)."""
    fields = model._meta.concrete_fields
    out = []
    for (col, converters), value in zip(_converters(model), values, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        out.append(value)
    return model.from_db(connection.alias, [f.attname for f in fields], out)


_CONVERTERS: dict = {}


def _converters(model) -> list:
    """[(column expression, [converter, …])] of the model's concrete fields on this database."""
    key = (connection.vendor, model)
    if key not in _CONVERTERS:
        out = []
        for f in model._meta.concrete_fields:
            col = f.get_col(model._meta.db_table)
            out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
        _CONVERTERS[key] = out
    return _CONVERTERS[key]
