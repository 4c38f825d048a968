from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services

MAX_ATTEMPTS = services.MAX_ATTEMPTS


@db_task(retries=0)
def deliver_messages(message_ids: list[int]) -> int:
    """Deliver the messages one transaction queued (send / send_many). Replayed or lost, no harm done: the
    rows are claimed before sending and the sweep delivers whatever this task never reached."""
    return services.deliver_many(message_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_messages() -> int:
    """Every minute: queued messages no task delivered (the queue was down, or lost the task) and failed ones
    whose retry is due (back-off, up to MAX_ATTEMPTS attempts)."""
    return services.sweep()
