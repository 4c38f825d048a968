"""State changes of service days, desks, rosters and queues.

Keyword-only functions, one transaction each, the actor passed as ``by``; each writes the audit log.
The queue functions are written for many phones and desks at once (see docs/events.md):

* numbers come from the desk's counter row with one ``UPDATE … SET last_number = last_number + 1
  … RETURNING`` (atomic on PostgreSQL and SQLite), backed by UniqueConstraint(desk, number);
* call-next locks the first waiting ticket with ``select_for_update(skip_locked=True)`` on
  PostgreSQL (two staff at one desk each get a different ticket instead of waiting on each other),
  then flips it with a conditional update, so a ticket never goes to two callers.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record as audit
from lib import crypto
from lib.masking import mask_phone

from .models import Consultation, Desk, QueueTicket, RosterEntry, ServiceEvent

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
    title,
    region,
    starts_at,
    ends_at,
    place,
    organiser,
    by,
    partners=(),
    description="",
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
        created_by=by,
    )
    event.partners.set(partners)
    audit(actor=by, action="events.event.create", obj=event)
    return event


@transaction.atomic
def event_set_status(*, event: ServiceEvent, status: str, by) -> ServiceEvent:
    ServiceEvent.objects.filter(pk=event.pk).update(status=status)
    event.refresh_from_db()
    audit(actor=by, action="events.event.status", obj=event, detail={"status": status})
    return event


@transaction.atomic
def desk_add(*, event: ServiceEvent, topic, by, name="", prefix="", default_minutes=8) -> Desk:
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
def roster_add(*, desk: Desk, volunteer, starts_at, ends_at, by, is_lead=False, score=None) -> RosterEntry:
    """Offer a desk shift to a volunteer (one click from the matching list); they confirm on the phone."""
    from volunteers.services import assignment_offer

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


# Queue: take a number --------------------------------------------------------------------------
def person_key_for(*, resident=None, phone="", session_key="") -> str:
    if resident is not None:
        return f"r:{resident.pk}"
    if phone:
        return "p:" + crypto.lookup_hash(phone)[:40]
    if session_key:
        return "s:" + session_key[:60]
    return ""


def _next_number(desk_id: int) -> int | None:
    """Increment the desk's counter in one statement and return the new number (None: desk closed)."""
    table = Desk._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_number = last_number + 1 WHERE id = %s AND is_open RETURNING last_number",
            [desk_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _normalise_phone(phone: str) -> str:
    phone = (phone or "").strip().replace(" ", "").replace("-", "")
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
        raise ValidationError(_("手机号格式不正确。"))
    return phone


def ticket_take(
    *,
    desk: Desk,
    by=None,
    name="",
    phone="",
    resident=None,
    priority_reason="",
    channel=QueueTicket.Channel.PHONE,
    session_key="",
    issued_at=None,
    transferred_from=None,
) -> QueueTicket:
    """Give the next number at ``desk``. Raises AlreadyQueued if this person already waits there.

    1. one transaction (a savepoint when called inside another, e.g. a transfer): bump the desk counter with
       UPDATE … RETURNING, insert the ticket, write the audit entry;
    2. if the insert hits the one-open-ticket-per-person constraint, the whole step rolls back — the counter
       too, so numbers stay gapless — and the ticket the person already holds is returned in AlreadyQueued.
    No read before the write: the constraints decide, which keeps this to a few round trips under load.
    """
    phone = _normalise_phone(phone)
    key = person_key_for(resident=resident, phone=phone, session_key=session_key)
    if desk.event.status == ServiceEvent.Status.CLOSED:
        raise ValidationError(_("活动已结束，不能再取号。"))
    # Everything but the number is prepared before the counter row is locked: the lock is held until
    # commit, and other phones at this desk wait for it (docs/events.md, "Correctness under load").
    now = timezone.now()
    ticket = QueueTicket(
        desk=desk,
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
    try:
        with transaction.atomic():
            number = _next_number(desk.pk)
            if number is None:
                raise ValidationError(_("这个咨询台已停止取号。"))
            ticket.number = number
            ticket.save(force_insert=True)
            audit(
                actor=by,
                action="events.ticket.take",
                obj=ticket,
                region=desk.event.region,
                detail={"desk": desk.pk, "number": number, "channel": channel},
            )
    except IntegrityError:
        existing = QueueTicket.objects.filter(desk=desk, person_key=key, status__in=QueueTicket.OPEN_STATUSES).first()
        if key and existing is not None:
            raise AlreadyQueued(existing) from None
        raise
    return ticket


# Queue: desk staff ------------------------------------------------------------------------------
def _flip(ticket: QueueTicket, from_statuses, **changes) -> QueueTicket:
    changed = QueueTicket.objects.filter(pk=ticket.pk, status__in=list(from_statuses)).update(**changes)
    if not changed:
        raise ValidationError(_("号码 %(label)s 的状态已变化，请刷新页面。") % {"label": ticket.label})
    ticket.refresh_from_db()
    return ticket


# Call-next in one statement on PostgreSQL: lock the first waiting ticket in call order (skipping rows another
# caller holds) and flip it, returning the row. Who relies on this: ticket_call_next, bench/bench_queue.py.
CALL_NEXT_SQL = """
UPDATE events_queueticket SET status = 'called', called_at = %(now)s, last_called_at = %(now)s, call_count = 1,
       called_by_id = %(by)s
WHERE id = (
    SELECT id FROM events_queueticket WHERE desk_id = %(desk)s AND status = 'waiting'
    ORDER BY priority DESC, issued_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
) AND status = 'waiting'
RETURNING id, number, token, issued_at, priority, priority_reason, phone_encrypted, name, person_key
"""


@transaction.atomic
def ticket_call_next(*, desk: Desk, by) -> QueueTicket | None:
    """Call the next waiting ticket at the desk (priority first, then original issue time); None if nobody waits."""
    now = timezone.now()
    by_id = by.pk if getattr(by, "is_authenticated", False) else None
    ticket = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(CALL_NEXT_SQL, {"now": now, "by": by_id, "desk": desk.pk})
            row = cursor.fetchone()
        if row is None:
            return None
        fields = [
            "id",
            "number",
            "token",
            "issued_at",
            "priority",
            "priority_reason",
            "phone_encrypted",
            "name",
            "person_key",
        ]
        ticket = QueueTicket(
            desk_id=desk.pk,
            status=QueueTicket.Status.CALLED,
            called_at=now,
            last_called_at=now,
            call_count=1,
            called_by_id=by_id,
            **dict(zip(fields, row, strict=True)),
        )
        ticket._state.adding = False
    else:
        # SQLite serialises writers (BEGIN IMMEDIATE): read the head of the queue, then flip it conditionally.
        for _attempt in range(5):
            head = QueueTicket.objects.filter(desk=desk).waiting().in_call_order().first()
            if head is None:
                return None
            if QueueTicket.objects.filter(pk=head.pk, status=QueueTicket.Status.WAITING).update(
                status=QueueTicket.Status.CALLED, called_at=now, last_called_at=now, call_count=1, called_by_id=by_id
            ):
                head.status, head.called_at, head.last_called_at, head.call_count = "called", now, now, 1
                head.called_by_id = by_id
                ticket = head
                break
        if ticket is None:
            return None
    ticket.desk = desk
    _notify_called(ticket)
    audit(actor=by, action="events.ticket.call", obj=ticket, region=desk.event.region)
    return ticket


def _notify_called(ticket: QueueTicket) -> None:
    phone = crypto.decrypt(ticket.phone_encrypted)
    if not phone:
        return
    from notify.services import send

    send(
        to=phone,
        body=_("【民呼】请 %(label)s 号到%(desk)s咨询。") % {"label": ticket.label, "desk": ticket.desk.name},
        purpose="events.ticket.call",
        related=ticket,
    )


@transaction.atomic
def ticket_recall(*, ticket: QueueTicket, by) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], last_called_at=timezone.now(), call_count=ticket.call_count + 1)
    _notify_called(ticket)
    audit(actor=by, action="events.ticket.recall", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_no_show(*, ticket: QueueTicket, by) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], status=QueueTicket.Status.NO_SHOW, finished_at=timezone.now())
    audit(actor=by, action="events.ticket.no_show", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_start(*, ticket: QueueTicket, by) -> QueueTicket:
    ticket = _flip(ticket, [QueueTicket.Status.CALLED], status=QueueTicket.Status.SERVING, started_at=timezone.now())
    audit(actor=by, action="events.ticket.start", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_cancel(*, ticket: QueueTicket, by=None) -> QueueTicket:
    ticket = _flip(
        ticket, [QueueTicket.Status.WAITING], status=QueueTicket.Status.CANCELLED, finished_at=timezone.now()
    )
    audit(actor=by, action="events.ticket.cancel", obj=ticket, region=ticket.desk.event.region)
    return ticket


@transaction.atomic
def ticket_transfer(*, ticket: QueueTicket, to_desk: Desk, by) -> QueueTicket:
    """Send the resident to another desk. The new ticket keeps the original issue time, so the resident
    is placed by when they first queued, not at the back."""
    if to_desk.pk == ticket.desk_id:
        raise ValidationError(_("不能转到同一个咨询台。"))
    if to_desk.event_id != ticket.desk.event_id:
        raise ValidationError(_("只能转到同一活动的咨询台。"))
    old = _flip(ticket, QueueTicket.OPEN_STATUSES, status=QueueTicket.Status.TRANSFERRED, finished_at=timezone.now())
    # The person key moves with them: free it on the closed ticket's desk is not needed (other desk).
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


@transaction.atomic
def ticket_finish(
    *,
    ticket: QueueTicket,
    by,
    summary: str,
    advice="",
    follow_up=False,
    resident=None,
    answered_by=None,
    reporter_phone="",
) -> Consultation:
    """Close the consultation: the ticket is done and leaves a Consultation; "needs follow-up" opens a Case
    (channel 服务活动, category from the desk topic) linked to the consultation and the resident."""
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
        recorded_by=by,
    )
    if follow_up:
        from cases.services import case_create

        phone = reporter_phone or crypto.decrypt(ticket.phone_encrypted)
        case = case_create(
            title=_("%(topic)s咨询跟进：%(summary)s") % {"topic": desk.topic.name, "summary": summary.strip()[:40]},
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
    return average_interval_minutes(finished, desk.default_minutes)


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


def event_board(event: ServiceEvent, *, next_count=3) -> list[DeskBoard]:
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
            key=lambda t: t.last_called_at or t.called_at,
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
def event_close(*, event: ServiceEvent, by) -> int:
    """End the day: stop taking numbers and write the ledger from the roster and sign-ins.

    Volunteers signed in but not out are signed out at the end of their rostered shift (or now, if
    earlier); volunteers never signed in get no record (staff may add hours by hand, marked as such).
    Returns how many ledger records were written."""
    from volunteers.models import Assignment
    from volunteers.services import shift_sign_out

    event.desks.update(is_open=False)
    ServiceEvent.objects.filter(pk=event.pk).update(status=ServiceEvent.Status.CLOSED)
    written = 0
    now = timezone.now()
    assignments = Assignment.objects.filter(
        roster_entry__desk__event=event, signed_in_at__isnull=False, signed_out_at__isnull=True
    )
    for a in assignments:
        end = min(now, a.ends_at) if a.ends_at else now
        if shift_sign_out(assignment=a, by=by, method=Assignment.SignMethod.LEAD, at=max(end, a.signed_in_at)):
            written += 1
    event.refresh_from_db()
    audit(actor=by, action="events.event.close", obj=event, detail={"records": written})
    return written
