"""State changes of service days, desks, rosters and queues.

Keyword-only functions, one transaction each, the actor passed as ``by``; each writes the audit log.
The queue functions are written for many phones and desks at once (see docs/events.md):

* numbers come from the desk's counter row (``last_number + 1``), bumped in the same statement (PostgreSQL) or
  transaction (elsewhere) that inserts the ticket, backed by UniqueConstraint(desk, number);
* call-next locks the first waiting ticket with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (two staff at one
  desk each get a different ticket instead of waiting on each other) and flips it with a conditional update,
  so a ticket never goes to two callers;
* on PostgreSQL take-number and call-next are each one statement with their audit entry (events/sql.py); the
  ORM path writes the same rows everywhere else.
"""

import datetime
from dataclasses import dataclass
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import build as audit_entry
from audit.services import record as audit
from cases.actions.intake import case_create
from guides.models import Guide
from guides.services import answer_mark
from lib import crypto
from lib import phone as phones
from lib.db import own_transaction
from lib.masking import mask_phone
from notify.services import send
from org.actors import Actor, user_id_of, user_of
from org.models import Region, Unit
from people.models import Resident
from volunteers.models import Assignment, Volunteer
from volunteers.services import assignment_offer, shift_sign_out

from . import sql
from .models import Consultation, Desk, DeskTopic, QueueTicket, RosterEntry, ServiceEvent

# How many recent completions the wait estimate averages over (docs/events.md).
RECENT_COMPLETIONS = 10


class AlreadyQueued(ValidationError):
    """The person already holds an open ticket at this desk; ``ticket`` is that ticket."""

    def __init__(self, ticket):
        super().__init__(_("您在这个咨询台已有一个号，请勿重复取号。"))
        self.ticket = ticket


# Events and desks ------------------------------------------------------------------------------
@transaction.atomic
def event_create(
    *,
    title: str,
    region: Region,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    organiser: Unit,
    by: Actor,
    partners=(),
    description: str = "",
    latitude=None,
    longitude=None,
) -> ServiceEvent:
    if starts_at >= ends_at:
        raise ValidationError(_("开始时间必须早于结束时间。"))
    event = ServiceEvent.objects.create(
        title=title,
        region=region,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        organiser=organiser,
        description=description,
        latitude=latitude,
        longitude=longitude,
        created_by=user_of(by),
    )
    event.partners.set(partners)
    audit(actor=by, action="events.event.create", obj=event)
    return event


@transaction.atomic
def event_set_status(*, event: ServiceEvent, status: str, by: Actor) -> ServiceEvent:
    """筹备中 ⇄ 进行中, set by staff on the day. 结束 goes through ``event_close`` (it writes the service hours);
    an ended day is not reopened, since its ledger is written. Conditional update: of two people changing the
    status at once, the second is told what it became."""
    if status not in ServiceEvent.Status.values:
        raise ValidationError(_("活动状态无效。"))
    if status == ServiceEvent.Status.CLOSED:
        event_close(event=event, by=by)
        event.refresh_from_db()
        return event
    changed = ServiceEvent.objects.filter(pk=event.pk).exclude(status=ServiceEvent.Status.CLOSED).update(status=status)
    if not changed:
        raise ValidationError(_("活动已结束，不能再更改状态。"))
    event.refresh_from_db()
    audit(actor=by, action="events.event.status", obj=event, detail={"status": status})
    return event


@transaction.atomic
def desk_add(
    *, event: ServiceEvent, topic: DeskTopic, by: Actor, name: str = "", prefix: str = "", default_minutes: int = 8
) -> Desk:
    prefix = (prefix or "").strip().upper()
    if not prefix:
        used = set(event.desks.values_list("prefix", flat=True))
        prefix = next(c for c in "ABCDEFGHJKLMNPQRSTUVWXYZ" if c not in used)
    if event.desks.filter(prefix=prefix).exists():
        raise ValidationError(_("同一活动中号码前缀不能重复。"))
    desk = Desk.objects.create(
        event=event,
        topic=topic,
        name=name or _("%(topic)s咨询台") % {"topic": topic.name},
        prefix=prefix,
        default_minutes=default_minutes,
        order=event.desks.count(),
    )
    audit(actor=by, action="events.desk.add", obj=event, detail={"desk": desk.name})
    return desk


@transaction.atomic
def roster_add(
    *,
    desk: Desk,
    volunteer: Volunteer,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by: Actor,
    is_lead: bool = False,
    score: float | None = None,
) -> RosterEntry:
    """Offer a desk shift to a volunteer (one click from the matching list); they confirm on the phone."""
    event = desk.event
    if RosterEntry.objects.filter(
        desk=desk, assignment__volunteer=volunteer, assignment__status__in=["offered", "accepted"]
    ).exists():
        raise ValidationError(_("该志愿者已在这个咨询台的排班中。"))
    organisation = event.partners.filter(engagements__volunteer=volunteer).first()
    assignment = assignment_offer(
        volunteer=volunteer,
        activity=f"{event.title}·{desk.name}",
        region=event.region,
        by=by,
        place=event.place,
        organisation=organisation,
        starts_at=starts_at,
        ends_at=ends_at,
        score=score,
    )
    return RosterEntry.objects.create(desk=desk, assignment=assignment, is_lead=is_lead)


# Queue: one statement per request on PostgreSQL ------------------------------------------------
# Take-number and call-next are each one data-modifying statement on PostgreSQL (events/sql.py) that changes the
# queue and appends the audit entry; elsewhere the same rows are written through the ORM, step by step.
def _audit_entry(*, by, action: str, detail: dict | None = None) -> AuditEntry:
    """The entry ``audit.services.record`` appends for a queue ticket, unsaved: the queue writes below fill in the
    ticket's id, label and region as they write it."""
    entry = audit_entry(actor=by, action=action, detail=detail)
    entry.object_type = QueueTicket._meta.label_lower
    return entry


# Queue: take a number --------------------------------------------------------------------------
def person_key_for(*, resident: Resident | None = None, phone: str = "", session_key: str = "") -> str:
    if resident is not None:
        return f"r:{resident.pk}"
    if phone:
        return "p:" + crypto.lookup_hash(phone)[:40]
    if session_key:
        return "s:" + session_key[:60]
    return ""


def ticket_take(
    *,
    desk: Desk | int,
    by: Actor = None,
    name: str = "",
    phone: str = "",
    resident: Resident | None = None,
    priority_reason: str = "",
    channel: str = QueueTicket.Channel.PHONE,
    session_key: str = "",
    issued_at: datetime.datetime | None = None,
    transferred_from: QueueTicket | None = None,
) -> QueueTicket:
    """Give the next number at ``desk`` (a Desk, or just its id: the API does not read the desk first).
    Raises AlreadyQueued if this person already waits there, Desk.DoesNotExist if there is no such desk.

    Everything but the number is prepared before the desk's counter row is locked (other phones at this desk wait
    for that lock). Then, in one step (a savepoint when called inside a transaction, e.g. a transfer): bump the
    counter with UPDATE … RETURNING, insert the ticket, write the audit entry. If the insert hits the
    one-open-ticket-per-person constraint, the whole step rolls back (the counter too, so numbers stay gapless)
    and AlreadyQueued carries the ticket the person already holds. No read before the write: the constraints decide.
    """
    phone = phones.clean(phone)  # the call reminder is a text message: mobiles only
    key = person_key_for(resident=resident, phone=phone, session_key=session_key)
    desk_id = desk.pk if isinstance(desk, Desk) else desk
    now = timezone.now()
    ticket = QueueTicket(
        desk_id=desk_id,
        number=0,  # from the counter
        issued_at=issued_at or now,
        taken_at=now,
        channel=channel,
        name=name[:30],
        phone_encrypted=crypto.encrypt(phone),
        phone_masked=mask_phone(phone) if phone else "",
        resident=resident,
        person_key=key,
        priority=bool(priority_reason),
        priority_reason=priority_reason or "",
        transferred_from=transferred_from,
    )
    entry = _audit_entry(by=by, action="events.ticket.take", detail={"desk": desk_id, "channel": channel})
    try:
        if sql.available():
            with own_transaction():
                desk = _take_in_one_statement(ticket, entry, desk)
        else:
            desk = _take_step_by_step(ticket, entry, desk)
    except IntegrityError:
        existing = (
            QueueTicket.objects.filter(desk_id=desk_id, person_key=key, status__in=QueueTicket.OPEN_STATUSES)
            .select_related("desk")
            .first()
        )
        if key and existing is not None:
            raise AlreadyQueued(existing) from None
        raise
    ticket.desk = desk
    return ticket


def _take_in_one_statement(ticket: QueueTicket, entry: AuditEntry, desk: Desk | int) -> Desk:
    """PostgreSQL: counter, ticket and audit entry in one statement. Returns the desk (when only its id was given,
    one with the id, event and prefix loaded, the other fields deferred)."""
    taken = sql.take_number(ticket, entry)
    if taken is None:
        _refuse_number(ticket.desk_id)
    if isinstance(desk, Desk):
        return desk
    event_id, prefix = taken
    return Desk.from_db(ticket._state.db, ["id", "event_id", "prefix"], [ticket.desk_id, event_id, prefix])


def _take_step_by_step(ticket: QueueTicket, entry: AuditEntry, desk: Desk | int) -> Desk:
    """The ORM path (SQLite, whose writers are serialised): the same step as one transaction."""
    if not isinstance(desk, Desk):
        desk = Desk.objects.select_related("event").get(pk=desk)
    if desk.event.status == ServiceEvent.Status.CLOSED:
        raise ValidationError(_("活动已结束，不能再取号。"))
    with transaction.atomic():
        number = _next_number(desk.pk)
        if number is None:
            _refuse_number(desk.pk)
        ticket.number = number
        ticket.save(force_insert=True)
        ticket.desk = desk
        entry.object_id, entry.object_repr = str(ticket.pk), ticket.label
        entry.region_id, entry.detail["number"] = desk.event.region_id, number
        entry.save(force_insert=True)
    return desk


def _next_number(desk_id: int) -> int | None:
    """Increment the desk's counter and return the new number (None: the desk is closed). The UPDATE locks the
    counter row until the caller's transaction ends."""
    if not Desk.objects.filter(pk=desk_id, is_open=True).update(last_number=F("last_number") + 1):
        return None
    return Desk.objects.values_list("last_number", flat=True).get(pk=desk_id)


def _refuse_number(desk_id: int) -> NoReturn:
    """Why the desk gave no number: no such desk, its event has ended, or it stopped taking numbers."""
    desk = Desk.objects.select_related("event").get(pk=desk_id)  # Desk.DoesNotExist if there is none
    if desk.event.status == ServiceEvent.Status.CLOSED:
        raise ValidationError(_("活动已结束，不能再取号。"))
    raise ValidationError(_("这个咨询台已停止取号。"))


# Queue: desk staff ------------------------------------------------------------------------------
def _flip(ticket: QueueTicket, from_statuses, **changes) -> QueueTicket:
    changed = QueueTicket.objects.filter(pk=ticket.pk, status__in=list(from_statuses)).update(**changes)
    if not changed:
        raise ValidationError(_("号码 %(label)s 的状态已变化，请刷新页面。") % {"label": ticket.label})
    ticket.refresh_from_db()
    return ticket


def ticket_call_next(*, desk: Desk, by: Actor) -> QueueTicket | None:
    """Call the next waiting ticket at the desk (priority first, then original issue time); None if nobody waits.

    The ticket is flipped and the audit entry written together (on PostgreSQL in one statement, a transaction of
    its own); a resident who left a phone number then gets the text message, queued in a transaction of its own."""
    now = timezone.now()
    by_id = user_id_of(by)
    entry = _audit_entry(by=by, action="events.ticket.call")
    entry.region_id = desk.event.region_id
    if sql.available():
        entry.object_repr = desk.prefix
        ticket = sql.call_next(desk=desk, entry=entry, now=now, by_id=by_id)
    else:
        ticket = _call_next_step_by_step(desk, entry, now=now, by_id=by_id)
    if ticket is not None:
        _notify_called(ticket)
    return ticket


@transaction.atomic
def _call_next_step_by_step(desk: Desk, entry: AuditEntry, *, now, by_id) -> QueueTicket | None:
    """The ORM path: read the head of the queue, then flip it conditionally (SQLite serialises writers, so the
    retry is for other databases)."""
    for _attempt in range(5):
        head = QueueTicket.objects.filter(desk=desk).waiting().in_call_order().first()
        if head is None:
            return None
        if QueueTicket.objects.filter(pk=head.pk, status=QueueTicket.Status.WAITING).update(
            status=QueueTicket.Status.CALLED, called_at=now, last_called_at=now, call_count=1, called_by_id=by_id
        ):
            head.status, head.called_at, head.last_called_at, head.call_count = "called", now, now, 1
            head.called_by_id = by_id
            head.desk = desk
            entry.object_id, entry.object_repr = str(head.pk), head.label
            entry.save(force_insert=True)
            return head
    return None


def _notify_called(ticket: QueueTicket) -> None:
    phone = crypto.decrypt(ticket.phone_encrypted)
    if not phone:
        return
    send(
        to=phone,
        body=_("【民呼】请 %(label)s 号到%(desk)s咨询。") % {"label": ticket.label, "desk": ticket.desk.name},
        purpose="events.ticket.call",
        related=ticket,
    )


@transaction.atomic
def ticket_recall(*, ticket: QueueTicket, by: Actor) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], last_called_at=timezone.now(), call_count=ticket.call_count + 1)
    _notify_called(ticket)
    audit(actor=by, action="events.ticket.recall", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: QueueTicket, by: Actor) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], status=QueueTicket.Status.NO_SHOW, finished_at=timezone.now())
    audit(actor=by, action="events.ticket.no_show", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: QueueTicket, by: Actor) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], status=QueueTicket.Status.SERVING, started_at=timezone.now())
    audit(actor=by, action="events.ticket.start", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: QueueTicket, by: Actor = None) -> QueueTicket:
    ticket = _flip(
        ticket, [QueueTicket.Status.WAITING], status=QueueTicket.Status.CANCELLED, finished_at=timezone.now()
    )
    audit(actor=by, action="events.ticket.cancel", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket: QueueTicket, to_desk: Desk, by: Actor) -> QueueTicket:
    """Send the resident to another desk. The new ticket keeps the original issue time, so the resident
    is placed by when they first queued, not at the back."""
    if to_desk.pk == ticket.desk_id:
        raise ValidationError(_("不能转到同一个咨询台。"))
    if to_desk.event_id != ticket.desk.event_id:
        raise ValidationError(_("只能转到同一活动的咨询台。"))
    old = _flip(ticket, QueueTicket.OPEN_STATUSES, status=QueueTicket.Status.TRANSFERRED, finished_at=timezone.now())
    # The person key moves with them to the new ticket: say so at once if they already hold a number there.
    existing = (
        QueueTicket.objects.filter(desk=to_desk, person_key=old.person_key, status__in=QueueTicket.OPEN_STATUSES)
        .exclude(person_key="")
        .first()
    )
    if existing is not None:
        raise ValidationError(_("该居民在目标咨询台已有号码 %(label)s。") % {"label": existing.label})
    new = ticket_take(
        desk=to_desk,
        by=by,
        name=old.name,
        phone=crypto.decrypt(old.phone_encrypted),
        resident=old.resident,
        priority_reason=old.priority_reason,
        channel=old.channel,
        issued_at=old.issued_at,
        transferred_from=old,
        session_key=old.person_key[2:] if old.person_key.startswith("s:") else "",
    )
    audit(
        actor=by,
        action="events.ticket.transfer",
        obj=old,
        region=to_desk.event.region,
        detail={"to_desk": to_desk.pk, "new_ticket": new.pk},
    )
    return new


TITLE_CHARS = 24
_SENTENCE_END = "。！？；!?;\n"


def short_title(text: str, limit: int = TITLE_CHARS) -> str:
    """A case title from what the resident asked: the first sentence if it is short, else its first ``limit``
    characters and "…". The whole text stays in the description."""
    text = " ".join((text or "").split())
    first = text
    for i, ch in enumerate(text):
        if ch in _SENTENCE_END:
            first = text[: i + 1] if ch in "？?" else text[:i]
            break
    first = first.strip("，, ")
    return first if len(first) <= limit else first[:limit].rstrip("，, ") + "…"


@transaction.atomic
def ticket_finish(
    *,
    ticket: QueueTicket,
    by: Actor,
    summary: str,
    advice: str = "",
    follow_up: bool = False,
    resident: Resident | None = None,
    answered_by: Volunteer | None = None,
    reporter_phone: str = "",
    guide: Guide | None = None,
    send_guide: bool = False,
) -> Consultation:
    """Close the consultation: the ticket is done and leaves a Consultation; "needs follow-up" opens a Case
    (channel 服务活动, category from the desk topic) linked to the consultation and the resident. ``guide``: the
    service guide that answered it (guides.services.answer_mark); with ``send_guide`` its link goes to the phone
    the resident gave when taking the number."""
    if not summary.strip():
        raise ValidationError(_("请填写咨询内容。"))
    ticket = _flip(
        ticket,
        [QueueTicket.Status.CALLED, QueueTicket.Status.SERVING],
        status=QueueTicket.Status.DONE,
        finished_at=timezone.now(),
    )
    desk = ticket.desk
    event = desk.event
    resident = resident or ticket.resident
    consultation = Consultation.objects.create(
        event=event,
        desk=desk,
        ticket=ticket,
        topic=desk.topic.name,
        resident=resident,
        resident_name=ticket.name or (resident.name if resident else ""),
        summary=summary,
        advice=advice,
        follow_up=follow_up,
        answered_by=answered_by,
        recorded_by=user_of(by),
    )
    if follow_up:
        phone = reporter_phone or crypto.decrypt(ticket.phone_encrypted)
        case, _created = case_create(
            title=_("%(topic)s咨询跟进：%(summary)s") % {"topic": desk.topic.name, "summary": short_title(summary)},
            description=f"{summary}\n\n{_('现场答复')}：{advice or '—'}",
            region=resident.region if resident else event.region,
            channel="event",
            by=by,
            category=desk.topic.category_code,
            resident=resident,
            reporter_name=consultation.resident_name,
            reporter_phone=phone,
            source=consultation,
        )
        consultation.case = case
        consultation.save(update_fields=["case"])
    audit(
        actor=by,
        action="events.ticket.finish",
        obj=ticket,
        region=event.region,
        detail={"follow_up": follow_up, "consultation": consultation.pk},
    )
    if guide is not None:
        phone = crypto.decrypt(ticket.phone_encrypted) if send_guide and ticket.phone_encrypted else ""
        answer_mark(consultation=consultation, guide=guide, by=by, send_to=phone)
    return consultation


# Reads used by pages, the API and the report -----------------------------------------------------
def position_of(ticket: QueueTicket) -> int:
    """How many waiting tickets the desk will call before this one."""
    if ticket.status != QueueTicket.Status.WAITING:
        return 0
    ahead = Q(priority=True) if not ticket.priority else Q(pk__in=[])
    ahead |= Q(priority=ticket.priority) & (
        Q(issued_at__lt=ticket.issued_at) | Q(issued_at=ticket.issued_at, id__lt=ticket.id)
    )
    return QueueTicket.objects.filter(desk_id=ticket.desk_id, status=QueueTicket.Status.WAITING).filter(ahead).count()


def average_interval_minutes(finished: list[datetime.datetime], default_minutes: float) -> float:
    """Mean gap between consecutive completions (most recent ``RECENT_COMPLETIONS``); the desk's default
    until two consultations have finished. With two volunteers at a desk the gaps halve, as the wait does."""
    times = sorted(finished)[-RECENT_COMPLETIONS:]
    if len(times) < 2:
        return float(default_minutes)
    span = (times[-1] - times[0]).total_seconds() / 60
    return max(span / (len(times) - 1), 0.5)


def desk_interval_minutes(desk: Desk) -> float:
    finished = list(
        QueueTicket.objects.filter(desk=desk, status=QueueTicket.Status.DONE, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)[:RECENT_COMPLETIONS]
    )
    return average_interval_minutes(finished, desk.default_minutes)  # type: ignore[arg-type]  # finished_at__isnull=False


def estimate_wait_minutes(queue_length: int, interval_minutes: float) -> int:
    """Queue length ahead × recent average interval between completions, in whole minutes."""
    return round(queue_length * interval_minutes)


@dataclass
class DeskBoard:
    desk: Desk
    serving: list  # tickets called or in consultation, most recently called first
    next_up: list  # the next few waiting tickets in call order
    waiting: int
    wait_minutes: int


def event_board(event: ServiceEvent, *, next_count: int = 3) -> list[DeskBoard]:
    """What the big screen and the public page show: per desk, who is being served and who is next."""
    boards = []
    desks = list(event.desks.select_related("topic"))
    open_tickets = list(
        QueueTicket.objects.filter(desk__event=event, status__in=QueueTicket.OPEN_STATUSES).order_by(
            "-priority", "issued_at", "id"
        )
    )
    for desk in desks:
        mine = [t for t in open_tickets if t.desk_id == desk.pk]
        for t in mine:
            t.desk = desk
        waiting = [t for t in mine if t.status == QueueTicket.Status.WAITING]
        serving = sorted(
            (t for t in mine if t.status != QueueTicket.Status.WAITING),
            key=lambda t: t.last_called_at or t.called_at,  # type: ignore[arg-type,return-value]  # called: has called_at
            reverse=True,
        )
        boards.append(
            DeskBoard(
                desk,
                serving,
                waiting[:next_count],
                len(waiting),
                estimate_wait_minutes(len(waiting), desk_interval_minutes(desk)),
            )
        )
    return boards


@transaction.atomic
def event_close(*, event: ServiceEvent, by: Actor) -> int:
    """End the day: stop taking numbers and write the ledger from the roster and sign-ins.

    Volunteers signed in but not out are signed out at the end of their rostered shift (or now, if
    earlier); volunteers never signed in get no record (staff may add hours by hand, marked as such).
    Returns how many ledger records were written."""
    event.desks.update(is_open=False)
    ServiceEvent.objects.filter(pk=event.pk).update(status=ServiceEvent.Status.CLOSED)
    written = 0
    now = timezone.now()
    assignments = Assignment.objects.filter(
        roster_entry__desk__event=event, signed_in_at__isnull=False, signed_out_at__isnull=True
    )
    for a in assignments:
        end = min(now, a.ends_at) if a.ends_at else now
        if shift_sign_out(assignment=a, by=by, method=Assignment.SignMethod.LEAD, at=max(end, a.signed_in_at)):  # type: ignore[type-var]  # signed_in_at__isnull=False
            written += 1
    event.refresh_from_db()
    audit(actor=by, action="events.event.close", obj=event, detail={"records": written})
    return written
