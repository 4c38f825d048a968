"""Guides in and out of Excel (the shared import job: all or nothing, row errors in Chinese), the shipped file
through the command, and the evaluation command's output."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from guides import importers
from guides.demo import DATA
from guides.models import Guide, GuideRevision
from lib import xlsx
from org.models import Role
from org.testing import make_user
from people.models import ImportJob

HEADERS = [c.header for c in importers.COLUMNS]


def _row(**values):
    base = {
        "事项编码": "elderly-meal-service",
        "层级": "街道",
        "事项名称": "社区老年助餐服务",
        "咨询主题": "养老",
        "责任单位": "老西门街道社区服务办",
        "设定依据": "《上海市养老服务条例》",
        "申请材料": "居民身份证 | 1 | 0 | 办卡用",
        "复核日期": "2030-06-30",
    }
    base.update(values)
    return [base.get(h, "") for h in HEADERS]


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """upload(client, region, rows): the import page, with the queued job run when the request commits."""

    def post(client, region, rows):
        content = xlsx.workbook_bytes(HEADERS, rows)
        file = SimpleUploadedFile("指南.xlsx", content, content_type=xlsx.XLSX_CONTENT_TYPE)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("guides:import"), {"region": region.pk, "file": file})

    return post


def test_an_excel_import_puts_every_row_up_for_review(world, users, topics, client_for, colleague, upload):
    client = client_for(users["staff"])
    response = upload(client, world.laoximen, [_row(), _row(事项编码="parcel-delivery-help", 事项名称="快递代收")])
    job = ImportJob.objects.get()
    assert response.url == reverse("people:import_status", args=[job.pk])
    assert job.status == ImportJob.Status.DONE and job.result == {"新指南": 2, "待审核修改": 0}
    assert set(GuideRevision.objects.values_list("status", flat=True)) == {"pending"}
    assert GuideRevision.objects.get(guide__code="elderly-meal-service").data["materials"] == [
        {"name": "居民身份证", "originals": 1, "copies": 0, "note": "办卡用"}
    ]
    queue = client_for(colleague).get(reverse("guides:review_queue")).content.decode()
    assert "社区老年助餐服务" in queue and "快递代收" in queue


def test_one_bad_row_stops_the_whole_import_with_chinese_errors(world, users, topics, client_for, upload):
    rows = [
        _row(),
        _row(事项编码="legal-aid", 咨询主题="天文", 申请材料="身份证 | 一份"),
        _row(事项编码="x", 层级="省级", 复核日期=""),
        _row(),  # the first row again
    ]
    upload(client_for(users["staff"]), world.laoximen, rows)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    found = {(e["row"], e["column"]) for e in job.errors}
    assert {(3, "咨询主题"), (3, "申请材料"), (4, "层级"), (4, "复核日期"), (5, "事项编码")} <= found
    assert any("不是已有的咨询主题" in e["message"] for e in job.errors)
    assert not Guide.objects.exists()


def test_staff_cannot_import_guides_for_another_office_or_level(world, users, topics, offices, client_for, upload):
    rows = [_row(层级="区级", 责任单位="黄浦区民政局")]
    upload(client_for(users["staff"]), world.laoximen, rows)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.FAILED
    assert (
        job.errors[0]["column"] == "责任单位" and "不能以“黄浦区民政局”的名义编写区级指南" in job.errors[0]["message"]
    )


def test_export_has_the_import_columns_and_imports_again_as_new_versions(
    make_guide, world, users, client_for, colleague
):
    make_guide("elderly-meal-service", "社区老年助餐服务", hours="11:00—12:30")
    client = client_for(users["staff"])
    exported = client.get(reverse("guides:export"))
    rows = xlsx.read_rows(io.BytesIO(exported.content), importers.COLUMNS)
    assert [r["code"] for _n, r in rows] == ["elderly-meal-service"]
    assert rows[0][1]["level"] == "街道" and rows[0][1]["hours"] == "11:00—12:30"
    plan, errors = importers.validate(rows, region=world.laoximen, by=users["staff"])
    assert errors == [] and plan[0]["guide"] is not None
    assert importers.write(plan, by=users["staff"]) == {"新指南": 0, "待审核修改": 1}
    assert Guide.objects.get().revisions.get(status="pending").number == 2


def test_the_import_command_checks_first_and_writes_with_commit(world, users, topics, offices):
    make_user("reviewer", role=Role.ADMIN, region=world.huangpu)
    out = io.StringIO()
    call_command("guides_import", str(DATA), region="老西门街道", by="admin", stdout=out)
    assert "检查通过：25 份" in out.getvalue() and not Guide.objects.exists()
    # a reviewer who may not review every row (the district's guides): nothing is written
    with pytest.raises(CommandError, match="无权审核"):
        call_command("guides_import", str(DATA), region="老西门街道", by="admin", approve_by="staff", commit=True)
    assert not Guide.objects.exists()
    options = {"region": "老西门街道", "by": "admin", "approve_by": "reviewer", "commit": True, "stdout": out}
    call_command("guides_import", str(DATA), **options)
    assert Guide.objects.filter(status="published").count() == 25


def test_the_evaluation_command_prints_top1_top3_and_time_last(shipped_guides, tmp_path):
    questions = tmp_path / "q.csv"
    questions.write_text(
        "id,question,desk,guide\n"
        "a,阿拉姆妈想住敬老院，要啥条件伐,养老,nursing-home-entry\n"
        "b,评估价太低了能不能复核,旧改,renewal-appraisal-objection\n"
        "c,厕所在哪里,物流,none\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("guides_evaluate", questions=str(questions), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert lines[-1].startswith("top1=1.000 top3=1.000 ms_per_question=")
    assert "none=1 none_without_confident_suggestion=1" in lines[-2]
