"""The queue's two hand-written statements, for PostgreSQL: take-number and call-next, each one statement that
changes the queue and appends its audit entry.

Why they exist: run outside a transaction, such a statement is a transaction of its own, so the desk's counter row
is locked only while PostgreSQL runs it, never while a busy app server sends the next statement; on the service-day
load test the queue's p99 went from 108 ms to 23 ms (docs/benchmarks.md, "queue"; docs/events.md, "Load test and
what limits it"). Nothing else in events is written by hand, and on any other database (and wherever
``available()`` is false) ``events.services`` takes the plain ORM path, which writes the same rows:
events/tests/test_queue_sql.py compares the two.

Tables and columns come from the models' ``_meta``; the statements are built once per process.
"""

import functools

from django.db import DEFAULT_DB_ALIAS, connections

from audit.models import AuditEntry

from .models import Desk, QueueTicket, ServiceEvent


def available() -> bool:
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def _q(name: str) -> str:
    return connections[DEFAULT_DB_ALIAS].ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _col(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


class _InsertSelect:
    """INSERT … SELECT of one model's row inside a statement: the column list, the SELECT expressions, and the
    parameters for a given instance. Columns in ``computed`` (keyed by field name) take SQL expressions over what
    the statement produces (a ``%s`` in one stands for the instance's own value of that column); the others take
    the instance's values."""

    def __init__(self, model, computed: dict[str, str]):
        connection = connections[DEFAULT_DB_ALIAS]
        self.fields = []  # whose values are parameters, in order
        columns, values = [], []
        for field in model._meta.concrete_fields:
            if field.primary_key:
                continue
            columns.append(_q(field.column))
            expression = computed.get(field.name, "%s")
            if "%s" in expression:
                expression = expression.replace("%s", f"CAST(%s AS {field.cast_db_type(connection)})")
                self.fields.append(field)
            values.append(expression)
        self.columns, self.values = ", ".join(columns), ", ".join(values)

    def params(self, instance) -> list:
        connection = connections[DEFAULT_DB_ALIAS]
        return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in self.fields]


def _label(prefix: str, number: str) -> str:
    """QueueTicket.label in SQL: the desk prefix and the number with at least three digits (A007, A1024)."""
    return f"{prefix} || to_char({number}, 'FM9999999000')"


@functools.cache
def _take_statement() -> tuple[str, _InsertSelect, _InsertSelect]:
    """Bump the desk's counter (if the desk takes numbers and its event has not ended), insert the ticket with
    that number and its audit entry; answer the ticket's id and number and the desk's event id and prefix."""
    desks, last_number = _table(Desk), _col(Desk, "last_number")
    ticket = _InsertSelect(QueueTicket, {"desk": "desk.id", "number": "desk.last_number"})
    entry = _InsertSelect(
        AuditEntry,
        {
            "object_id": "CAST(ticket.id AS text)",
            "object_repr": _label("desk.prefix", "ticket.number"),
            "region": "desk.region_id",
            "detail": "%s || jsonb_build_object('number', ticket.number)",
        },
    )
    sql = f"""
        WITH desk AS (
            UPDATE {desks} SET {last_number} = {last_number} + 1
            FROM {_table(ServiceEvent)} event
            WHERE {desks}.{_col(Desk, "id")} = %s AND {desks}.{_col(Desk, "is_open")}
                AND event.{_col(ServiceEvent, "id")} = {desks}.{_col(Desk, "event")}
                AND event.{_col(ServiceEvent, "status")} <> %s
            RETURNING {desks}.{_col(Desk, "id")} AS id, {desks}.{last_number} AS last_number,
                {desks}.{_col(Desk, "event")} AS event_id, {desks}.{_col(Desk, "prefix")} AS prefix,
                event.{_col(ServiceEvent, "region")} AS region_id
        ), ticket AS (
            INSERT INTO {_table(QueueTicket)} ({ticket.columns}) SELECT {ticket.values} FROM desk
            RETURNING {_col(QueueTicket, "id")} AS id, {_col(QueueTicket, "number")} AS number
        ), entry AS (
            INSERT INTO {_table(AuditEntry)} ({entry.columns}) SELECT {entry.values} FROM desk, ticket
        )
        SELECT ticket.id, ticket.number, desk.event_id, desk.prefix FROM ticket, desk
    """
    return sql, ticket, entry


def take_number(ticket: QueueTicket, entry: AuditEntry) -> tuple[int, str] | None:
    """Counter, ticket and audit entry in one statement. Fills in the ticket's id and number and returns the desk's
    event id and prefix; None when the desk gave no number (missing, stopped, or its event closed)."""
    sql, ticket_insert, entry_insert = _take_statement()
    connection = connections[DEFAULT_DB_ALIAS]
    params = [ticket.desk_id, ServiceEvent.Status.CLOSED, *ticket_insert.params(ticket), *entry_insert.params(entry)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    ticket.pk, ticket.number, event_id, prefix = row
    ticket._state.adding, ticket._state.db = False, connection.alias
    return event_id, prefix


@functools.cache
def _call_next_statement() -> tuple[str, _InsertSelect]:
    """Lock the first waiting ticket in call order (``TicketQuerySet.in_call_order``, skipping rows another caller
    holds), flip it to called and append the audit entry, answering the ticket's row in model field order."""
    tickets = _table(QueueTicket)
    pk, number, status = _col(QueueTicket, "id"), _col(QueueTicket, "number"), _col(QueueTicket, "status")
    columns = ", ".join(_col(QueueTicket, f.name) for f in QueueTicket._meta.concrete_fields)
    entry = _InsertSelect(
        AuditEntry,
        # object_repr's own value is the desk's prefix; the statement appends the number
        {"object_id": f"CAST(ticket.{pk} AS text)", "object_repr": _label("%s", f"ticket.{number}")},
    )
    sql = f"""
        WITH ticket AS (
            UPDATE {tickets} SET {status} = %s, {_col(QueueTicket, "called_at")} = %s,
                {_col(QueueTicket, "last_called_at")} = %s, {_col(QueueTicket, "call_count")} = 1,
                {_col(QueueTicket, "called_by")} = %s
            WHERE {pk} = (
                SELECT {pk} FROM {tickets} WHERE {_col(QueueTicket, "desk")} = %s AND {status} = %s
                ORDER BY {_col(QueueTicket, "priority")} DESC, {_col(QueueTicket, "issued_at")}, {pk}
                LIMIT 1 FOR UPDATE SKIP LOCKED
            ) AND {status} = %s
            RETURNING {columns}
        ), entry AS (
            INSERT INTO {_table(AuditEntry)} ({entry.columns}) SELECT {entry.values} FROM ticket
        )
        SELECT {columns} FROM ticket
    """
    return sql, entry


def call_next(*, desk: Desk, entry: AuditEntry, now, by_id) -> QueueTicket | None:
    """Call the next waiting ticket at ``desk`` and append ``entry`` (its object_repr: the desk's prefix), in one
    statement; None if nobody waits."""
    sql, entry_insert = _call_next_statement()
    connection = connections[DEFAULT_DB_ALIAS]
    waiting, called = QueueTicket.Status.WAITING, QueueTicket.Status.CALLED
    params = [called, now, now, by_id, desk.pk, waiting, waiting, *entry_insert.params(entry)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    ticket = QueueTicket.from_db(connection.alias, [f.attname for f in QueueTicket._meta.concrete_fields], row)
    ticket.desk = desk
    return ticket
