"""The queue's PostgreSQL statements (events/sql.py) against the ORM path: the same service day written both ways
leaves the same tickets, counter and audit entries, and refuses the same things with the same words."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from events import services, sql
from events.models import Desk, QueueTicket
from lib import crypto

pytestmark = pytest.mark.postgres

SKIPPED = {"id", "desk", "token", "issued_at", "taken_at", "called_at", "last_called_at", "phone_encrypted"}
TICKET_FIELDS = [f.attname for f in QueueTicket._meta.concrete_fields if f.name not in SKIPPED]
ENTRY_FIELDS = [f.attname for f in AuditEntry._meta.concrete_fields if f.name not in {"id", "at"}]


def service_day(desk, users):
    """Three residents take numbers, one twice; staff call two; the desk stops taking numbers. What it left."""
    services.ticket_take(desk=desk, session_key="kiosk-1", name="甲")
    services.ticket_take(desk=desk.pk, phone="139 0000 0001", name="乙", priority_reason="elderly")
    services.ticket_take(desk=desk, by=users["staff"], name="丙", channel=QueueTicket.Channel.STAFF)
    with pytest.raises(services.AlreadyQueued) as again:
        services.ticket_take(desk=desk.pk, phone="13900000001")
    called = [services.ticket_call_next(desk=desk, by=users["staff"]) for _ in range(2)]
    Desk.objects.filter(pk=desk.pk).update(is_open=False)
    with pytest.raises(ValidationError) as stopped:
        services.ticket_take(desk=desk.pk, session_key="kiosk-2")
    Desk.objects.filter(pk=desk.pk).update(is_open=True)

    tickets = QueueTicket.objects.filter(desk=desk).order_by("number")
    number_of = {str(t.pk): t.number for t in tickets}
    entries = AuditEntry.objects.filter(object_type="events.queueticket", object_id__in=number_of)
    return {
        "tickets": list(tickets.values(*TICKET_FIELDS)),
        "times": [(bool(t.called_at), t.last_called_at == t.called_at, t.taken_at == t.issued_at) for t in tickets],
        "phones": [crypto.decrypt(t.phone_encrypted) for t in tickets],
        "audit": sorted(
            ({**e, "object_id": number_of[e["object_id"]]} for e in entries.values(*ENTRY_FIELDS)),
            key=lambda e: (e["action"], e["object_id"]),
        ),
        "called": [(t.number, t.label, t.status, t.called_by_id) for t in called],
        "refused": (again.value.ticket.number, again.value.messages, stopped.value.messages),
        "counter": Desk.objects.get(pk=desk.pk).last_number,
    }


def test_the_statements_write_what_the_orm_path_writes(desks, users, monkeypatch):
    legal, _ = desks
    with monkeypatch.context() as m:
        m.setattr(sql, "available", lambda: False)
        orm = service_day(legal, users)
    QueueTicket.objects.filter(desk=legal).delete()
    Desk.objects.filter(pk=legal.pk).update(last_number=0)
    assert sql.available()
    assert service_day(legal, users) == orm
    assert orm["counter"] == 3 and [c[:3] for c in orm["called"]] == [(2, "A002", "called"), (1, "A001", "called")]
