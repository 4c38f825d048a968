"""Small database helpers for the hot paths (case intake, the events queue): plain SQL where building the
ORM's query costs more than running it."""

import contextlib
import functools

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
    return _columns(connection.vendor, model, alias)


@functools.cache
def _columns(vendor: str, model, alias: str) -> str:  # made once: every intake asks
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


def instances(values, *models) -> list:
    """One instance per model from consecutive ``columns(model, …)`` runs of a row, then a tuple of
    the values left after them: ``rule, unit, rest = instances(row, RoutingRule, Unit)``."""
    out, start = [], 0
    for model in models:
        end = start + len(model._meta.concrete_fields)
        out.append(instance(model, values[start:end]))
        start = end
    return [*out, tuple(values[start:])]


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


def insert(objs: list) -> list:
    """INSERT unsaved instances of one model, as ``bulk_create`` would (field defaults and
    ``pre_save``, values prepared by each field, primary keys set from RETURNING where the database
    assigns them), with the statement's text made once per model and batch size instead of by the
    ORM's compiler on every call: on the intake path that compiler cost more than the INSERTs.
    No signals, no ``save()`` (as ``bulk_create``). Returns ``objs``."""
    if not objs:
        return objs
    model = type(objs[0])
    if _mixed(objs):
        return model.objects.bulk_create(objs)  # some keys set, some not: the ORM sorts them out
    new_keys = objs[0].pk is None  # the database assigns the keys
    fields = _fields(model, new_keys)
    size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, fields, len(chunk), new_keys), _values(chunk, fields))
            if new_keys:
                for o, (value,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(o, model._meta.pk.attname, value)
    _saved(objs)
    return objs


def insert_unless_taken(objs: list, field: str) -> list:
    """``insert`` for rows whose keys are already set, skipping each row whose unique ``field`` is
    taken, also by a transaction that commits meanwhile (ON CONFLICT DO NOTHING: no error, so no
    savepoint is needed around it). Returns the rows not written."""
    if not objs:
        return []
    model = type(objs[0])
    if any(o.pk is None for o in objs):
        raise ValueError("insert_unless_taken needs the rows' keys")
    fields = _fields(model, False)
    conflict = model._meta.get_field(field).column
    written: set = set()
    size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), size):
        chunk = objs[start : start + size]
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, fields, len(chunk), True, conflict=conflict), _values(chunk, fields))
            written.update(model._meta.pk.to_python(value) for (value,) in cursor.fetchall())
    _saved([o for o in objs if o.pk in written])
    return [o for o in objs if o.pk not in written]


def insert_all(*groups: list) -> None:
    """``insert`` for several lists of instances (each of one model) at once: on PostgreSQL in one
    statement (each INSERT a data-modifying CTE, the keys the database assigns returned together),
    saving a round trip per list; elsewhere one ``insert`` each. Empty lists are skipped."""
    lists = [g for g in groups if g]
    if connection.vendor != "postgresql" or len(lists) < 2 or any(_mixed(g) for g in lists):
        for g in lists:
            insert(g)
        return
    parts, params = [], []
    for n, objs in enumerate(lists):
        model = type(objs[0])
        fields = _fields(model, objs[0].pk is None)
        params += _values(objs, fields)
        sql = _insert_sql(model, fields, len(objs), returning=False)
        parts.append(f"i{n} AS ({sql} RETURNING {n}, {connection.ops.quote_name(model._meta.pk.column)})")
    if len(params) > 30000:  # far below PostgreSQL's 65535 parameters of one statement
        for g in lists:
            insert(g)
        return
    union = " UNION ALL ".join(f"SELECT * FROM i{n}" for n in range(len(lists)))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {union}", params)
        rows = cursor.fetchall()
    keys: dict[int, list] = {}
    for n, value in rows:
        keys.setdefault(n, []).append(value)
    for n, objs in enumerate(lists):
        if objs[0].pk is None:
            for o, value in zip(objs, keys[n], strict=True):
                setattr(o, type(o)._meta.pk.attname, value)
        _saved(objs)


def _mixed(objs) -> bool:
    return len({o.pk is None for o in objs}) > 1


def _fields(model, new_keys: bool) -> list:
    """The columns an INSERT writes: all, less the primary key where the database assigns it."""
    return [f for f in model._meta.concrete_fields if not (new_keys and f.primary_key)]


def _values(objs, fields) -> list:
    """The INSERT's parameters, row after row, prepared as the ORM prepares them."""
    params: list = []
    for o in objs:
        o._prepare_related_fields_for_save(operation_name="insert")  # keys of related rows saved since
        params.extend(f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields)
    return params


def _saved(objs) -> None:
    for o in objs:
        o._state.adding = False
        o._state.db = connection.alias


_INSERT_SQL: dict = {}


def _insert_sql(model, fields, rows: int, returning: bool, conflict: str | None = None) -> str:
    key = (connection.vendor, model, rows, returning, len(fields), conflict)  # the text, made once
    if key not in _INSERT_SQL:
        q = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) VALUES "
        sql += ", ".join([row] * rows)
        if conflict:
            sql += f" ON CONFLICT ({q(conflict)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {q(model._meta.pk.column)}"
        _INSERT_SQL[key] = sql
    return _INSERT_SQL[key]
