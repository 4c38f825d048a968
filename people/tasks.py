"""Queue tasks of the people app. A task loads its object by id and calls the service."""

from huey.contrib.djhuey import db_task

from . import imports


@db_task()
def run_import(job_id: int) -> None:
    imports.import_run(job_id=job_id)
