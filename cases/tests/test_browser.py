"""In a real Chromium on a phone-size screen: a resident raises a need with a photo and gets the
case number; the neighbourhood worker resolves it from the case page (htmx); the resident then
follows it and rates the result."""

import pytest
from PIL import Image

from cases.actions.workflow import case_dispatch
from cases.models import Case
from tests.browser import login, save_screenshot

pytestmark = pytest.mark.browser


def test_resident_raises_a_need_and_a_worker_resolves_it(
    transactional_db, live_server, phone_page, world, users, routed, tmp_path
):
    page = phone_page
    photo = tmp_path / "deng.jpg"
    Image.new("RGB", (640, 480), (90, 90, 90)).save(photo, format="JPEG")

    # 1. the resident, no account, on a phone
    page.goto(live_server.url + "/cases/public/new/")
    assert float(page.evaluate("getComputedStyle(document.body).fontSize").rstrip("px")) >= 18
    page.fill("#id_name", "张阿姨")
    page.fill("#id_phone", "13812345678")
    page.select_option("#id_region", label="蓬莱路居委")
    page.fill("#id_location_text", "蓬莱路100弄3号")
    page.select_option("#id_category", label="城市管理类")
    page.fill("#id_description", "楼道灯坏了一个多月，晚上下楼看不见。")
    page.set_input_files("#id_photos", str(photo))
    submit = page.locator("button:has-text('提交')")
    assert submit.bounding_box()["height"] >= 44
    submit.click()
    number = page.locator("#case-number").inner_text()
    assert number.startswith("MH")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    save_screenshot(page, "case-raised-phone.png")

    # routing: 城市管理类 has no rule of its own → the dispatcher sends it to the committee
    case = Case.objects.get(number=number)

    case_dispatch(case=case, unit=world.penglai_committee, by=users["staff"])

    # 2. the worker resolves it from the case page, also on a phone
    worker = page.context.new_page()
    login(worker, live_server, "worker")
    worker.goto(f"{live_server.url}/cases/{case.pk}/")
    assert "还剩" in worker.locator("#time-left").inner_text()
    # the next step (签收) is the one primary button; 办结 is under 更多
    worker.click("#actions summary:has-text('更多')")
    worker.click("#step-resolve summary")
    worker.fill("#id_resolve_note", "已更换楼道灯，居民确认亮了。")
    worker.click("button[data-action=resolve]")
    worker.wait_for_selector("text=已保存。")
    assert worker.locator(".badge", has_text="已办结").first.is_visible()
    save_screenshot(worker, "case-resolved-phone.png")

    # 3. the resident follows the case (session from step 1) and rates it
    page.click("text=查看办理进度")
    assert page.locator("#public-status").inner_text() == "已办结"
    page.check("input[value=satisfied]")
    page.click("button:has-text('提交评价')")
    assert page.locator("text=谢谢您的评价").is_visible()
    case.refresh_from_db()
    assert case.status == "visited" and case.verdict == "satisfied"
