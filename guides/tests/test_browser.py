"""A service day at the elderly-care desk, in Chromium: the question typed, the nursing-home guide suggested first
and marked as the answer, the resident's SMS link opened on a phone, and the event report counting it."""

import re

import pytest

from notify.models import Message
from tests.browser import login, save_screenshot

from .conftest import serve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_question_at_the_elderly_desk_is_answered_from_a_guide_the_resident_takes_home(
    live_server, desktop_page, phone_page, settings, shipped_guides, event, elderly_desk, users
):
    settings.SITE_URL = live_server.url
    serve(elderly_desk, users["staff"], name="王阿姨", phone="13900002222")
    page = desktop_page
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/events/desks/{elderly_desk.pk}/")

    # 1. the volunteer types the resident's question; the guides appear as they type
    page.get_by_label("咨询内容").fill("阿拉姆妈八十六了，一家头住勿来了，想住到敬老院去，要准备点啥材料")
    first = page.locator("[data-testid=suggestions] li").first
    first.wait_for()
    assert first.get_attribute("data-code") == "nursing-home-entry"

    # 2. one tap marks it as the answer; the SMS to the resident is ticked
    first.get_by_role("button", name="用这份解答").click()
    chosen = page.get_by_test_id("chosen-guide")
    chosen.wait_for()
    assert "申请入住养老机构" in chosen.inner_text()
    assert chosen.get_by_label("短信把这份指南发给居民").is_checked()
    page.get_by_role("button", name="完成并记录").click()
    page.get_by_text("已记录咨询。").wait_for()

    # 3. the resident's SMS link opens the guide on a phone, in large type, nothing wider than the screen
    body = Message.objects.get(purpose="guides.link").body
    link = re.search(r"https?://\S+/g/\d+/nursing-home-entry/", body).group(0)
    phone_page.goto(link)
    assert phone_page.get_by_test_id("guide-name").inner_text() == "申请入住养老机构"
    assert phone_page.get_by_text("要带的材料").is_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    size = phone_page.evaluate("parseFloat(getComputedStyle(document.querySelector('.plain')).fontSize)")
    assert size >= 20
    save_screenshot(phone_page, "guide-on-phone.png")

    # 4. the event report counts the question as answered from a guide
    page.goto(f"{live_server.url}/events/{event.pk}/report/")
    report = page.locator("#guide-answers").inner_text()
    assert "共记录咨询 1 次，其中 1 次依据办事指南答复" in report
    assert "申请入住养老机构：1" in report
