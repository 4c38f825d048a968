"""Delete import sheets that are no longer needed: those of finished jobs (kept by releases before sheets were
deleted with their job) and files under ``imports/`` that no waiting or running job names.

    python manage.py imports_purge            # lists what it would delete
    python manage.py imports_purge --commit   # deletes it
"""

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand

from ...imports import discard_file
from ...models import ImportJob

FOLDER = "imports"


def _stored(folder: str):
    try:
        dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _stored(f"{folder}/{sub}")


class Command(BaseCommand):
    help = "删除已结束导入任务的表格及无任务引用的导入文件（默认只列出，加 --commit 才删除）。"

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="真正删除（默认只列出）")

    def handle(self, *args, commit, **options):
        finished = list(
            ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]).exclude(file="")
        )
        # a waiting or running job still needs its sheet
        keep = set(ImportJob.objects.exclude(file="").values_list("file", flat=True))
        orphans = [name for name in _stored(FOLDER) if name not in keep]
        for job in finished:
            self.stdout.write(f"job {job.pk} ({job.get_status_display()}): {job.file.name}")
            if commit:
                discard_file(job)
        for name in orphans:
            self.stdout.write(f"no job: {name}")
            if commit:
                default_storage.delete(name)
        verb = "deleted" if commit else "would delete"
        total = len(finished) + len(orphans)
        self.stdout.write(f"{verb} {total} files ({len(finished)} of finished jobs, {len(orphans)} without a job)")
