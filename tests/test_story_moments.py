"""The moments of the two seed stories that tests/test_story_laoximen.py and care/tests/test_story_tianping.py do not
walk, at 390×844 with the demo logins: what the resident, the volunteer and the desk see at each step.

老西门 (2022-02-24): a resident scans the service day's code, takes a number at the elderly-care desk on her phone,
the desk calls it, and the volunteer answers "我想去养老院养老" from the nursing-home guide.
天平 (2021-06-17): a meal volunteer delivers lunch on the round, a music student's piano-room booking is confirmed,
and the pipe case's resident gives her verdict on the tracking page."""

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from events import services as event_services
from events.models import DeskTopic
from org.demo import DEMO_PASSWORD
from org.models import Region, Unit, User
from tests.browser import DESKTOP, axe_findings, login, page_fits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, shipped_data):
    """`make demo`'s data set, on the desk topics and skills the migrations ship (a transactional test before this
    one may have flushed them)."""
    from volunteers.models import Skill

    for model, module in [
        (DeskTopic, "events.migrations.0002_default_topics"),
        (Skill, "volunteers.migrations.0002_default_skills"),
    ]:
        if not model.objects.exists():
            importlib.import_module(module).add(apps, None)
    call_command("demo_data", stdout=io.StringIO())


def test_a_number_taken_by_phone_is_called_and_answered_from_a_guide(live_server, chromium, phone_page, demo):
    # The service day of today at 上海文庙, its elderly-care desk open (the demo's own day is the 2022 one).
    staff = User.objects.get(username="staff")
    now = timezone.now()
    event = event_services.event_create(
        title="旧改居民志愿服务日",
        region=Region.objects.get(name="老西门街道"),
        starts_at=now - datetime.timedelta(minutes=30),
        ends_at=now + datetime.timedelta(hours=3),
        place="上海文庙门口",
        organiser=Unit.objects.get(name="老西门街道社区服务办"),
        by=staff,
    )
    desk = event_services.desk_add(event=event, topic=DeskTopic.objects.get(name="养老政策"), by=staff)
    event_services.event_set_status(event=event, status="open", by=staff)

    # 1. the resident scans the code at the gate and takes a number at the elderly-care desk, on her phone
    phone = phone_page
    phone.goto(f"{live_server.url}/events/p/{event.public_token}/")
    phone.get_by_text(desk.name).first.click()
    phone.get_by_label("称呼（如：王阿姨）").fill("王阿姨")
    phone.get_by_role("button", name=f"在{desk.name}取号").click()
    label = phone.get_by_test_id("ticket-label")
    label.wait_for()
    number = label.inner_text().strip()
    assert number.startswith(desk.prefix)
    assert "前面还有 0 人" in phone.locator("#ticket-status").inner_text()
    assert page_fits(phone) and axe_findings(phone) == []

    # 2. the volunteer at the desk calls the next number: hers; her phone says it is her turn
    context = chromium.new_context(**DESKTOP)
    console = context.new_page()
    console.set_default_timeout(10_000)
    login(console, live_server, "staff", DEMO_PASSWORD)
    console.goto(f"{live_server.url}/events/desks/{desk.pk}/")
    console.get_by_role("button", name="叫下一位").click()
    assert number in console.locator("h2").filter(has_text=number).first.inner_text()
    phone.get_by_text(f"轮到您了！请到{desk.name}咨询。").wait_for(timeout=15_000)  # the page polls every 4 s

    # 3. the consultation: the question typed, the nursing-home guide offered first and used as the answer
    console.get_by_role("button", name="开始咨询").click()
    console.get_by_label("咨询内容").fill("阿拉姆妈八十六了，一家头住勿来了，想住到敬老院去，要准备点啥材料")
    first = console.locator("[data-testid=suggestions] li").first
    first.wait_for()
    assert "养老" in first.inner_text()
    first.get_by_role("button", name="用这份解答").click()
    console.get_by_test_id("chosen-guide").wait_for()
    console.get_by_role("button", name="完成并记录").click()
    console.get_by_text("已记录咨询。").wait_for()
    context.close()

    # 4. her ticket page now says the consultation is over
    phone.reload()
    assert "已完成" in phone.locator("#ticket-status").inner_text()
