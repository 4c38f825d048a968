"""An import whose worker died shows 中断 with a button to run it again, and the rerun imports the file once;
a lost task is queued again by the sweep; a cut-off sheet is a file-level message (issue 16, finding 4)."""

import datetime
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from people import imports
from people.models import ImportJob, Resident

from .conftest import id_number, xlsx_file

ROWS = [
    ["王建国", id_number(1), "13900001111", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "户主", "", ""],
    ["李秀英", id_number(2), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "配偶", "", ""],
]


def start(world, content):
    # the task is not run: as if the worker took it and then died
    return imports.import_start(
        kind="people.residents",
        file=SimpleUploadedFile("居民.xlsx", content),
        by=world.users["worker"],
        region=world.penglai,
    )


def died(job, status=ImportJob.Status.VALIDATING, ago=datetime.timedelta(minutes=5)):
    ImportJob.objects.filter(pk=job.pk).update(status=status, done=1, total=2, heartbeat_at=timezone.now() - ago)
    job.refresh_from_db()
    return job


def test_a_job_whose_worker_died_shows_interrupted_and_runs_again_once(
    world, client_for, django_capture_on_commit_callbacks
):
    job = died(start(world, xlsx_file(ROWS)))
    client = client_for(world.users["worker"])
    page = client.get(reverse("people:import_status", args=[job.pk])).content.decode()
    assert "中断" in page and "重新运行" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("people:import_rerun", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Resident.objects.count() == 2
    # a second press (an old page) changes nothing
    client.post(reverse("people:import_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Resident.objects.count() == 2


def test_a_running_job_with_a_fresh_heartbeat_is_not_rerun(world, client_for):
    job = died(start(world, xlsx_file(ROWS)), status=ImportJob.Status.WRITING, ago=datetime.timedelta(seconds=5))
    assert not job.is_interrupted and job.status_label == "正在写入"
    client = client_for(world.users["worker"])
    client.post(reverse("people:import_rerun", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.WRITING and Resident.objects.count() == 0


def test_the_heartbeat_thread_stamps_a_running_job(world):
    job = start(world, xlsx_file(ROWS))
    with imports.heartbeat(job.pk, every=0.05):
        import time

        time.sleep(0.3)
    job.refresh_from_db()
    # on SQLite the test's open transaction may keep the thread's write out: then the stamp stays unset
    assert job.heartbeat_at is None or timezone.now() - job.heartbeat_at < datetime.timedelta(seconds=5)


def test_a_pending_job_whose_task_was_lost_is_queued_by_the_sweep(world):
    job = start(world, xlsx_file(ROWS))
    assert imports.sweep_pending() == 0  # its task still has time
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert imports.sweep_pending() == 1  # tasks run inline in tests
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Resident.objects.count() == 2


def test_a_sheet_cut_off_in_the_middle_is_a_file_level_message(world, django_capture_on_commit_callbacks):
    whole = xlsx_file(ROWS * 50)
    cut = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    with django_capture_on_commit_callbacks(execute=True):
        job = start(world, cut.getvalue())
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert len(job.errors) == 1 and job.errors[0]["row"] is None
    assert "截断" in job.errors[0]["message"] and "系统错误" not in job.errors[0]["message"]
    assert Resident.objects.count() == 0


def test_the_sweep_resumes_a_job_whose_worker_died_once_then_leaves_it_to_staff(
    world, django_capture_on_commit_callbacks
):
    job = died(start(world, xlsx_file(ROWS)))
    with django_capture_on_commit_callbacks(execute=True):
        imports.sweep_pending()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Resident.objects.count() == 2
    # a second job that dies after its one automatic resume is left, shown as 中断, for a person to rerun
    again = died(start(world, xlsx_file(ROWS)))
    ImportJob.objects.filter(pk=again.pk).update(status=ImportJob.Status.WRITING)
    imports._resume_interrupted()  # its first resume ...
    died(again)  # ... and its worker dies again
    imports.sweep_pending()
    again.refresh_from_db()
    assert again.status == ImportJob.Status.VALIDATING and again.is_interrupted
