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
