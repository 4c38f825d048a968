"""A resident takes a number on a phone-size screen while the big-screen display updates live."""

import pytest

from events import services
from events.models import QueueTicket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_takes_number_on_phone_and_display_updates(live_server, phone_page, desktop_page, event, desks, users):
    legal, _ = desks
    desktop_page.goto(f"{live_server.url}/events/p/{event.public_token}/display/")
    desktop_page.locator("[data-desk=A] .now-number").wait_for()
    assert desktop_page.locator("[data-desk=A] .now-number").inner_text() == "—"

    phone_page.goto(f"{live_server.url}/events/p/{event.public_token}/")
    phone_page.get_by_text("法律咨询台").first.click()
    desk_card = phone_page.locator("details[open]")
    desk_card.get_by_label("称呼（如：王阿姨）").fill("王阿姨")
    desk_card.get_by_role("button", name="在法律咨询台取号").click()
    phone_page.wait_for_url("**/events/t/**")
    assert phone_page.get_by_test_id("ticket-label").inner_text() == "A001"
    assert "前面还有" in phone_page.locator("#ticket-status").inner_text()
    # large type for older residents: the number is big and nothing overflows the phone's width
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390

    # the display shows the new number in the queue without reloading
    desktop_page.locator("[data-desk=A] .next", has_text="A001").wait_for()

    # desk staff call the next resident: the phone says so, the display shows it being served
    services.ticket_call_next(desk=legal, by=users["staff"])
    phone_page.get_by_text("轮到您了").wait_for()
    desktop_page.locator("[data-desk=A] .now-number", has_text="A001").wait_for()
    assert QueueTicket.objects.get().status == "called"
