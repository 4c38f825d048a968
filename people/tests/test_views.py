import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEntry
from people.models import ImportJob, Resident

from .conftest import id_number, xlsx_file


def test_resident_list_finds_by_name_and_shows_masked_ids(world, make_resident, client_for):
    make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    make_resident("李建国")
    response = client_for(world.users["worker"]).get(reverse("people:resident_list"), {"q": "秀英"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "王秀英" in html and "李建国" not in html
    assert id_number(1) not in html and id_number(1)[:4] + "**********" + id_number(1)[-4:] in html
    assert "139****1111" in html and "13900001111" not in html


def test_resident_list_finds_by_full_id_number_and_phone(world, make_resident, client_for):
    make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    make_resident("李建国")
    client = client_for(world.users["worker"])
    assert "王秀英" in client.get(reverse("people:resident_list"), {"q": id_number(1)}).content.decode()
    html = client.get(reverse("people:resident_list"), {"q": "13900001111"}).content.decode()
    assert "王秀英" in html and "李建国" not in html


def test_a_home_landline_is_kept_with_its_area_code_and_found_however_it_is_typed(world, make_resident, client_for):
    make_resident("王秀英", phone="（021）6328-1234")
    client = client_for(world.users["worker"])
    assert Resident.objects.get(name="王秀英").phone == "02163281234"
    assert "王秀英" in client.get(reverse("people:resident_list"), {"q": "021 6328 1234"}).content.decode()
    with pytest.raises(ValidationError, match="带区号的固定电话"):
        make_resident("李建国", phone="63281234")  # a local number without its area code


def test_resident_list_query_count_does_not_grow_with_rows(
    world, make_resident, tags, client_for, django_assert_num_queries
):
    for i in range(12):
        r = make_resident(f"居民{i}", address={"road": "蓬莱路", "lane": "1", "number": str(i)})
        r.tags.set([tags["独居"], tags["残疾"]])
    client = client_for(world.users["worker"])
    client.get(reverse("people:resident_list"))  # warm the session
    # session, user, roles, scope paths ×2 (rows and region choices), count, region choices, tags, rows, row tags,
    # and the one audit entry of the read
    with django_assert_num_queries(11):
        response = client.get(reverse("people:resident_list"))
    assert response.content.decode().count("独居") >= 12


def test_filter_by_grid_and_tag(world, make_resident, tags, client_for):
    a = make_resident("网格居民", region=world.penglai_grid)
    a.tags.set([tags["独居"]])
    make_resident("居委居民", region=world.penglai)
    client = client_for(world.users["staff"])
    html = client.get(reverse("people:resident_list"), {"region": world.penglai_grid.pk}).content.decode()
    assert "网格居民" in html and "居委居民" not in html
    html = client.get(reverse("people:resident_list"), {"tag": tags["独居"].pk}).content.decode()
    assert "网格居民" in html and "居委居民" not in html


def test_detail_is_masked_and_reveal_is_audited(world, make_resident, client_for):
    resident = make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    client = client_for(world.users["worker"])
    html = client.get(reverse("people:resident_detail", args=[resident.pk])).content.decode()
    assert 'class="masked"' in html and id_number(1) not in html and "查看完整信息" in html
    assert not AuditEntry.objects.filter(kind="view").exists()
    response = client.post(reverse("people:resident_reveal", args=[resident.pk]), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert id_number(1) in html and "13900001111" in html and "<html" not in html
    entry = AuditEntry.objects.get(kind="view", object_id=str(resident.pk))
    assert entry.actor == world.users["worker"] and id_number(1) not in str(entry.detail)


def test_create_rejects_a_bad_id_number_in_chinese(world, client_for):
    client = client_for(world.users["worker"])
    good = id_number(3)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    data = {"name": "张桂英", "id_number": bad, "region": world.penglai_grid.pk, "road": "蓬莱路", "lane": "5"}
    response = client.post(reverse("people:resident_create"), data)
    assert response.status_code == 200
    assert "身份证号校验位不正确" in response.content.decode()
    response = client.post(reverse("people:resident_create"), {**data, "id_number": "3101"})
    assert "身份证号应为18位，当前为4位" in response.content.decode()
    assert not Resident.objects.exists()
    response = client.post(reverse("people:resident_create"), {**data, "id_number": good, "phone": "139 0000 2222"})
    resident = Resident.objects.get()
    assert response.url == reverse("people:resident_detail", args=[resident.pk])
    assert resident.household.address.text == "蓬莱路5弄" and resident.phone == "13900002222"


def test_worker_cannot_create_a_resident_in_another_neighbourhood(world, client_for):
    client = client_for(world.users["worker"])
    data = {"name": "张桂英", "id_number": id_number(3), "region": world.shaanxi_grid.pk}
    response = client.post(reverse("people:resident_create"), data)
    assert "所属居委/网格：选择一个有效的选项" in response.content.decode()
    assert not Resident.objects.exists()


def test_edit_refuses_to_overwrite_a_change_made_in_between(world, make_resident, client_for):
    resident = make_resident("王秀英")
    client = client_for(world.users["worker"])
    page = client.get(reverse("people:resident_edit", args=[resident.pk])).context["form"]
    data = {k: v for k, v in page.initial.items() if k != "tags"}
    data.update(region=resident.region_id, name="王秀英（改）")
    from people import services

    services.resident_update(resident=resident, by=world.users["staff"], note="别人先改了")
    response = client.post(reverse("people:resident_edit", args=[resident.pk]), data)
    assert "该居民信息已被他人修改" in response.content.decode()
    resident.refresh_from_db()
    assert resident.name == "王秀英" and resident.note == "别人先改了"


def test_export_is_masked_and_audited_and_full_only_for_admin(world, make_resident, client_for):
    make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    client = client_for(world.users["worker"])
    response = client.get(reverse("people:export"), {"q": "王"})
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A2"].value == "王秀英" and sheet["B2"].value == id_number(1)[:4] + "*" * 10 + id_number(1)[-4:]
    assert sheet["C2"].value == "139****1111"
    assert AuditEntry.objects.filter(kind="export", action="people.resident.export").count() == 1
    assert client.get(reverse("people:export"), {"full": "1"}).status_code == 403
    admin = client_for(world.users["admin"])
    sheet = load_workbook(io.BytesIO(admin.get(reverse("people:export"), {"full": "1"}).content)).active
    assert sheet["B2"].value == id_number(1)
    assert AuditEntry.objects.get(actor=world.users["admin"], kind="export").detail["完整身份证号"] is True


def test_template_download_has_the_import_headers(world, client_for):
    response = client_for(world.users["worker"]).get(reverse("people:import_template"))
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["姓名*", "身份证号*", "手机", "居委/网格*"]


@pytest.mark.django_db(transaction=True)
def test_import_page_uploads_and_shows_progress_then_result(world, client_for):
    client = client_for(world.users["worker"])
    rows = [["王建国", id_number(1), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "户主", "", ""]]
    upload = io.BytesIO(xlsx_file(rows))
    upload.name = "居民.xlsx"
    response = client.post(reverse("people:import"), {"region": world.penglai.pk, "file": upload})
    job = ImportJob.objects.get()
    assert response.url == reverse("people:import_status", args=[job.pk])
    partial = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "导入成功" in partial and "居民 1" in partial and "hx-trigger" not in partial
    assert Resident.objects.get().name == "王建国"


@pytest.mark.django_db(transaction=True)
def test_import_page_lists_bad_rows(world, client_for):
    client = client_for(world.users["worker"])
    rows = [["", id_number(1), "", "蓬莱路第一网格", "蓬莱路", "", "", "", "", "", ""]]
    upload = io.BytesIO(xlsx_file(rows))
    upload.name = "居民.xlsx"
    response = client.post(reverse("people:import"), {"region": world.penglai.pk, "file": upload}, follow=True)
    html = response.content.decode()
    assert "未导入任何数据" in html and "第 2 行" in html and "姓名不能为空。" in html


def test_an_export_too_large_asks_to_narrow_the_list(world, make_resident, client_for, monkeypatch):
    from people import views

    monkeypatch.setattr(views, "EXPORT_LIMIT", 1)
    make_resident("甲")
    make_resident("乙")
    response = client_for(world.users["worker"]).get(reverse("people:export"), {"q": ""}, follow=True)
    assert "符合条件的居民超过 1 人，请先按辖区或标签筛选后再导出。" in response.content.decode()
    assert not AuditEntry.objects.filter(kind="export").exists()
