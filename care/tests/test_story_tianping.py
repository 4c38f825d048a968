"""Seed story 001 (天平街道, 陕西南路) walked on a phone (390×844): a party-member volunteer finds nobody answering
the door on the lunch round; the safety chain reaches the son and opens a critical case for the care team's unit;
the social worker calls the son from the alert page; the son confirms from the link in his text, without an
account, and the case closes with the alert. The sewage-pipe plan's consent round is closed, and the resident
who reported the pipe sees the before/after photos on the tracking page. Each page is checked by axe-core with
no critical or serious finding."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from care.actions import meals, safety
from care.models import Delivery, SafetyAlert
from cases.actions.consent import consent_round_open
from cases.actions.intake import case_create
from cases.actions.workflow import case_dispatch, case_resolve
from cases.models import Case
from notify.models import Message
from tests.browser import axe_findings, login, page_fits, save_screenshot


def _photo(name, colour):
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _clean(page, what):
    findings = axe_findings(page)
    assert findings == [], f"{what}: {findings}"


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.mark.browser
def test_tianping_story_on_a_phone(
    transactional_db, live_server, phone_page, shipped_data, world, users, make_recipient, make_volunteer
):
    users["worker_tianping"].phone = "13900000001"
    users["worker_tianping"].save()
    vol = make_volunteer("党员丙", username="vol_bing")
    person = make_recipient("陈阿婆", volunteer=vol, contacts=[("陈强", "儿子", "13800000002")])
    today = timezone.localdate()
    meals.rounds_generate(start=today, end=today)
    stop = f"#stop-{Delivery.objects.get(recipient=person).pk}"
    page = phone_page

    # 1. the volunteer at the door: nobody answers
    login(page, live_server, "vol_bing")
    page.goto(f"{live_server.url}/care/my/")
    page.locator(stop).get_by_role("button", name="无人应答").click()
    page.locator(f"{stop} .care-done").wait_for()
    done = page.locator(f"{stop} .care-done").inner_text()
    assert "无人应答" in done and "送达" not in done
    assert "都已处理完" in page.locator("#left").inner_text()  # the count followed the tap
    _clean(page, "volunteer's stops")

    # 2. ten minutes apart: the son is told, then a critical case opens for the care team's unit
    alert = SafetyAlert.objects.get(recipient=person)
    start = alert.opened_at
    safety.escalation_advance(now=start + datetime.timedelta(minutes=10))
    safety.escalation_advance(now=start + datetime.timedelta(minutes=20))
    alert.refresh_from_db()
    case = Case.objects.get(pk=alert.case_id)
    son_text = Message.objects.get(pk=alert.steps.get(number=2).message_id).body

    # 3. the social worker sees the case with its unit and calls the son from the alert page
    page.goto("about:blank")  # no request of the last page is still in flight
    page.context.clear_cookies()
    login(page, live_server, "worker_tianping")
    page.goto(f"{live_server.url}/care/alerts/{alert.pk}/")
    shown = page.get_by_test_id("alert-case").inner_text()
    assert case.number in shown and "陕西南路居委会" in shown and "处置时限" in shown
    son = person.contacts.get()
    page.get_by_test_id(f"reveal-{son.pk}").click()
    call = page.get_by_test_id(f"call-{son.pk}")
    call.wait_for()
    assert call.get_attribute("href") == "tel:13800000002"
    assert page_fits(page), "the alert page is wider than the phone"
    save_screenshot(page, "story-tianping-alert.png")
    _clean(page, "alert page")

    # 4. the son opens the link in his text message, without an account, and confirms
    assert "无需注册登录" in son_text
    page.goto("about:blank")  # no request of the last page is still in flight
    page.context.clear_cookies()
    page.goto(live_server.url + _path(re.search(r"https?://\S+", son_text).group(0)))
    _clean(page, "family link")
    page.get_by_test_id("family-safe").click()
    page.get_by_test_id("family-done").wait_for()
    alert.refresh_from_db()
    case.refresh_from_db()
    assert alert.status == SafetyAlert.Status.SAFE and case.status == Case.Status.RESOLVED

    # 5. the pipe at 陕西南路582弄11号: the plan's consent round is closed from the case page
    pipe, _created = case_create(
        title="陕西南路582弄11号粪管改道",
        description="大树根系挤压地下粪管，雨天污水外溢。",
        region=world.shaanxi_grid,
        channel="hotline",
        category="repair",
        reporter_name="居民",
        reporter_phone="13900000582",
    )
    if pipe.status == Case.Status.NEW:
        case_dispatch(case=pipe, unit=world.shaanxi_committee, by=None)
    rnd = consent_round_open(case=pipe, by=users["worker_tianping"], title="粪管改道方案（后天井接入总管）")
    page.goto("about:blank")  # no request of the last page is still in flight
    page.context.clear_cookies()
    login(page, live_server, "worker_tianping")
    page.goto(f"{live_server.url}/cases/{pipe.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("consent-close").click()
    page.get_by_text("结束", exact=False).last.wait_for()
    page.wait_for_function("() => !document.querySelector('[data-testid=consent-close]')")
    rnd.refresh_from_db()
    assert rnd.closed_at is not None

    # 6. the work is done with before/after photos; the resident follows the case and sees them
    case_resolve(
        case=pipe,
        by=None,
        note="粪管改道完成，院子不再积水。",
        before_photos=[_photo("before.jpg", (120, 98, 70))],
        after_photos=[_photo("after.jpg", (150, 150, 150))],
    )
    page.goto("about:blank")  # the staff pages' polling stops before the resident's visit begins
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/cases/public/track/")
    page.fill("#id_number", pipe.number)
    page.fill("#id_phone", "13900000582")
    page.get_by_role("button", name="发送验证码").click()
    page.locator("#id_code").wait_for()
    code = re.search(r"验证码：(\d{6})", Message.objects.filter(purpose="verification").latest("id").body).group(1)
    page.fill("#id_code", code)
    page.get_by_role("button", name="查看进度").click()
    pair = page.get_by_test_id("before-after")
    pair.wait_for()
    assert "处理前" in pair.inner_text() and "处理后" in pair.inner_text()
    assert pair.locator("img").count() == 2
    # every picture arrives (through the resident's photo links, cases.public_photos)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.before-after img')].every(i => i.complete && i.naturalWidth > 0)",
        timeout=10_000,
    )
    save_screenshot(page, "story-tianping-tracking.png")
    _clean(page, "tracking page")
