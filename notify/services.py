from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from lib import crypto
from lib.masking import mask_phone

from .models import Message
from .senders import sender_for


def _mask_recipient(channel: str, to: str) -> str:
    if channel == Message.Channel.EMAIL and "@" in to:
        name, _, domain = to.partition("@")
        return f"{name[:1]}***@{domain}"
    return mask_phone(to)


@transaction.atomic
def send(
    *, to: str, body: str, channel: str = Message.Channel.SMS, subject: str = "", purpose: str = "", related=None
) -> Message:
    """Queue a message in the caller's transaction; it is delivered after commit."""
    to = (to or "").strip()
    if not to:
        raise ValueError("收件人不能为空")
    message = Message.objects.create(
        channel=channel,
        to_encrypted=crypto.encrypt(to),
        to_hash=crypto.lookup_hash(to),
        to_masked=_mask_recipient(channel, to),
        subject=subject,
        body=body,
        purpose=purpose,
        related_type=ContentType.objects.get_for_model(related) if related is not None else None,
        related_id=str(related.pk) if related is not None else "",
    )
    from .tasks import deliver_message

    transaction.on_commit(lambda: deliver_message(message.pk))
    return message


def deliver(*, message: Message) -> Message:
    """Hand one queued message to its sender; records the outcome. Safe to call twice."""
    claimed = Message.objects.filter(pk=message.pk, status__in=[Message.Status.QUEUED, Message.Status.FAILED])
    if not claimed.exists():
        return message
    try:
        sender_for(message.channel).send(message)
    except Exception as exc:  # any gateway error: keep the row, count the attempt, retry later
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED, attempts=message.attempts + 1, error=str(exc)[:300]
        )
    else:
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.SENT, attempts=message.attempts + 1, sent_at=timezone.now(), error=""
        )
    message.refresh_from_db()
    return message


def messages_for(obj):
    return Message.objects.filter(related_type=ContentType.objects.get_for_model(obj), related_id=str(obj.pk))
