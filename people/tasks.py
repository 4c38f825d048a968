"""Queue tasks of the people app. A task loads its object by id and calls the service."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import imports


@db_task()
def run_import(job_id: int) -> None:
    imports.import_run(job_id=job_id)


@db_periodic_task(crontab(minute="*"))
def sweep_pending_imports() -> int:
    """Every minute: imports still pending after a minute lost their task (the queue was down): queue them."""
    return imports.sweep_pending()
