"""Reads for event pages: access helpers and the event report."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum
from django.shortcuts import get_object_or_404

from org.scoping import get_visible_or_404
from volunteers.models import ServiceRecord

from .models import Consultation, Desk, QueueTicket, ServiceEvent, median_p90


def get_event_for_user(user, pk) -> ServiceEvent:
    return get_visible_or_404(ServiceEvent.objects.select_related("organiser", "region"), user, pk=pk)


def get_desk_for_user(user, pk, *, roles=None) -> Desk:
    """A desk of an event the user may see (with ``roles``: only through memberships with those roles)."""
    events = ServiceEvent.objects.visible_to(user, roles=roles)
    return get_object_or_404(Desk.objects.select_related("topic", "event__region").filter(event__in=events), pk=pk)


def get_ticket_for_user(user, pk) -> QueueTicket:
    ticket = get_object_or_404(QueueTicket.objects.select_related("desk__event", "desk__topic"), pk=pk)
    get_event_for_user(user, ticket.desk.event_id)
    return ticket


@dataclass
class DeskReport:
    desk: Desk | None  # None: the event's total row
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    follow_ups: int = 0
    waiting: int = 0
    waits: list = field(default_factory=list)

    @property
    def median_wait(self) -> float | None:
        return median_p90(self.waits)[0]

    @property
    def p90_wait(self) -> float | None:
        return median_p90(self.waits)[1]


@dataclass
class EventReport:
    event: ServiceEvent
    desks: list
    total: DeskReport
    volunteer_hours: Decimal
    volunteers: list  # (name, hours)


def event_report(event: ServiceEvent) -> EventReport:
    """Residents served per desk, waits (first issue to first call; median and 90th percentile),
    no-shows, transfers, follow-up cases and the volunteer hours in the ledger for this day."""

    desks = {d.pk: DeskReport(d) for d in event.desks.select_related("topic")}
    total = DeskReport(desk=None)
    tickets = QueueTicket.objects.filter(desk__event=event).values("desk_id", "status", "issued_at", "called_at")
    for t in tickets:
        row = desks[t["desk_id"]]
        for target in (row, total):
            if t["status"] == QueueTicket.Status.DONE:
                target.served += 1
            elif t["status"] == QueueTicket.Status.NO_SHOW:
                target.no_shows += 1
            elif t["status"] == QueueTicket.Status.TRANSFERRED:
                target.transfers += 1
            elif t["status"] == QueueTicket.Status.WAITING:
                target.waiting += 1
            if t["called_at"] is not None:
                target.waits.append(round((t["called_at"] - t["issued_at"]).total_seconds() / 60, 1))
    for c in Consultation.objects.filter(event=event, case__isnull=False).values("desk_id"):
        desks[c["desk_id"]].follow_ups += 1
        total.follow_ups += 1
    records = ServiceRecord.objects.current().filter(assignment__roster_entry__desk__event=event)
    per_volunteer = list(records.values_list("volunteer__name").annotate(h=Sum("hours")).order_by("volunteer__name"))
    hours = records.aggregate(h=Sum("hours"))["h"] or Decimal("0")
    return EventReport(event, list(desks.values()), total, hours, per_volunteer)
