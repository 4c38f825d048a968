import io

from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEntry
from people import imports
from people.models import Household, ImportJob, Resident

from .conftest import id_number, xlsx_file


def start(world, content, user="worker", region=None, name="居民.xlsx"):
    upload = SimpleUploadedFile(name, content)
    return imports.import_start(
        kind="people.residents", file=upload, by=world.users[user], region=region or world.penglai
    )


def run(world, django_capture_on_commit_callbacks, content, **kw):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(world, content, **kw)
    job.refresh_from_db()
    return job


def test_good_file_imports_every_row_into_households(world, tags, django_capture_on_commit_callbacks):
    rows = [
        ["王建国", id_number(1), "13900001111", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "户主", "空巢", ""],
        ["李秀英", id_number(2), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "配偶", "空巢、残疾", ""],
        ["张桂英", id_number(3), "", "蓬莱路居委", "蓬莱路", "121", "5", "101", "户主", "独居", "腿脚不便"],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert (job.total, job.done, job.percent) == (3, 3, 100)
    assert job.result == {"居民": 3, "新建户": 2, "新建地址": 2}
    wang = Resident.objects.by_id_number(id_number(1)).get()
    assert wang.household.name == "王建国" and wang.phone == "13900001111"
    assert wang.household.members.count() == 2
    assert sorted(Resident.objects.get(name="李秀英").tags.values_list("name", flat=True)) == ["残疾", "空巢"]
    assert AuditEntry.objects.filter(action="people.resident.create").count() == 3
    assert AuditEntry.objects.filter(action="people.import.done", object_id=str(job.pk)).exists()


def test_one_bad_row_imports_nothing_and_names_the_row_and_reason(world, django_capture_on_commit_callbacks):
    bad = id_number(5)[:-1] + ("0" if id_number(5)[-1] != "0" else "1")
    rows = [
        ["王建国", id_number(4), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "户主", "", ""],
        ["李秀英", bad, "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "配偶", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"row": 3, "column": "身份证号", "message": "身份证号校验位不正确"}]
    assert Resident.objects.count() == 0 and Household.objects.count() == 0


def test_every_kind_of_row_problem_is_reported_in_chinese(world, make_resident, django_capture_on_commit_callbacks):
    make_resident("已登记", id_number=id_number(9))
    rows = [
        ["", id_number(6), "", "蓬莱路第一网格", "蓬莱路", "1", "1", "1", "", "", ""],  # row 2: no name
        ["甲", id_number(7), "", "不存在网格", "蓬莱路", "1", "1", "1", "", "", ""],  # row 3: unknown region
        ["乙", id_number(8), "", "陕西南路第一网格", "陕西南路", "1", "1", "1", "", "", ""],  # row 4: out of scope
        ["丙", id_number(9), "", "蓬莱路第一网格", "蓬莱路", "1", "1", "1", "", "", ""],  # row 5: already in system
        ["丁", id_number(10), "", "蓬莱路第一网格", "蓬莱路", "1", "1", "1", "", "", ""],
        ["戊", id_number(10), "12", "蓬莱路第一网格", "", "1", "1", "1", "表亲", "富裕", ""],  # row 7: many
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.FAILED
    messages = {(e["row"], e["column"]): e["message"] for e in job.errors}
    assert messages[(2, "姓名")] == "姓名不能为空。"
    assert messages[(3, "居委/网格")] == "找不到辖区“不存在网格”。"
    assert messages[(4, "居委/网格")] == "辖区“陕西南路第一网格”不在您的管辖范围内。"
    assert messages[(5, "身份证号")] == "系统中已有该身份证号的居民。"
    assert messages[(7, "身份证号")] == "与第 6 行的身份证号重复。"
    assert messages[(7, "手机")].startswith("电话号码格式不正确")
    assert messages[(7, "路")] == "路名不能为空。"
    assert messages[(7, "与户主关系")].startswith("与户主关系应为：户主、配偶")
    assert messages[(7, "标签")].startswith("未知标签“富裕”")
    assert Resident.objects.count() == 1


def test_missing_header_and_non_excel_file_fail_with_a_clear_message(world, django_capture_on_commit_callbacks):
    job = run(world, django_capture_on_commit_callbacks, xlsx_file([["王"]], headers=["姓名"]))
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["row"] is None and "表头缺少以下列：身份证号、居委/网格、路" in job.errors[0]["message"]
    job = run(world, django_capture_on_commit_callbacks, b"not a workbook", name="伪装.xlsx")
    assert job.status == ImportJob.Status.FAILED and ".xlsx" in job.errors[0]["message"]


def test_import_joins_the_household_already_at_an_address(world, make_resident, django_capture_on_commit_callbacks):
    existing = make_resident("老户主", address={"road": "蓬莱路", "lane": "121", "number": "3", "room": "201"})
    rows = [["新成员", id_number(11), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "子女", "", ""]]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert Resident.objects.get(name="新成员").household == existing.household


def test_a_job_runs_only_once(world, django_capture_on_commit_callbacks):
    rows = [["王建国", id_number(12), "", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "", "", ""]]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    again = imports.import_run(job_id=job.pk)
    assert again.status == ImportJob.Status.DONE and Resident.objects.count() == 1


def stored_sheets(settings) -> list:
    root = settings.MEDIA_ROOT / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_sheet_is_deleted_when_the_import_succeeds(world, settings, django_capture_on_commit_callbacks):
    rows = [["王建国", id_number(13), "13900001111", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "", "", ""]]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = start(world, xlsx_file(rows), name="蓬莱路居民-王建国.xlsx")
    [sheet] = stored_sheets(settings)  # waiting for the worker: the file is there, under a random name
    assert "王建国" not in sheet.name and sheet.suffix == ".xlsx"
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert stored_sheets(settings) == [] and not job.file
    assert job.filename == "蓬莱路居民-王建国.xlsx"  # the status page still names the upload


def test_the_sheet_is_deleted_when_the_import_fails(world, settings, django_capture_on_commit_callbacks):
    bad = id_number(14)[:-1] + ("0" if id_number(14)[-1] != "0" else "1")
    rows = [["王建国", bad, "13900001111", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "", "", ""]]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.FAILED
    assert stored_sheets(settings) == [] and not job.file
    unreadable = run(world, django_capture_on_commit_callbacks, b"not a workbook")
    assert unreadable.status == ImportJob.Status.FAILED
    assert stored_sheets(settings) == []


def test_the_sheet_is_deleted_when_the_import_crashes(world, settings, django_capture_on_commit_callbacks, monkeypatch):
    rows = [["王建国", id_number(15), "", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "", "", ""]]
    importer = imports.get_importer("people.residents")

    def broken(job, plan):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "write", broken)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = start(world, xlsx_file(rows))
    queued[0]()  # the task logs the crash (huey keeps the worker alive)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert stored_sheets(settings) == [] and not job.file


def test_imports_purge_deletes_sheets_an_older_release_left(world, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    def job(status, name):
        j = ImportJob(kind="people.residents", filename=name, region=world.penglai, status=status)
        j.file.save(name, ContentFile(b"PK full ID numbers"), save=False)
        j.save()
        return j

    done, failed = job(ImportJob.Status.DONE, "done.xlsx"), job(ImportJob.Status.FAILED, "failed.xlsx")
    waiting = job(ImportJob.Status.PENDING, "waiting.xlsx")
    default_storage.save("imports/2025/01/居民-无任务.xlsx", ContentFile(b"PK"))
    assert len(stored_sheets(settings)) == 4
    out = io.StringIO()
    call_command("imports_purge", stdout=out)
    assert "would delete 3 files" in out.getvalue() and len(stored_sheets(settings)) == 4  # a dry run by default
    call_command("imports_purge", "--commit", stdout=io.StringIO())
    assert [p.name for p in stored_sheets(settings)] == [waiting.file.name.rsplit("/", 1)[-1]]
    for j in (done, failed):
        j.refresh_from_db()
        assert not j.file
