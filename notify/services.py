from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
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
    *, to: str, body: str, channel: str = Message.Channel.SMS, subject: str = "", purpose: str = "", related=None
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
    from .tasks import deliver_messages

    ids = [m.pk for m in rows]
    transaction.on_commit(lambda: deliver_messages(ids))


def deliver(*, message: Message) -> Message:
    """Hand one queued message to its sender; records the outcome. Safe to call twice."""
    deliver_many([message.pk])
    message.refresh_from_db()
    return message


def deliver_many(message_ids) -> int:
    """Hand the queued (or failed) messages among ``message_ids`` to their senders, oldest first;
    the ones sent are marked in one UPDATE, a failure keeps its row with the reason for a retry.
    Returns how many were sent."""
    todo = Message.objects.filter(pk__in=list(message_ids), status__in=[Message.Status.QUEUED, Message.Status.FAILED])
    sent = []
    for message in todo.order_by("pk"):
        try:
            sender_for(message.channel).send(message)
        except Exception as exc:  # any gateway error: keep the row, count the attempt, retry later
            Message.objects.filter(pk=message.pk).update(
                status=Message.Status.FAILED, attempts=message.attempts + 1, error=str(exc)[:300]
            )
        else:
            sent.append(message.pk)
    if sent:
        Message.objects.filter(pk__in=sent).update(
            status=Message.Status.SENT, attempts=F("attempts") + 1, sent_at=timezone.now(), error=""
        )
    return len(sent)
