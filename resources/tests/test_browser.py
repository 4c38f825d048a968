import pytest

from resources.models import Booking
from tests.browser import login, save_screenshot


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_student_books_the_piano_room_on_a_phone(live_server, phone_page, piano_room, student):
    piano_room.closed_on_holidays = False
    piano_room.save()
    page = phone_page
    login(page, live_server, "student")
    page.goto(f"{live_server.url}/resources/")
    page.get_by_role("link", name="免费琴房").first.click()
    page.get_by_text("未来 7 天空闲时段").wait_for()
    save_screenshot(page, "resources-free-slots-phone.png")
    # tomorrow's first free slot (today's may be too close for the one-hour notice)
    page.locator("section.day").nth(1).locator("a.slot.free").first.click()
    page.get_by_label("用途").fill("课后练琴")
    page.get_by_role("button", name="提交预约").click()
    page.get_by_text("预约成功").wait_for()
    assert page.locator("li.card", has_text="免费琴房").get_by_text("已确认").is_visible()
    # the page fits the phone: no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    booking = Booking.objects.get(user=student)
    assert booking.status == Booking.Status.CONFIRMED and booking.purpose == "课后练琴"
