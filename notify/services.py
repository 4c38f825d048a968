import datetime
import logging
import time
import uuid
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from lib import crypto
from lib.masking import mask_phone

from .models import Message
from .senders import sender_for


def _mask_recipient(channel: str, to: str) -> str:
    if channel == Message.Channel.EMAIL and "@" in to:
        name, _, domain = to.partition("@")
        return f"{name[:1]}***@{domain}"
    if channel == Message.Channel.WECOM:  # a unit's group ("unit:12"), not a person: nothing to hide
        return to
    return mask_phone(to)


@transaction.atomic(savepoint=False)  # the caller's transaction: no savepoint of its own
def send(
    *,
    to: str,
    body: str,
    channel: str = Message.Channel.SMS,
    subject: str = "",
    purpose: str = "",
    related: Model | None = None,
) -> Message:
    """Queue a message in the caller's transaction; it is delivered after commit."""
    return send_many(
        [{"to": to, "body": body, "channel": channel, "subject": subject, "purpose": purpose, "related": related}]
    )[0]


@transaction.atomic(savepoint=False)
def send_many(messages: list[dict]) -> list[Message]:
    """Queue several messages (each with ``send``'s arguments) in one INSERT; one delivery task
    after commit takes them all (the intake worker's batches, bench/bench_intake.py)."""
    rows = message_rows(messages)
    Message.objects.bulk_create(rows)
    deliver_after_commit(rows)
    return rows


def message_rows(messages: list[dict]) -> list[Message]:
    """The unsaved rows ``send_many`` writes, for a caller that writes them along with rows of its
    own in one statement (``cases.sql.insert_all``) and then calls ``deliver_after_commit``."""
    rows = []
    for m in messages:
        to = (m.get("to") or "").strip()
        if not to:
            raise ValueError("收件人不能为空")
        channel = m.get("channel") or Message.Channel.SMS
        related = m.get("related")
        rows.append(
            Message(
                channel=channel,
                to_encrypted=crypto.encrypt(to),
                to_hash=crypto.lookup_hash(to),
                to_masked=_mask_recipient(channel, to),
                subject=m.get("subject") or "",
                body=m["body"],
                purpose=m.get("purpose") or "",
                related_type=ContentType.objects.get_for_model(related) if related is not None else None,
                related_id=str(related.pk) if related is not None else "",
            )
        )
    return rows


def deliver_after_commit(rows: list[Message]) -> None:
    """One delivery task for the saved ``rows``, once the writing transaction commits."""
    if not rows:
        return
    from .tasks import deliver_messages  # noqa: PLC0415 — a cycle: notify.tasks imports this module

    ids = [m.pk for m in rows]
    transaction.on_commit(lambda: deliver_messages(ids))


def deliver(*, message: Message) -> Message:
    """Hand one queued or failed message to its sender now; records the outcome. Safe to call twice."""
    deliver_many([message.pk])
    message.refresh_from_db()
    return message


# Attempts before a message is given up (status failed, no next attempt), and the waits between them:
# 1, 2, 4, 8 minutes... capped at an hour. A claim lasts CLAIM: a worker killed while sending leaves its rows
# claimed that long, then the sweep takes them again.
MAX_ATTEMPTS = 5
BACKOFF_BASE = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=1)
CLAIM = datetime.timedelta(minutes=5)
# The after-commit task normally delivers a new message within a second; the sweep leaves it that long first.
SWEEP_GRACE = datetime.timedelta(seconds=30)
# A message that could not be sent for this long is given up rather than sent late (a verification code, a queue
# call or "your case was received" a day late helps nobody); it stays failed with the reason for staff.
MAX_QUEUED_AGE = datetime.timedelta(hours=24)


def backoff(attempts: int) -> datetime.timedelta:
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def due_messages(now: datetime.datetime | None = None) -> QuerySet[Message]:
    """What the sweep delivers: queued messages no task took in time, and failed ones whose retry is due."""
    now = now or timezone.now()
    queued = Q(status=Message.Status.QUEUED, created_at__lte=now - SWEEP_GRACE, created_at__gte=now - MAX_QUEUED_AGE)
    retry = Q(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
    return Message.objects.filter(queued | retry).filter(_unclaimed(now))


def _unclaimed(now: datetime.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claim(message_ids: Iterable[int], now: datetime.datetime) -> list[Message]:
    """Claim the deliverable rows among ``message_ids`` in one compare-and-set UPDATE; returns the ones this
    call won. A row another worker claimed (and has not released) is left to it."""
    token = uuid.uuid4().hex
    Message.objects.filter(
        _unclaimed(now), pk__in=list(message_ids), status__in=[Message.Status.QUEUED, Message.Status.FAILED]
    ).update(claim_token=token, claimed_until=now + CLAIM)
    return list(Message.objects.filter(claim_token=token).order_by("pk"))


def deliver_many(message_ids: Iterable[int], *, now: datetime.datetime | None = None) -> int:
    """Hand the queued (or failed) messages among ``message_ids`` to their senders, oldest first.

    1. Claim them (``_claim``): a message another worker holds is skipped, so nothing is sent twice.
    2. Send each; a failure keeps its row with the reason and the time of its next attempt (back-off), or
       gives up after MAX_ATTEMPTS with the reason kept for staff.
    3. Mark each one sent as soon as its sender took it (``_mark_sent``: retried through a database restart, so a
       message handed to the gateway is not handed over again when its claim runs out). Returns how many were
       sent."""
    now = now or timezone.now()
    sent = 0
    for message in _claim(message_ids, now):
        try:
            sender_for(message.channel).send(message)
        except Exception as exc:  # any gateway error: keep the row, count the attempt, retry later
            attempts = message.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            reason = str(exc)[:250]
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.FAILED,
                attempts=attempts,
                error=(f"已尝试{attempts}次，不再重试：{reason}" if final else reason)[:300],
                next_attempt_at=None if final else timezone.now() + backoff(attempts),
                claim_token="",
                claimed_until=None,
            )
        else:
            _mark_sent(message.pk)
            sent += 1
    return sent


# How long a worker keeps trying to record a message its gateway has taken while the database is away (a restart
# takes 1–10 s): giving up would leave the row claimed, and the next claim would send it a second time.
MARK_SENT_TRIES = (0.5, 1, 2, 4, 8, 15)
logger = logging.getLogger("minhu.notify")


def _mark_sent(pk: int) -> None:
    for pause in (*MARK_SENT_TRIES, None):
        try:
            Message.objects.filter(pk=pk).update(
                status=Message.Status.SENT,
                attempts=F("attempts") + 1,
                sent_at=timezone.now(),
                error="",
                next_attempt_at=None,
                claim_token="",
                claimed_until=None,
            )
            return
        except (OperationalError, InterfaceError):
            if pause is None or connection.in_atomic_block:
                raise
            logger.warning("message %s sent but not yet recorded: database away, trying again in %s s", pk, pause)
            connection.close()  # the next statement opens a new connection
            time.sleep(pause)


def sweep(*, limit: int = 500, now: datetime.datetime | None = None) -> int:
    """The periodic job's work: give up messages queued for more than MAX_QUEUED_AGE, then deliver what is due
    (see ``due_messages``), at most ``limit`` rows a run."""
    now = now or timezone.now()
    Message.objects.filter(_unclaimed(now), status=Message.Status.QUEUED, created_at__lt=now - MAX_QUEUED_AGE).update(
        status=Message.Status.FAILED, error="超过 24 小时未能发送，已放弃。", next_attempt_at=None
    )
    ids = list(due_messages(now).order_by("pk").values_list("pk", flat=True)[:limit])
    return deliver_many(ids, now=now) if ids else 0
