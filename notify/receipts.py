"""Delivery receipts: what a gateway tells us about a message after we handed it over.

Two moments, each a ``Receipt`` row keyed by (message, attempt, kind):
1. The answer to the send request, written by the sender while it sends: accepted with the
   gateway's id (Aliyun's BizId), or refused with the gateway's code. A WeCom group robot has no
   later report, so its answer ``errcode 0`` is also the delivery: the text is in the group.
2. A delivery report pushed later to our receipt URL (Aliyun's SmsReport), naming the attempt by
   the ``OutId`` we sent (``"<message id>.<attempt>"``) or only by the BizId.

The message keeps the outcome people look at (``delivery``, ``delivery_code``, ``delivery_at``).
Retries make several attempts of one message; a report for an early attempt may arrive after a
later attempt was made. So a "delivered" report for any attempt marks the message delivered, and
no later "undelivered" report for another attempt takes that back.
"""

import datetime
import re

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lib.workdays import SHANGHAI

from .models import Message, Receipt

OUT_ID_RE = re.compile(r"^(\d+)\.(\d+)$")


def out_id(message: Message, attempt: int) -> str:
    """The reference we give the gateway for one attempt, echoed back in its reports."""
    return f"{message.pk}.{attempt}"


def this_attempt(message: Message) -> int:
    """The number of the attempt being made now: the outbox counts attempts after they end."""
    return message.attempts + 1


@transaction.atomic
def record_answer(
    *, message: Message, gateway: str, attempt: int, ok: bool, vendor_id: str = "", code: str = "", detail: str = ""
) -> Receipt | None:
    """The gateway's answer to one send request. An accepted answer stores the gateway's id on the
    message, where a report that carries only that id finds it. Returns None when this attempt's answer was
    already recorded."""
    receipt = _insert(
        Receipt(
            message=message,
            attempt=attempt,
            gateway=gateway,
            kind=Receipt.Kind.ANSWER,
            ok=ok,
            vendor_id=vendor_id[:64],
            code=code[:50],
            detail=detail[:300],
            at=timezone.now(),
        )
    )
    if ok and vendor_id:
        Message.objects.filter(pk=message.pk).update(vendor_id=vendor_id[:64])
        message.vendor_id = vendor_id[:64]
    return receipt


@transaction.atomic
def record_delivery(
    *,
    message: Message,
    gateway: str,
    attempt: int,
    delivered: bool,
    vendor_id: str = "",
    code: str = "",
    detail: str = "",
    at: datetime.datetime | None = None,
) -> Receipt | None:
    """A report that one attempt reached (or did not reach) its recipient. Returns the new receipt,
    or None when this attempt's report was already recorded (gateways push again until answered)."""
    at = at or timezone.now()
    receipt = _insert(
        Receipt(
            message=message,
            attempt=attempt,
            gateway=gateway,
            kind=Receipt.Kind.REPORT,
            ok=delivered,
            vendor_id=vendor_id[:64],
            code=code[:50],
            detail=detail[:300],
            at=at,
        )
    )
    if receipt is None:
        return None
    outcome = Message.Delivery.DELIVERED if delivered else Message.Delivery.UNDELIVERED
    rows = Message.objects.filter(pk=message.pk)
    if not delivered:  # a delivered message stays delivered, whatever another attempt's report says
        rows = rows.exclude(delivery=Message.Delivery.DELIVERED)
    rows.update(delivery=outcome, delivery_code=code[:50], delivery_at=at)
    return receipt


def _insert(receipt: Receipt) -> Receipt | None:
    """Insert unless this (message, attempt, kind) is already there; the savepoint keeps the
    caller's transaction usable after the duplicate is refused."""
    try:
        with transaction.atomic():
            receipt.save()
    except IntegrityError:
        return None
    return receipt


def find_message(*, out_id: str = "", vendor_id: str = "") -> tuple[Message, int] | None:
    """The message and attempt a report is about: by our OutId, else by the gateway's id (only
    the latest accepted attempt's id is kept on the message, so that report counts for it)."""
    match = OUT_ID_RE.match(out_id or "")
    if match:
        message = Message.objects.filter(pk=int(match.group(1))).first()
        if message is not None:
            return message, int(match.group(2))
    if vendor_id:
        message = Message.objects.filter(~Q(vendor_id=""), vendor_id=vendor_id).order_by("-pk").first()
        if message is not None:
            answer = message.receipts.filter(kind=Receipt.Kind.ANSWER, vendor_id=vendor_id).order_by("-attempt").first()
            return message, answer.attempt if answer else max(message.attempts, 1)
    return None


def shanghai_time(text: str) -> datetime.datetime | None:
    """Gateways write local time without a zone ("2017-01-01 00:00:00"): Beijing time."""
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    except (AttributeError, ValueError):
        return None
