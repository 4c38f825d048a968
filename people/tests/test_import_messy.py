"""A residents' sheet as people fill it: full-width digits typed on a phone, odd spaces, old 15-digit ID numbers,
Chinese numerals in house numbers, ID numbers stored as numbers, and a file cut off on the way."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from lib import idcard
from people import imports
from people.models import Address, ImportJob, Resident

from .conftest import id_number, xlsx_file

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def run(world, capture, content, name="居民.xlsx"):
    with capture(execute=True):
        job = imports.import_start(
            kind="people.residents",
            file=SimpleUploadedFile(name, content),
            by=world.users["worker"],
            region=world.penglai,
        )
    job.refresh_from_db()
    return job


def test_a_messy_sheet_imports_as_if_typed_cleanly(world, tags, make_resident, django_capture_on_commit_callbacks):
    existing = make_resident("老户主", address={"road": "蓬莱路", "lane": "121", "number": "5", "room": "101"})
    old = idcard.make("310101", datetime.date(1952, 7, 9), 15)
    rows = [
        # full-width ID and phone, odd spaces, ５号 beside the registered 5号
        [
            "\u3000王 建国 ",
            id_number(21).translate(FULL),
            "１３９ ００００ ２２２２",
            " 蓬莱路第一网格\u00a0",
            "蓬莱路",
            "１２１",
            "５号",
            "１０１",
            "子女",
            "空巢",
            "",
        ],
        # an old 15-digit ID number; the house number in Chinese numerals
        ["李秀英", old[:6] + old[8:17], "", "蓬莱路第一网格", "蓬莱 路", "一二一弄", "三", "二〇一室", "户主", "", ""],
        # a 15-digit number stored as a number cell is exact and converted too
        ["张桂英", int(old[:6] + old[8:16] + "3"), "", "蓬莱路第一网格", "蓬莱路", "121", "3号", "201", "配偶", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.DONE, job.errors

    wang = Resident.objects.by_id_number(id_number(21)).get()
    assert wang.name == "王 建国" and wang.phone == "13900002222"
    assert wang.household == existing.household  # ５号 is the 5号 already registered
    li = Resident.objects.by_id_number(old).get()
    zhang = Resident.objects.get(name="张桂英")
    assert li.household == zhang.household
    address = li.household.address
    assert (address.road, address.lane, address.number, address.room) == ("蓬莱路", "121", "3", "201")
    assert Address.objects.count() == 2
    assert job.result["新建地址"] == 1 and job.result["居民"] == 3
    notes = job.result["提示"]
    assert [(n["row"], n["column"]) for n in notes] == [(3, "身份证号"), (4, "身份证号")]
    assert all(n["message"].startswith("15 位旧身份证号已转换为 18 位") for n in notes)


def test_the_status_page_lists_the_conversions(world, client_for, django_capture_on_commit_callbacks):
    old = idcard.make("310101", datetime.date(1952, 7, 9), 15)
    rows = [["李秀英", old[:6] + old[8:17], "", "蓬莱路第一网格", "蓬莱路", "9", "9", "9", "", "", ""]]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    page = client_for(world.users["worker"]).get(f"/people/import/{job.pk}/")
    text = page.content.decode()
    assert "15 位旧身份证号已转换为 18 位" in text and "第 2 行" in text and "居民 1" in text


def test_an_id_number_stored_as_a_number_is_explained(world, django_capture_on_commit_callbacks):
    rows = [
        ["王建国", 3.10101198809165e17, "", "蓬莱路第一网格", "蓬莱路", "1", "1", "1", "", "", ""],
        ["李秀英", "3.10101198809165E+17", "", "蓬莱路第一网格", "蓬莱路", "1", "1", "2", "", "", ""],
    ]
    job = run(world, django_capture_on_commit_callbacks, xlsx_file(rows))
    assert job.status == ImportJob.Status.FAILED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "身份证号"), (3, "身份证号")]
    assert all("请将身份证号列设为文本" in e["message"] for e in job.errors)
    assert Resident.objects.count() == 0


def test_a_file_cut_off_on_the_way_gets_a_file_level_message(world, django_capture_on_commit_callbacks):
    rows = [
        [f"居民{i}", id_number(100 + i), "", "蓬莱路第一网格", "蓬莱路", "1", "1", str(i), "", "", ""]
        for i in range(200)
    ]
    content = xlsx_file(rows)
    job = run(world, django_capture_on_commit_callbacks, content[: len(content) * 2 // 3])
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0]["row"] is None and job.errors[0]["message"].startswith("文件已损坏")


def test_an_address_typed_in_a_form_is_the_one_the_import_registered(world, make_resident, tags):
    from people import services

    first = services.address_get_or_create(region=world.penglai_grid, road="蓬莱路", lane="121", number="5", by=None)
    again = services.address_get_or_create(
        region=world.penglai_grid, road=" 蓬莱路", lane="一二一弄", number="５号", by=world.users["admin"]
    )
    assert again == first and (again.lane, again.number) == ("121", "5")
