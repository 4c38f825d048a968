"""A volunteer on a phone-size screen confirms today's deliveries; one person does not answer."""

import pytest
from django.utils import timezone

from care.actions import meals, routes
from care.models import Delivery, SafetyAlert
from notify.models import Message
from tests.browser import login


@pytest.mark.browser
def test_volunteer_confirms_deliveries_on_a_phone_one_no_answer(
    transactional_db, live_server, phone_page, world, users, make_recipient, make_volunteer
):
    vol = make_volunteer("党员刘", username="vol_liu")
    first = make_recipient("黄阿婆", volunteer=vol, offset=1, low_salt=True)
    second = make_recipient("马老伯", volunteer=vol, offset=3, contacts=[("马小红", "女儿", "13800000009")])
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today)
    routes.round_plan(rnd=Delivery.objects.get(recipient=first).round, seconds=0.3)
    page = phone_page
    login(page, live_server, "vol_liu")
    page.goto(f"{live_server.url}/care/my/")
    assert page.locator(".care-map").is_visible()
    # the stops' ids read before any click: a query from here while the live server writes finds
    # SQLite's shared in-memory tables locked
    first_stop = f"#stop-{Delivery.objects.get(recipient=first).pk}"
    second_stop = f"#stop-{Delivery.objects.get(recipient=second).pk}"
    one, two = page.locator(first_stop), page.locator(second_stop)
    assert "低盐" in one.inner_text()

    one.get_by_role("button", name="良好").click()
    page.locator(f"{first_stop} .care-done").wait_for()
    two.get_by_role("button", name="无人应答").click()
    page.locator(f"{second_stop} .care-done").wait_for()
    assert "已通知社工" in page.locator(second_stop).inner_text()

    assert Delivery.objects.get(recipient=first).state == "good"
    alert = SafetyAlert.objects.get(recipient=second)
    assert alert.status == "open" and alert.steps.count() == 1
    assert Message.objects.filter(purpose="care.safety").exists()
