"""Certificate import: row-level Chinese errors and all-or-nothing, through the shared ImportJob."""

from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lib.xlsx import workbook_bytes
from org.models import Role
from org.testing import make_user
from people.imports import import_start
from people.models import ImportJob
from renewal.importers import COLUMNS, KIND
from renewal.models import Certificate

HEADERS = [c.header for c in COLUMNS]


def sheet(rows):
    full = [[row.get(h, "") for h in HEADERS] for row in rows]
    return SimpleUploadedFile("权证.xlsx", workbook_bytes(HEADERS, full))


GOOD = {
    "权证编号": "HP-0001",
    "权证类型": "租用公房凭证",
    "权利人/承租人": "张某",
    "房屋坐落": "蓬莱路 100 弄 1 号",
    "房屋类型": "旧式里弄",
    "子地块": "一期",
    "居住面积": "前楼 12.5；亭子间 6.2",
    "居困人口": "2",
    "同住人": "李某:子女:是:是:否；王某:配偶:是:否:否",
    "特殊困难人员": "张老:高龄",
}


def run(django_capture_on_commit_callbacks, project, user, rows):
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(kind=KIND, file=sheet(rows), by=user, region=project.region, target_id=project.pk)
    job.refresh_from_db()
    return job


def test_import_writes_certificates_with_rooms_and_co_residents(project, users, django_capture_on_commit_callbacks):
    rows = [
        GOOD,
        {**GOOD, "权证编号": "HP-0002", "居住面积": "", "建筑面积": "30.5", "权证类型": "房地产权证", "同住人": ""},
    ]
    job = run(django_capture_on_commit_callbacks, project, users["staff"], rows)
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.result["权证"] == 2 and job.percent == 100
    cert = Certificate.objects.get(number="HP-0001")
    assert [r.living_area for r in cert.rooms.all()] == [D("12.5"), D("6.2")]
    assert [c.qualifies for c in cert.co_residents.all()] == [True, False]
    assert cert.plot.name == "一期" and cert.difficulty_persons == 2


def test_one_bad_row_imports_nothing_and_names_row_and_column(project, users, django_capture_on_commit_callbacks):
    rows = [
        GOOD,
        {**GOOD, "权证编号": "HP-0002", "房屋类型": "别墅"},
        {**GOOD, "权证编号": "HP-0001"},
        {**GOOD, "权证编号": "HP-0004", "居住面积": "前楼 十二"},
    ]
    job = run(django_capture_on_commit_callbacks, project, users["staff"], rows)
    assert job.status == ImportJob.Status.FAILED
    assert Certificate.objects.count() == 0
    found = {(e["row"], e["column"]) for e in job.errors}
    assert {(3, "房屋类型"), (4, "权证编号"), (5, "居住面积")} <= found
    duplicate = next(e for e in job.errors if e["row"] == 4)
    assert "与第 2 行重复" in duplicate["message"]


def test_staff_of_another_subdistrict_cannot_import(project, users):
    import pytest
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_start(
            kind=KIND, file=sheet([GOOD]), by=users["staff_tianping"], region=project.region, target_id=project.pk
        )


def test_import_page_uploads_and_follows_the_job_on_the_shared_status_page(
    project, users, world, client_for, django_capture_on_commit_callbacks
):
    office = client_for(users["staff"])
    page = office.get(reverse("renewal:import", args=[project.pk])).content.decode()
    assert reverse("renewal:import_template", args=[project.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("renewal:import", args=[project.pk]), {"file": sheet([GOOD])})
    job = ImportJob.objects.get(kind=KIND)
    status_url = reverse("people:import_status", args=[job.pk])
    assert response.status_code == 302 and response.url == status_url
    status = office.get(status_url).content.decode()
    assert "导入成功" in status and reverse("renewal:project_detail", args=[project.pk]) in status
    assert status_url in office.get(reverse("renewal:import", args=[project.pk])).content.decode()  # recent imports
    # the job's region is the project's, but only the project's office follows it, like the project's other pages
    worker_of_the_subdistrict = make_user("laoximen_worker", role=Role.WORKER, region=world.laoximen)
    for other in (worker_of_the_subdistrict, users["worker"], users["staff_tianping"]):
        assert client_for(other).get(status_url).status_code == 404


def test_a_failed_import_offers_the_projects_upload_page_again(project, users, client_for):
    job = ImportJob.objects.create(
        kind=KIND, file="imports/x.xlsx", region=project.region, target_id=project.pk, created_by=users["staff"]
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, errors=[])
    status = client_for(users["staff"]).get(reverse("people:import_status", args=[job.pk])).content.decode()
    assert "重新上传" in status and reverse("renewal:import", args=[project.pk]) in status


def test_certificates_typed_in_full_width_and_odd_spaces_read_like_plain_ones(
    project, users, django_capture_on_commit_callbacks
):
    messy = {
        **GOOD,
        "权证编号": " ＨＰ－０００９\u3000",
        "权证类型": "租用公房凭证 ",
        "房屋坐落": "蓬莱路\u00a0１００弄  １号",
        "居住面积": "前楼 １２.５；亭子间\u3000６.２",
        "居困人口": "２",
        "同住人": "李某：子女：是：是：否",
    }
    job = run(django_capture_on_commit_callbacks, project, users["staff"], [messy])
    assert job.status == ImportJob.Status.DONE, job.errors
    cert = Certificate.objects.get()
    assert cert.number == "HP-0009" and cert.address == "蓬莱路 100弄 1号"
    assert [r.living_area for r in cert.rooms.all()] == [D("12.5"), D("6.2")]
    assert cert.difficulty_persons == 2 and cert.co_residents.count() == 1
