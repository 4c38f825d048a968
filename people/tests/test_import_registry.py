"""The ImportJob machinery is generic: any app registers an importer by kind and gets the same
read → validate all → write all-or-nothing run, progress and audit entries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from lib.xlsx import Column
from people import imports
from people.models import ImportJob, Tag

from .conftest import xlsx_file


class TagImporter(imports.Importer):
    """A small real importer (tag names), as another app would write one."""

    kind = "test.tags"
    label = "标签"
    columns = [Column("名称", "name"), Column("说明", "description", required=False)]

    def may_import(self, user, region, target_id=None):
        return user.has_role("staff", "admin")

    def validate(self, job, rows, progress):
        errors, plan = [], []
        for n, (number, row) in enumerate(rows, start=1):
            if not row["name"]:
                errors.append(imports.error(number, "名称", "名称不能为空。"))
            else:
                plan.append(Tag(name=row["name"], description=row["description"]))
            progress(n)
        return plan, errors

    def write(self, job, plan):
        Tag.objects.bulk_create(plan)
        return {"标签": len(plan)}


@pytest.fixture
def tag_importer():
    imports.register(TagImporter)
    yield imports.get_importer("test.tags")
    imports._REGISTRY.pop("test.tags")


def run(world, user, rows, capture):
    upload = SimpleUploadedFile("标签.xlsx", xlsx_file(rows, headers=["名称", "说明"]))
    with capture(execute=True):
        job = imports.import_start(
            kind="test.tags", file=upload, by=world.users[user], region=world.laoximen, target_id=7
        )
    job.refresh_from_db()
    return job


def test_a_registered_importer_runs_through_the_same_job(world, tag_importer, django_capture_on_commit_callbacks):
    job = run(world, "staff", [["助残", "持证"], ["高龄", ""]], django_capture_on_commit_callbacks)
    assert (job.status, job.result, job.total, job.target_id) == (ImportJob.Status.DONE, {"标签": 2}, 2, 7)
    assert set(Tag.objects.values_list("name", flat=True)) == {"助残", "高龄"}
    assert AuditEntry.objects.filter(action__startswith="people.import.", object_id=str(job.pk)).count() == 2


def test_its_errors_stop_the_whole_file(world, tag_importer, django_capture_on_commit_callbacks):
    job = run(world, "staff", [["助残", ""], ["", "缺名称"]], django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"row": 3, "column": "名称", "message": "名称不能为空。"}]
    assert not Tag.objects.exists()


def test_a_write_that_breaks_a_constraint_rolls_everything_back(
    world, tag_importer, django_capture_on_commit_callbacks
):
    # two rows with one name pass validation but the unique constraint stops the write: nothing stays
    job = run(world, "staff", [["助残", ""], ["助残", ""]], django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "未导入任何数据" in job.errors[0]["message"]
    assert not Tag.objects.exists()


def test_the_importer_decides_who_may_start_it(world, tag_importer):
    from django.core.exceptions import PermissionDenied

    upload = SimpleUploadedFile("标签.xlsx", xlsx_file([["助残", ""]], headers=["名称", "说明"]))
    with pytest.raises(PermissionDenied):
        imports.import_start(kind="test.tags", file=upload, by=world.users["worker"], region=world.laoximen)
    assert not ImportJob.objects.exists()
