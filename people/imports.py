"""Spreadsheet imports run as ``ImportJob`` rows in the task queue; a registry of importers by kind.

Any app adds an importer by defining ``<app>/importers.py`` with a subclass of ``Importer``
decorated with ``@register`` (discovered at start-up by ``PeopleConfig.ready``). The job runner
gives every importer the same guarantees:

1. the file is read once (``lib.xlsx.read_rows``), file-level problems fail the job at once;
2. ``validate`` checks every row without writing anything and returns a plan plus row-level
   errors (row number, column, Chinese reason); progress is saved as it goes;
3. only if no row has an error, ``write`` runs inside one transaction: all rows or none;
4. the job ends DONE (with a result summary) or FAILED (with the errors), and the audit log
   records who imported what;
5. while it runs, a heartbeat thread stamps the job every ``HEARTBEAT`` seconds; a job whose worker died
   shows as interrupted (中断) and staff may run it again (``import_rerun``): nothing was written (step 3 is
   one transaction), so the rerun starts from the file.
6. whichever way it ends (done, failed, crashed; a worker killed outright leaves it for the rerun), the
   uploaded sheet is deleted: it holds full ID numbers and phones, and the job row keeps only row numbers and
   reasons. A corrected file is a new upload. The sheet is stored under a random name, never the uploader's file name.
"""

import contextlib
import datetime
import logging
import threading
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import record
from lib import xlsx

from .models import ImportJob

logger = logging.getLogger(__name__)
HEARTBEAT = 15  # seconds between a running job's heartbeats (ImportJob.STALE_AFTER is 90)

MAX_STORED_ERRORS = 500  # a file with thousands of bad rows: the first 500 are plenty to fix it
PROGRESS_EVERY = 250  # rows between progress saves

_REGISTRY: dict[str, "Importer"] = {}


class RowError(Exception):
    """Raised inside ``Importer.validate`` helpers: ``RowError("身份证号", "校验位不正确")``."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, str(message)


class Importer:
    """Base class. Subclasses set ``kind``, ``label``, ``columns`` and implement validate/write."""

    kind: str = ""
    label: str = ""
    columns: list[xlsx.Column] = []
    template_filename: str = "导入模板.xlsx"
    notes: list[str] = []

    def may_import(self, user, region, target_id=None) -> bool:
        """Whether ``user`` may start this import for ``region`` (and ``target_id``)."""
        raise NotImplementedError

    def validate(self, job: ImportJob, rows: list[tuple[int, dict]], progress) -> tuple[object, list[dict]]:
        """Check every row, write nothing. Returns ``(plan, errors)``; call ``progress(n)`` as you go."""
        raise NotImplementedError

    def write(self, job: ImportJob, plan) -> dict:
        """Write the plan (inside the job's transaction). Returns a summary such as {"居民": 120}."""
        raise NotImplementedError

    def result_url(self, job: ImportJob) -> str:
        """Where the status page sends staff after a successful import ("" for no link)."""
        return ""

    def upload_url(self, job: ImportJob) -> str:
        """Where the status page sends staff to upload a corrected file."""
        return ""

    def may_view(self, user, job: ImportJob) -> bool:
        """Whether ``user`` may follow ``job`` on the shared progress page (``people:import_status``), which already
        limits jobs to the user's regions; an importer whose rows are for fewer people narrows it (renovation
        certificates: the project's office only). Out of scope answers 404, like missing."""
        return True

    def template_response(self):
        return xlsx.template_response(self.template_filename, self.columns, notes=self.notes)


def register(cls):
    """Class decorator: make an importer available by its ``kind``."""
    _REGISTRY[cls.kind] = cls()
    return cls


def get_importer(kind: str) -> Importer:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise LookupError(f"no importer registered for kind {kind!r}") from None


def error(row: int | None, column: str, message) -> dict:
    return {"row": row, "column": column, "message": str(message)}


@transaction.atomic
def import_start(*, kind: str, file, by, region, target_id: int | None = None, request=None) -> ImportJob:
    """Save the upload as a pending job and queue it after commit. Raises PermissionDenied."""
    importer = get_importer(kind)
    if not importer.may_import(by, region, target_id):
        raise PermissionDenied(_("您无权向该辖区导入数据。"))
    name = getattr(file, "name", "") or "upload.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(_("请上传 Excel 工作簿（.xlsx 格式），可先下载模板再填写。"))
    filename = name.rsplit("/", 1)[-1][:200]
    file.name = f"{uuid.uuid4().hex}.xlsx"  # the stored name says nothing about who or what is in it
    job = ImportJob.objects.create(
        kind=kind, file=file, filename=filename, created_by=by, region=region, target_id=target_id
    )
    record(
        actor=by,
        action="people.import.start",
        obj=job,
        region=region,
        request=request,
        detail={"类型": importer.label, "文件": job.filename},
    )
    from .tasks import run_import  # noqa: PLC0415 — a cycle: people.tasks imports this module

    transaction.on_commit(lambda: run_import(job.pk))
    return job


def _fail(job: ImportJob, errors: list[dict], *, total=None) -> None:
    stored = errors[:MAX_STORED_ERRORS]
    if len(errors) > MAX_STORED_ERRORS:
        stored.append(error(None, "", _("另有 %(n)d 处错误未列出。") % {"n": len(errors) - MAX_STORED_ERRORS}))
    fields = {"status": ImportJob.Status.FAILED, "errors": stored, "finished_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    record(
        actor=job.created_by,
        action="people.import.failed",
        obj=job,
        region=job.region,
        detail={"文件": job.filename, "错误数": len(errors)},
    )


def discard_file(job: ImportJob) -> None:
    """Delete a job's uploaded sheet and forget its name. Safe to call again."""
    name = ImportJob.objects.filter(pk=job.pk).values_list("file", flat=True).first()
    if name:
        job.file.storage.delete(name)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    job.file.name = ""


@contextlib.contextmanager
def heartbeat(job_id: int, every: float = HEARTBEAT):
    """Stamp ``heartbeat_at`` every ``every`` seconds from a thread of its own (its own database connection),
    so the job shows alive even while its one big write transaction runs."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(every):
                try:
                    ImportJob.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())
                except Exception:  # a locked SQLite file or a database restart: the next beat tries again
                    logger.warning("import job %s: heartbeat not written", job_id)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"import-heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every + 5)


def import_run(*, job_id: int) -> ImportJob:
    """Process one pending job (called by the task). Safe to call twice: only one run claims it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.VALIDATING, heartbeat_at=timezone.now()
    )
    job = ImportJob.objects.select_related("region", "created_by").get(pk=job_id)
    if not claimed:
        return job
    with heartbeat(job.pk):
        try:
            return _run(job)
        finally:
            # 6. the sheet goes, whatever happened above (an exception still propagates to the task).
            discard_file(job)


def _run(job: ImportJob) -> ImportJob:
    importer = get_importer(job.kind)
    try:
        # 1. read the file
        try:
            with job.file.open("rb") as handle:
                rows = xlsx.read_rows(handle, importer.columns)
        except xlsx.SpreadsheetError as exc:
            _fail(job, [error(None, "", exc)])
            return job
        if not rows:
            _fail(job, [error(None, "", _("文件中没有数据行：请在表头下方逐行填写。"))])
            return job
        ImportJob.objects.filter(pk=job.pk).update(total=len(rows), done=0)
        job.total = len(rows)

        # 2. validate every row, writing nothing
        def progress(n: int) -> None:
            ImportJob.objects.filter(pk=job.pk).update(done=min(n, job.total))

        plan, errors = importer.validate(job, rows, progress)
        if errors:
            errors.sort(key=lambda e: e["row"] or 0)
            _fail(job, errors)
            return job

        # 3. write everything in one transaction
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.WRITING, done=job.total)
        try:
            with transaction.atomic():
                result = importer.write(job, plan)
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportJob.Status.DONE, result=result, errors=[], finished_at=timezone.now()
                )
                record(
                    actor=job.created_by,
                    action="people.import.done",
                    obj=job,
                    region=job.region,
                    # the summary's figures; row-by-row notes stay on the job
                    detail={"文件": job.filename, **{k: v for k, v in result.items() if not isinstance(v, list)}},
                )
        except (IntegrityError, ValidationError):
            # someone registered the same person while the file was being checked
            _fail(
                job,
                [
                    error(
                        None,
                        "",
                        _("导入过程中系统数据发生了变化（如他人同时登记了相同身份证号），未导入任何数据，请重新上传。"),
                    )
                ],
            )
    except Exception:
        logger.exception("import job %s crashed", job.pk)
        _fail(job, [error(None, "", _("导入时发生系统错误，未写入任何数据。请联系管理员。"))])
        raise
    job.refresh_from_db()
    return job


@transaction.atomic
def import_rerun(*, job: ImportJob, by, request=None) -> ImportJob:
    """Run an interrupted job again (its worker died, or its task was lost). Raises ValidationError.

    1. The job must be interrupted (``ImportJob.is_interrupted``): a live job is left alone.
    2. A compare-and-set UPDATE puts it back to pending only if its status and heartbeat are still the ones
       read, so two people pressing the button at once start it once.
    3. Its task is queued after commit; the periodic sweep (``sweep_pending``) queues it if that fails."""
    importer = get_importer(job.kind)
    if not importer.may_import(by, job.region, job.target_id):
        raise PermissionDenied(_("您无权向该辖区导入数据。"))
    if not job.is_interrupted:
        raise ValidationError(_("该导入仍在进行或已经结束，无需重新运行。"))
    restarted = ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
        status=ImportJob.Status.PENDING, done=0, errors=[], heartbeat_at=timezone.now()
    )
    if not restarted:
        raise ValidationError(_("该导入已由他人重新运行。"))
    record(
        actor=by,
        action="people.import.rerun",
        obj=job,
        region=job.region,
        request=request,
        detail={"文件": job.filename},
    )
    from .tasks import run_import  # noqa: PLC0415 — a cycle: people.tasks imports this module

    transaction.on_commit(lambda: run_import(job.pk))
    job.refresh_from_db()
    return job


# A pending job nobody took for this long lost its task (the queue was down when it was started, or lost it).
PENDING_GRACE = 60


# A job whose worker died is run again by the sweep this many times on its own; after that it waits, shown as
# 中断, for staff to press 重新运行 (a sheet that kills its worker each time must not loop).
AUTO_RESUMES = 1


def sweep_pending() -> int:
    """The periodic job's work: resume jobs whose worker died (``AUTO_RESUMES`` times each), then queue the jobs
    still pending PENDING_GRACE seconds after upload or rerun."""
    from .tasks import run_import  # noqa: PLC0415 — a cycle: people.tasks imports this module

    resumed = _resume_interrupted()
    since = timezone.now() - datetime.timedelta(seconds=PENDING_GRACE)
    ids = resumed + list(
        ImportJob.objects.filter(status=ImportJob.Status.PENDING)
        .filter(models.Q(heartbeat_at__lt=since) | models.Q(heartbeat_at__isnull=True, created_at__lt=since))
        .exclude(pk__in=resumed)
        .values_list("pk", flat=True)[:20]
    )
    for pk in ids:
        run_import(pk)  # the run claims pending → validating: a job queued twice runs once
    return len(ids)


def _resume_interrupted() -> list[int]:
    """Put back to pending (compare-and-set, as ``import_rerun``) the jobs whose heartbeat stopped, unless the sweep
    already resumed them ``AUTO_RESUMES`` times. Nothing was written by the dead run: the rerun is the whole job."""
    stale = timezone.now() - ImportJob.STALE_AFTER
    running, resumed = [ImportJob.Status.VALIDATING, ImportJob.Status.WRITING], []
    for job in ImportJob.objects.filter(status__in=running, heartbeat_at__lt=stale).select_related("region")[:20]:
        times = AuditEntry.objects.filter(
            action="people.import.resumed", object_type=ImportJob._meta.label_lower, object_id=str(job.pk)
        ).count()
        if times >= AUTO_RESUMES:
            continue
        with transaction.atomic():
            if ImportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at).update(
                status=ImportJob.Status.PENDING, done=0, errors=[], heartbeat_at=None
            ):
                record(
                    actor=None,
                    action="people.import.resumed",
                    obj=job,
                    region=job.region,
                    detail={"文件": job.filename},
                )
                resumed.append(job.pk)
    return resumed


def jobs_visible_to(user):
    """Import jobs a user may follow: their own uploads (always) and any in their regions."""
    return ImportJob.objects.filter(Q(created_by=user) | Q(pk__in=ImportJob.objects.visible_to(user).values("pk")))
