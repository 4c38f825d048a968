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
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from cases.actions.workflow import case_accept, case_dispatch, case_resolve
from cases.models import Case
from events import services as event_services
from events.models import DeskTopic
from org.demo import DEMO_PASSWORD
from org.models import Region, Unit, User
from resources.models import Booking, Resource
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


def jpeg(name, colour):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def test_lunch_delivered_a_piano_room_booked_and_the_pipe_case_rated_by_its_resident(
    live_server, chromium, phone_page, demo
):
    tianping = Region.objects.get(name="天平街道")

    # 1. the party member on the lunch round sees today's stops and records the first: seen, well, delivered
    volunteer = User.objects.get(username="care_vol1")
    volunteer.set_password(DEMO_PASSWORD)  # the demo gives meal volunteers a password of their own
    volunteer.save(update_fields=["password"])
    phone = phone_page
    login(phone, live_server, "care_vol1", DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/care/my/")
    assert "还有 2 户未送达" in phone.locator("#left").inner_text()
    stop = phone.locator(".care-stop").first
    stop.get_by_role("button", name="良好").click()
    done = phone.locator(".care-stop").first.locator(".care-done")
    done.wait_for()
    assert "送达" in done.inner_text()
    assert phone.locator(".care-stop").first.get_by_role("button", name="良好").count() == 0
    assert page_fits(phone) and axe_findings(phone) == []
    phone.context.clear_cookies()

    # 2. a music student with no piano at home books a free slot in the piano room the school lends
    login(phone, live_server, "student3", DEMO_PASSWORD)
    piano = Resource.objects.get(name="上海交响音乐进修学校免费琴房")
    phone.goto(f"{live_server.url}/resources/{piano.pk}/")
    phone.locator(".slots a.slot.free").first.click()
    phone.get_by_label("时长").select_option(label="30 分钟")  # the slot tapped is half an hour; the next may be taken
    phone.get_by_label("用途").fill("练琴")
    phone.get_by_role("button", name="提交预约").click()
    phone.get_by_text("预约成功！请按时到场签到。").wait_for()
    assert Booking.objects.get(user__username="student3", status=Booking.Status.CONFIRMED).resource == piano
    assert piano.name in phone.locator("main").inner_text()
    assert page_fits(phone) and axe_findings(phone) == []
    phone.context.clear_cookies()

    # 3. a resident of 582弄 reports the overflowing pipe from her phone and keeps the number
    phone.goto(f"{live_server.url}/cases/public/new/")
    phone.get_by_label("您的称呼").fill("陆阿姨")
    phone.get_by_label("手机号码").fill("13900005821")
    phone.get_by_label("您住在哪个居委").select_option(label="陕西南路居委")
    phone.get_by_label("具体地址或位置").fill("陕西南路582弄11号底楼院子")
    phone.get_by_label("请说说遇到的问题").fill("院子地下粪管被树根挤压变形，一下雨污水就满溢到地面，气味难闻。")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url("**/cases/public/done/**")
    number = phone.url.rstrip("/").rsplit("/", 1)[1]
    assert number in phone.locator("main").inner_text()

    # 4. the subdistrict dispatches it to the neighbourhood committee, which reroutes the pipe and closes it with
    #    photos from before and after (the staff pages are walked by the case tests; here the resident's side counts)
    case = Case.objects.get(number=number)
    worker = User.objects.get(username="worker_tianping")
    case_dispatch(
        case=case, unit=Unit.objects.get(name="陕西南路居委会"), by=User.objects.get(username="staff_tianping")
    )
    case_accept(case=Case.objects.get(pk=case.pk), by=worker)
    case_resolve(
        case=Case.objects.get(pk=case.pk),
        by=worker,
        note="粪管已改道，从后天井接入总管，院子地面已清理。",
        before_photos=[jpeg("before.jpg", (90, 70, 40))],
        after_photos=[jpeg("after.jpg", (60, 140, 60))],
    )

    # 5. back on her phone she sees it done, with what was done, and says she is satisfied
    phone.goto(f"{live_server.url}/cases/public/case/?number={number}")
    assert phone.locator("#public-status").inner_text() == "已办结"
    assert "粪管已改道" in phone.locator("main").inner_text()
    assert page_fits(phone) and axe_findings(phone) == []
    phone.get_by_label("满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    phone.get_by_text("谢谢您的评价。").wait_for()
    assert "满意" in phone.locator("#public-status").locator("..").inner_text()

    # 6. the story of the pipe is in 天平街道's public feed
    phone.goto(f"{live_server.url}/deeds/public/{tianping.pk}/")
    assert phone.get_by_text("受损粪管被改道 解决居民糟心事").first.is_visible()
