"""In a real Chromium: a neighbourhood worker logs in and lands on their home page; a resident on a
phone sees the welcome page. The screenshots are the ones in the README."""

import pytest

from tests.browser import login, save_screenshot

pytestmark = pytest.mark.browser


def test_worker_logs_in_and_sees_their_home_page(transactional_db, live_server, desktop_page, world):
    page = desktop_page
    login(page, live_server, "worker")
    assert page.locator("h1").inner_text() == "王芳，您好"
    assert "蓬莱路居委 · 居委干部/网格员" in page.locator(".lead").inner_text()
    assert page.locator("a.tile", has_text="辖区与单位").is_visible()
    # 18px body text for older eyes
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "18px"
    save_screenshot(page, "home.png")
    page.click("text=辖区与单位")
    assert page.locator("text=蓬莱路第一网格").is_visible()
    page.click("button:has-text('退出')")
    page.wait_for_url(f"{live_server.url}/accounts/login/")


def test_welcome_page_on_a_phone(transactional_db, live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "民有所呼，我有所应"
    login_tile = page.locator("a.tile", has_text="工作人员登录")
    box = login_tile.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300  # a large tap target filling the phone's width
    no_horizontal_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_horizontal_scroll
    save_screenshot(page, "welcome-phone.png")


def test_staff_filters_the_audit_log_in_place(transactional_db, live_server, desktop_page, world, users):
    from audit.services import record_view

    record_view(actor=users["worker"], obj=world.penglai_grid)
    page = desktop_page
    login(page, live_server, "staff")  # writes a login entry
    page.goto(live_server.url + "/audit/")
    assert page.locator("text=共 2 条").is_visible()
    page.click("summary:has-text('筛选条件')")
    page.select_option("#id_kind", "view")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/audit/?*kind=view*")  # htmx swapped the table and pushed the address
    assert page.locator("text=共 1 条").is_visible()
    assert page.locator("#entries td", has_text="王芳").is_visible()
    save_screenshot(page, "audit.png")
