"""The residents importer row by row: the order its checks report in, the address clash in both wordings, and how
new households are named. Pinned before ``validate``/``write`` were split into one function per step."""

from people.models import Address, Household, ImportJob, Resident

from .conftest import id_number, xlsx_file
from .test_import import run


def test_row_errors_come_in_the_order_of_the_checks(world, make_resident, django_capture_on_commit_callbacks):
    rows = [
        ["丁", id_number(30), "", "蓬莱路第一网格", "蓬莱路", "1", "1", "1", "", "", ""],
        # the same number as row 2 but no region: no register to clash in (people.models.registry_of)
        ["戊" * 51, id_number(30), "12", "", "", "1", "1", "1", "表亲", "富裕", ""],
        ["己", "", "", "蓬莱路居委/蓬莱路第一网格", "蓬莱路", "1", "1", "2", "", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "姓名"),
        (3, "手机"),
        (3, "居委/网格"),
        (3, "路"),
        (3, "与户主关系"),
        (3, "标签"),
        (4, "身份证号"),
    ]
    assert job.errors[0]["message"] == "姓名过长（最多 50 个字）。"
    assert job.errors[2]["message"] == "居委/网格不能为空。"
    assert job.errors[6]["message"] == "身份证号不能为空。"


def test_an_address_registered_in_another_region_is_named_only_when_the_uploader_may_see_it(
    world, make_resident, django_capture_on_commit_callbacks
):
    make_resident("甲", region=world.penglai, address={"road": "蓬莱路", "lane": "7", "number": "7", "room": "7"})
    Address.objects.create(region=world.shaanxi_grid, road="蓬莱路", lane="8", number="8", room="8")
    rows = [
        ["丙", id_number(31), "", "蓬莱路第一网格", "蓬莱路", "7", "7", "7", "", "", ""],
        ["丁", id_number(32), "", "蓬莱路第一网格", "蓬莱路", "8", "8", "8", "", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.errors == [
        {"row": 2, "column": "路", "message": "该地址已登记在“蓬莱路居委”，与所填辖区不一致。"},
        {"row": 3, "column": "路", "message": "该地址不在所填辖区，请核对路名门牌；如确需登记请联系街道。"},
    ]


def test_a_new_household_is_named_after_its_head_else_its_first_member(world, django_capture_on_commit_callbacks):
    rows = [
        ["子女甲", id_number(33), "", "蓬莱路第一网格", "蓬莱路", "9", "1", "101", "子女", "", ""],
        ["户主乙", id_number(34), "", "蓬莱路第一网格", "蓬莱路", "9", "1", "101", "户主", "", ""],
        ["配偶丙", id_number(35), "", "蓬莱路第一网格", "蓬莱路", "9", "1", "101", "配偶", "", ""],
        ["子女丁", id_number(36), "", "蓬莱路第一网格", "蓬莱路", "9", "1", "102", "子女", "", ""],
        ["配偶戊", id_number(37), "", "蓬莱路第一网格", "蓬莱路", "9", "1", "102", "", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.DONE, job.errors
    assert job.result == {"居民": 5, "新建户": 2, "新建地址": 2}
    assert sorted(Household.objects.values_list("address__room", "name")) == [("101", "户主乙"), ("102", "子女丁")]
    assert Address.objects.count() == 2
    assert list(Resident.objects.order_by("pk").values_list("name", "relation")) == [
        ("子女甲", "child"),
        ("户主乙", "head"),
        ("配偶丙", "spouse"),
        ("子女丁", "child"),
        ("配偶戊", ""),
    ]
