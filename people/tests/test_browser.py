"""In a real Chromium: a neighbourhood worker finds a resident and sees the masked ID number; the
full number appears only after "查看完整信息", which is audited. Saves docs/screenshots/resident.png."""

import pytest

from audit.models import AuditEntry
from tests.browser import login, save_screenshot

from .conftest import id_number

pytestmark = pytest.mark.browser


def test_worker_finds_a_resident_and_sees_the_masked_id(
    transactional_db, live_server, desktop_page, world, tags, make_resident
):
    number = id_number(42)
    resident = make_resident(
        "王秀英",
        id_number=number,
        phone="13900001234",
        address={"road": "蓬莱路", "lane": "121", "number": "3", "room": "201"},
        relation="head",
        tags=[tags["独居"]],
    )
    make_resident("李建国")
    make_resident("陈静", region=world.shaanxi_grid, by=world.users["staff_tianping"])
    page = desktop_page
    login(page, live_server, "worker")
    page.click("a.tile:has-text('居民档案')")
    page.fill("#id_q", "秀英")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/people/?*q=*")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1 and "陈静" not in page.content()
    page.click("a:has-text('王秀英')")
    masked = page.locator("[data-testid=id-masked]")
    assert masked.inner_text() == number[:4] + "*" * 10 + number[-4:]
    assert "masked" in masked.get_attribute("class")
    assert number not in page.content() and "13900001234" not in page.content()
    save_screenshot(page, "resident.png")

    page.click("button:has-text('查看完整信息')")
    assert page.locator("[data-testid=id-full]").inner_text() == number  # swapped in place by htmx
    assert page.url.endswith(f"/people/{resident.pk}/")
    assert AuditEntry.objects.filter(kind="view", object_id=str(resident.pk), actor=world.users["worker"]).count() == 1


def test_worker_imports_a_file_and_sees_the_bad_row_then_the_result(
    transactional_db, live_server, desktop_page, world, tmp_path
):
    from people.models import Resident

    from .conftest import xlsx_file

    good = ["王建国", id_number(7), "", "蓬莱路第一网格", "蓬莱路", "121", "3", "201", "户主", "", ""]
    bad = [
        "李秀英",
        id_number(8)[:-1] + ("0" if id_number(8)[-1] != "0" else "1"),
        "",
        "蓬莱路第一网格",
        "蓬莱路",
        "121",
        "3",
        "201",
        "配偶",
        "",
        "",
    ]
    page = desktop_page
    login(page, live_server, "worker")
    page.goto(f"{live_server.url}/people/import/")
    (tmp_path / "居民.xlsx").write_bytes(xlsx_file([good, bad]))
    page.set_input_files("#id_file", str(tmp_path / "居民.xlsx"))
    page.click("button:has-text('上传并检查')")
    page.wait_for_selector("text=未导入任何数据")
    assert page.locator("#import-progress tbody tr").inner_text().split() == [
        "第",
        "3",
        "行",
        "身份证号",
        "身份证号校验位不正确",
    ]
    assert not Resident.objects.exists()

    page.click("a:has-text('重新上传')")
    (tmp_path / "居民.xlsx").write_bytes(xlsx_file([good, [*bad[:1], id_number(8), *bad[2:]]]))
    page.set_input_files("#id_file", str(tmp_path / "居民.xlsx"))
    page.click("button:has-text('上传并检查')")
    page.wait_for_selector("[data-testid=import-status]:has-text('导入成功')")
    assert "居民 2" in page.locator("#import-progress").inner_text()
    assert Resident.objects.count() == 2
