"""The cases app's hand-written SQL, fenced: the intake path on PostgreSQL, kept because docs/benchmarks.md
("intake") shows it pays on a path people wait on (a case made inside an API request).

What is here and why:
1. ``insert`` / ``insert_all``: the INSERTs of a batch of intakes (cases, timeline, audit, outbox, Open311 request
   rows). The statement text is made once per model and batch size instead of by the ORM's compiler on every call,
   and on PostgreSQL ``insert_all`` sends several INSERTs as one statement (data-modifying CTEs): one round trip
   instead of one per table.
2. ``insert_unless_taken``: ``ON CONFLICT (idempotency_key) DO NOTHING``, so a replayed key is answered at the
   INSERT without a probe first and without a savepoint.
3. ``reserve_ids``: the cases' ids from the table's sequence, so each case is written once with its number.
4. ``columns`` / ``instances``: several models' rows read in one statement (the routing rule with its unit, an
   Open311 client with its region, the API's region and category).

The rules it keeps: table and column names come from the models (``_meta.db_table``, ``Field.column``); writes
have one PostgreSQL version and every other database takes the plain ORM (``bulk_create``); a model with a field
of a kind not in ``HANDLED`` is refused (``TypeError``) rather than written wrongly; and cases/tests/test_sql.py
writes the same rows through the ORM and through this module and compares their ``values()``.
"""

import functools
import json
from typing import Any

from django.db import connection, models

from notify.contact import contact
from org.models import PERSONAL_DATA_ROLES, Membership, Region, Unit, User
from org.scoping import region_visible_sql
from people.models import Address

from .models import Category, Open311Attribute, Open311Client, RoutingRule


def fast() -> bool:
    """Whether the hand-written statements run here (PostgreSQL) or the ORM does."""
    return connection.vendor == "postgresql"


#: field kinds whose value the INSERT takes from ``get_db_prep_save(pre_save(...))`` exactly as the ORM's
#: ``bulk_create`` does (subclasses included: EmailField is a CharField, BigAutoField an AutoField …)
HANDLED = (
    models.AutoField, models.BigAutoField, models.SmallAutoField, models.BooleanField, models.CharField,
    models.TextField, models.IntegerField, models.BigIntegerField, models.PositiveIntegerField,
    models.PositiveSmallIntegerField, models.SmallIntegerField, models.FloatField, models.DecimalField,
    models.DateTimeField, models.DateField, models.TimeField, models.DurationField, models.UUIDField,
    models.JSONField, models.GenericIPAddressField, models.ForeignKey,
)  # fmt: skip


@functools.cache
def _fields(model, new_keys: bool) -> tuple:
    """The columns an INSERT writes (all, less the primary key where the database assigns it), after checking
    that every field is of a kind this module writes as the ORM would (a FileField's ``pre_save`` stores a file,
    for one: refused)."""
    fields = model._meta.concrete_fields
    odd = [f"{f.name} ({type(f).__name__})" for f in fields if not isinstance(f, HANDLED)]
    if odd:
        raise TypeError(f"cases.sql does not write {model.__name__}: fields of a kind it does not handle: {odd}")
    return tuple(f for f in fields if not (new_keys and f.primary_key))


def _link(obj) -> None:
    """Copy the key of each related object set on ``obj`` into its ``*_id`` (saved since it was assigned), and
    refuse an unsaved one, as ``save()`` and ``bulk_create`` do."""
    for f in obj._meta.concrete_fields:
        if f.is_relation and f.is_cached(obj):
            related = f.get_cached_value(obj)
            if related is None:
                continue
            if related.pk is None:
                raise ValueError(f"{type(obj).__name__}.{f.name}: the related object is not saved yet")
            if getattr(obj, f.attname) != related.pk:
                setattr(obj, f.attname, related.pk)


def _values(objs, fields) -> list:
    """The INSERT's parameters, row after row, prepared as the ORM prepares them."""
    params: list = []
    for o in objs:
        _link(o)
        params.extend(f.get_db_prep_save(f.pre_save(o, True), connection) for f in fields)
    return params


def _saved(objs) -> None:
    """Mark the rows as loaded from this database, as ``bulk_create`` does (``Model._state``)."""
    for o in objs:
        o._state.adding = False
        o._state.db = connection.alias


@functools.cache
def _insert_sql(model, fields: tuple, rows: int, returning: bool, conflict: str | None = None) -> str:
    q = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) VALUES "
    sql += ", ".join([row] * rows)
    if conflict:
        sql += f" ON CONFLICT ({q(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {q(model._meta.pk.column)}"
    return sql


def _chunks(objs, fields):
    size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), size):
        yield objs[start : start + size]


def insert(objs: list) -> list:
    """INSERT unsaved instances of one model, as ``bulk_create`` would (field defaults and ``pre_save``, values
    prepared by each field, keys from RETURNING where the database assigns them; no signals, no ``save()``).
    Returns ``objs``. Elsewhere than PostgreSQL, and for a list mixing rows with and without keys, it is
    ``bulk_create``."""
    if not objs:
        return objs
    model: Any = type(objs[0])  # any model (the look-ups below are cached per model)
    new_keys = objs[0].pk is None
    if not fast() or any((o.pk is None) != new_keys for o in objs):
        model.objects.bulk_create(objs)
        return objs
    fields = _fields(model, new_keys)
    for chunk in _chunks(objs, fields):
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, fields, len(chunk), new_keys), _values(chunk, fields))
            if new_keys:
                for o, (value,) in zip(chunk, cursor.fetchall(), strict=True):
                    setattr(o, model._meta.pk.attname, value)
    _saved(objs)
    return objs


def insert_unless_taken(objs: list, field: str) -> list:
    """``insert`` for rows whose keys are already set (``reserve_ids``), skipping each row whose unique ``field`` is
    taken, also by a transaction that commits meanwhile (ON CONFLICT DO NOTHING: no error, so no savepoint).
    Returns the rows not written. PostgreSQL only: elsewhere the caller inserts in a savepoint and falls back."""
    if not objs:
        return []
    if not fast():
        raise NotImplementedError("insert_unless_taken is PostgreSQL's; elsewhere insert in a savepoint")
    model: Any = type(objs[0])  # any model (the look-ups below are cached per model)
    if any(o.pk is None for o in objs):
        raise ValueError("insert_unless_taken needs the rows' keys")
    fields = _fields(model, False)
    conflict = model._meta.get_field(field).column
    written: set = set()
    for chunk in _chunks(objs, fields):
        with connection.cursor() as cursor:
            cursor.execute(_insert_sql(model, fields, len(chunk), True, conflict), _values(chunk, fields))
            written.update(model._meta.pk.to_python(value) for (value,) in cursor.fetchall())
    _saved([o for o in objs if o.pk in written])
    return [o for o in objs if o.pk not in written]


def insert_all(*groups: list) -> None:
    """``insert`` for several lists of instances (each of one model): on PostgreSQL in one statement (each INSERT a
    data-modifying CTE, the keys the database assigns returned together), saving a round trip per list; elsewhere
    ``bulk_create`` each. Empty lists are skipped."""
    groups = tuple(g for g in groups if g)
    mixed = any(len({o.pk is None for o in g}) > 1 for g in groups)
    if not fast() or len(groups) < 2 or mixed:
        for g in groups:
            insert(g)
        return
    parts, params = [], []
    for n, objs in enumerate(groups):
        model: Any = type(objs[0])  # any model (the look-ups below are cached per model)
        fields = _fields(model, objs[0].pk is None)
        params += _values(objs, fields)
        sql = _insert_sql(model, fields, len(objs), False)
        parts.append(f"i{n} AS ({sql} RETURNING {n}, {connection.ops.quote_name(model._meta.pk.column)})")
    if len(params) > 30000:  # far below PostgreSQL's 65535 parameters of one statement
        for g in groups:
            insert(g)
        return
    union = " UNION ALL ".join(f"SELECT * FROM i{n}" for n in range(len(groups)))
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {union}", params)
        rows = cursor.fetchall()
    keys: dict[int, list] = {}
    for n, value in rows:
        keys.setdefault(n, []).append(value)
    for n, objs in enumerate(groups):
        if objs[0].pk is None:
            for o, value in zip(objs, keys[n], strict=True):
                setattr(o, type(o)._meta.pk.attname, value)
        _saved(objs)


def reserve_ids(model, count: int) -> list[int]:
    """``count`` new ids from the model's table sequence (PostgreSQL only)."""
    if not fast():
        raise NotImplementedError("reserve_ids is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


# -- reading several models' rows in one statement ----------------------------------------------------------------
# Columns an intake never reads and that can be large (a region's GeoJSON boundary): left out of the rows read here,
# so the instance defers them as ``.only()`` would; reading one later costs its own query.
NOT_READ = {Region: {"shape"}}


@functools.cache
def _read_fields(model) -> tuple:
    """The concrete fields of ``model`` read by ``columns``/``instance``, in order."""
    skipped = NOT_READ.get(model, set())
    return tuple(f for f in model._meta.concrete_fields if f.name not in skipped)


def columns(model, alias: str) -> str:
    """``alias.col, alias.col, …`` for the fields of ``model`` this module reads, in the order ``instances`` reads
    them."""
    return _columns(connection.vendor, model, alias)


@functools.cache
def _columns(vendor: str, model, alias: str) -> str:  # made once: every intake asks
    return ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in _read_fields(model))


@functools.cache
def _converters(vendor: str, model) -> tuple:
    """((column expression, [converter, …]), …) of the model's concrete fields on this database: what the ORM
    applies to a value it reads (SQLite's 0/1 become booleans, its timestamps aware datetimes, JSON text a dict)."""
    out = []
    for f in _read_fields(model):
        col = f.get_col(model._meta.db_table)
        out.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
    return tuple(out)


def instance(model, values):
    """A ``model`` instance from the values of ``columns(model, …)``, as the ORM would load it."""
    out = []
    for (col, converters), value in zip(_converters(connection.vendor, model), values, strict=True):
        for converter in converters:
            value = converter(value, col, connection)
        out.append(value)
    return model.from_db(connection.alias, [f.attname for f in _read_fields(model)], out)


def instances(values, *models) -> list:
    """One instance per model from consecutive ``columns(model, …)`` runs of a row, then a tuple of the values
    left after them: ``rule, unit, rest = instances(row, RoutingRule, Unit)``."""
    out, start = [], 0
    for model in models:
        end = start + len(_read_fields(model))
        out.append(instance(model, values[start:end]))
        start = end
    return [*out, tuple(values[start:])]


# -- the routing rule of an intake ---------------------------------------------------------------------------------
def routing_rule(*, paths: list[str], categories: list[int]) -> RoutingRule | None:
    """``cases.routing.find_routing_rule`` in one statement (PostgreSQL): the rule, its main unit, its co-units as
    ``co_unit_names`` and the main unit's members' contacts as ``unit_contacts``, the two lists aggregated as JSON."""
    rr, unit, region = RoutingRule._meta.db_table, Unit._meta.db_table, Region._meta.db_table
    members = f"SELECT m.user_id FROM {Membership._meta.db_table} m WHERE m.unit_id = rr.main_unit_id"
    co_units_sql = (
        f"SELECT json_agg(json_build_array(cu.id, cu.name) ORDER BY cr.path, cu.name)"
        f" FROM {RoutingRule.co_units.through._meta.db_table} c JOIN {unit} cu ON cu.id = c.unit_id"
        f" JOIN {region} cr ON cr.id = cu.region_id WHERE c.routingrule_id = rr.id"
    )
    people_sql = (
        f"SELECT json_agg(json_build_array(mu.phone, mu.email) ORDER BY mu.id) FROM {User._meta.db_table} mu"
        f" WHERE mu.id IN ({members})"
    )
    statement = (
        f"SELECT {columns(RoutingRule, 'rr')}, {columns(Unit, 'u')}, ({co_units_sql}), ({people_sql}) FROM {rr} rr"
        f" JOIN {region} r ON r.id = rr.region_id JOIN {unit} u ON u.id = rr.main_unit_id"
        f" WHERE r.path = ANY(%s) AND (rr.category_id = ANY(%s) OR rr.category_id IS NULL)"
        " ORDER BY r.depth DESC, CASE WHEN rr.category_id = %s THEN 0 WHEN rr.category_id IS NULL THEN 2 ELSE 1 END"
        " LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [paths, categories, categories[0]])
        found = cursor.fetchone()
    if found is None:
        return None
    rule, rule.main_unit, lists = instances(found, RoutingRule, Unit)
    co_units, people = (json.loads(v) if isinstance(v, str) else v or [] for v in lists)  # json: loaded, or text
    rule.co_unit_names = [(pk, name) for pk, name in co_units]
    rule.unit_contacts = [c for c in (contact(phone, email) for phone, email in people) if c]
    return rule


# -- Open311: the region of a point -------------------------------------------------------------------------------
def nearest_region_ids(points: list[tuple], box) -> dict:
    """``cases.open311_services._nearest_region_ids`` in one statement for all the points (a correlated subquery
    each): {key: region id of the known address nearest to (lat, long) within ``box`` degrees, under path}."""
    nearest = (
        f"SELECT a.region_id FROM {Address._meta.db_table} a JOIN {Region._meta.db_table} r ON r.id = a.region_id"
        " WHERE r.path LIKE p.path AND a.latitude BETWEEN p.lat - %s AND p.lat + %s"
        " AND a.longitude BETWEEN p.lng - %s AND p.lng + %s"
        " ORDER BY (a.latitude - p.lat) * (a.latitude - p.lat) + (a.longitude - p.lng) * (a.longitude - p.lng), a.id"
        " LIMIT 1"
    )
    wanted = " UNION ALL ".join(["SELECT %s AS k, %s AS path, %s::numeric AS lat, %s::numeric AS lng"] * len(points))
    params = []
    for key, path, lat, long in points:
        params += [key, path + "%", lat, long]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT p.k, ({nearest}) FROM ({wanted}) p", [box, box, box, box] + params)
        return {key: region_id for key, region_id in cursor.fetchall() if region_id is not None}


# -- the API's and Open311's look-ups of each request --------------------------------------------------------------
def region_and_category(user, region_id: int, code: str) -> tuple:
    """(the region ``region_id`` if ``user`` may see it (PERSONAL_DATA_ROLES) else None, the active category of
    ``code`` or None), in one statement: the REST intake's checks (``cases.api``)."""
    where, params = region_visible_sql(user, roles=PERSONAL_DATA_ROLES, path="g.path")
    statement = (
        f"SELECT {columns(Region, 'g')}, {columns(Category, 'c')} FROM (SELECT 1 AS one) x"
        f" LEFT JOIN {Region._meta.db_table} g ON g.id = %s AND {where}"
        f" LEFT JOIN {Category._meta.db_table} c ON c.code = %s AND c.is_active"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [region_id, *params, code])
        row = cursor.fetchone()
    n = len(_read_fields(Region))
    region = instance(Region, row[:n]) if row[0] is not None else None
    category = instance(Category, row[n:]) if row[n] is not None else None
    return region, category


def _service_columns(alias: str) -> str:
    """A category's columns and whether it asks any attribute (read with ``_service_from``)."""
    attrs = Open311Attribute._meta.db_table
    return f"{columns(Category, alias)}, EXISTS (SELECT 1 FROM {attrs} a WHERE a.category_id = {alias}.id)"


def _service_from(values) -> Category | None:
    if values[0] is None:
        return None
    category = instance(Category, values[:-1])
    category.has_attributes = bool(values[-1])
    return category


def service(code: str) -> Category | None:
    """The active Open311 service (category) of ``code`` with ``has_attributes``, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_service_columns('g')} FROM {Category._meta.db_table} g WHERE g.code = %s AND g.is_active", [code]
        )
        row = cursor.fetchone()
    return _service_from(row) if row else None


def partner_with_region(key_hash: str, service_code: str | None = None) -> Open311Client | None:
    """The active Open311 client with this key hash and its region (and, with ``service_code``, the service as
    ``client.prefetched_service``), in one statement: every Open311 POST asks."""
    extra = f", {_service_columns('g')}" if service_code else ""
    statement = (
        f"SELECT {columns(Open311Client, 'c')}, {columns(Region, 'r')}{extra}"
        f" FROM {Open311Client._meta.db_table} c JOIN {Region._meta.db_table} r ON r.id = c.region_id"
        + (f" LEFT JOIN {Category._meta.db_table} g ON g.code = %s AND g.is_active" if service_code else "")
        + " WHERE c.key_hash = %s AND c.is_active"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [service_code, key_hash] if service_code else [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    client, client.region, rest = instances(row, Open311Client, Region)
    if service_code:
        client.prefetched_service = (service_code, _service_from(rest))
    return client
