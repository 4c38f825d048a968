from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import Message
from .services import deliver

MAX_ATTEMPTS = 5


@db_task(retries=0)
def deliver_messages(message_ids: list[int]) -> None:
    """Deliver the messages one transaction queued (send / send_many), one after another."""
    for message in Message.objects.filter(pk__in=message_ids).order_by("pk"):
        deliver(message=message)


@db_periodic_task(crontab(minute="*/5"))
def retry_failed_messages() -> None:
    """Messages whose sender failed are retried every five minutes, up to MAX_ATTEMPTS times."""
    for message in Message.objects.filter(status=Message.Status.FAILED, attempts__lt=MAX_ATTEMPTS)[:200]:
        deliver(message=message)
