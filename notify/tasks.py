from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Message
from .services import deliver_many

MAX_ATTEMPTS = 5


@db_task(retries=0)
def deliver_messages(message_ids: list[int]) -> int:
    """Deliver the messages one transaction queued (send / send_many)."""
    return deliver_many(message_ids)


@db_periodic_task(crontab(minute="*/5"))
def retry_failed_messages() -> int:
    """Messages whose sender failed are retried every five minutes, up to MAX_ATTEMPTS times."""
    failed = Message.objects.filter(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS).order_by("pk")
    return deliver_many(failed.values_list("pk", flat=True)[:200])
