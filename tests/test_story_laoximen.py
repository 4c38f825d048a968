"""Seed story 000 (老西门街道, 蓬莱路地块 旧改) walked on a phone (390×844): the renovation office answers "how big a
flat can my compensation buy?" for a household that has not signed, the service day is started and a desk calls
the next resident, and a consultation needing follow-up becomes a case named by its number. Each page the
person sees is checked by axe-core with no critical or serious finding."""

import datetime
from decimal import Decimal as D

import pytest
from django.utils import timezone

from events import services as events
from events.models import DeskTopic
from renewal import services as renewal
from renewal.models import Certificate, PlanItem, Plot, RenewalProject
from tests.browser import axe_findings, login, page_fits, save_screenshot


def _household(world, users):
    """A published plan whose best signing tier ended yesterday; a public-housing tenant not yet signed."""
    today = timezone.localdate()
    now = timezone.now()
    project = RenewalProject.objects.create(
        name="蓬莱路地块",
        region=world.laoximen,
        signing_start=now - datetime.timedelta(days=12),
        signing_end=now + datetime.timedelta(days=28),
        round2_threshold=D("0.85"),
    )
    plot = Plot.objects.create(project=project, name="一期")
    plan = renewal.plan_create_draft(
        project=project, by=users["staff"], average_price=D("50000"), conversion_price=D("21500")
    )
    renewal.plan_item_add(
        plan=plan,
        by=users["staff"],
        name="装潢补偿",
        kind=PlanItem.Kind.MAX_RATE_MIN,
        rate=D("300"),
        minimum=D("10000"),
    )
    renewal.plan_item_add(
        plan=plan,
        by=users["staff"],
        name="签约奖励",
        kind=PlanItem.Kind.DAY_TIERS,
        tiers=[
            {"until": (today - datetime.timedelta(days=1)).isoformat(), "minimum": "100000"},
            {"until": (today + datetime.timedelta(days=28)).isoformat(), "minimum": "50000"},
        ],
    )
    renewal.plan_publish(plan=plan, by=users["staff"])
    cert = Certificate.objects.create(
        project=project,
        plot=plot,
        number="黄浦-蓬莱-0001",
        kind=Certificate.Kind.PUBLIC_LEASE,
        holder_name="张某",
        address="蓬莱路 121 弄 1 号",
        house_type="旧式里弄",
        building_area=D("20"),
    )
    renewal.certificate_estimate(certificate=cert, by=users["staff"])
    return cert


def _service_day(world, users):
    now = timezone.localtime()
    event = events.event_create(
        title="旧改居民志愿服务日",
        region=world.laoximen,
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=3),
        place="上海文庙门口",
        organiser=world.laoximen_office,
        by=users["staff"],
    )
    topic, _ = DeskTopic.objects.get_or_create(name="法律", defaults={"category_code": "legal"})
    desk = events.desk_add(event=event, topic=topic, by=users["staff"])
    events.ticket_take(desk=desk, session_key="resident-1", name="李阿姨")
    return event, desk


def _clean(page, what):
    findings = axe_findings(page)
    assert findings == [], f"{what}: {findings}"


@pytest.mark.browser
def test_laoximen_story_on_a_phone(transactional_db, shipped_data, live_server, phone_page, world, users):
    cert = _household(world, users)
    event, desk = _service_day(world, users)
    page = phone_page
    login(page, live_server, "staff")

    # 1. "我家征收补偿款可以买多大房子？" — the reward whose day passed is gone, the answer says what was counted
    page.goto(f"{live_server.url}/renewal/certificates/{cert.pk}/flat/")
    page.fill("#id_form-0-label", "周浦新房")
    page.fill("#id_form-0-price", "30000")
    page.get_by_role("button", name="计算").click()
    page.get_by_test_id("area").first.wait_for()
    area = page.get_by_test_id("area").first.inner_text()
    counted = page.get_by_test_id("counted").inner_text()
    assert "㎡" in area and float(area.split()[0]) > 0
    assert "期限已过、未计入：签约奖励" not in counted  # the 50,000 tier is still open and counted
    assert "签约奖励 50,000.00" in counted and "100,000" not in counted
    assert page_fits(page), "the flat answer is wider than the phone"
    save_screenshot(page, "story-laoximen-flat.png")
    _clean(page, "flat sheet")

    # 2. the service day starts, the desk calls the next resident
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.get_by_test_id("event-start").click()
    page.get_by_text("活动状态已改为“进行中”").wait_for()
    _clean(page, "event page")
    page.goto(f"{live_server.url}/events/desks/{desk.pk}/")
    page.get_by_role("button", name="叫下一位").click()
    page.get_by_role("button", name="开始咨询").click()
    page.fill("#id_summary", "家庭矛盾摆不平，征收补偿款兄弟姐妹怎么分？老母亲跟着小儿子住，大姐认为应该平分。")
    page.check("#id_follow_up")
    page.get_by_role("button", name="完成并记录").click()

    # 3. the follow-up case is named by its number, with a link to it
    link = page.locator(".messages a")
    link.wait_for()
    number = link.inner_text()
    assert number.startswith("MH")
    _clean(page, "desk console")
    link.click()
    page.wait_for_url("**/cases/*/")
    assert "法律咨询跟进：家庭矛盾摆不平，征收补偿款兄弟姐妹怎么分？" in page.content()
