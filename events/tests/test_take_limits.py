"""Take-number needs the event's QR token and is limited per device and per address at each event."""

from django.urls import reverse
from rest_framework.test import APIClient

from events.models import QueueTicket


def _take(desk, **body):
    return APIClient().post(f"/api/events/desks/{desk.pk}/take/", body, format="json")


def test_take_number_without_the_event_token_is_refused(desks):
    legal, _ = desks
    assert _take(legal, client_id="kiosk-1").status_code == 400
    assert _take(legal, client_id="kiosk-1", event_token="guessed-token").status_code == 404
    assert not QueueTicket.objects.exists()
    assert _take(legal, client_id="kiosk-1", event_token=legal.event.public_token).status_code == 201


def test_take_number_is_limited_per_device(desks, settings):
    settings.TAKE_DEVICE_LIMIT = 3
    legal, elderly = desks
    token = legal.event.public_token
    answers = [_take(desk, client_id="phone-1", event_token=token) for desk in (legal, elderly)]
    answers += [_take(legal, client_id="phone-1", event_token=token) for _ in range(2)]  # 409: already queued
    assert [a.status_code for a in answers] == [201, 201, 409, 429]
    assert "取号太频繁" in answers[-1].json()["detail"] and answers[-1]["Retry-After"]
    assert _take(legal, client_id="phone-2", event_token=token).status_code == 201


def test_take_number_is_limited_per_address(desks, settings):
    settings.TAKE_ADDRESS_LIMIT = 4
    legal, _ = desks
    token = legal.event.public_token
    codes = [_take(legal, client_id=f"phone-{n}", event_token=token).status_code for n in range(6)]
    assert codes == [201, 201, 201, 201, 429, 429]
    assert QueueTicket.objects.count() == 4


def test_the_qr_page_take_is_limited_per_browser(client, desks, event, settings):
    settings.TAKE_DEVICE_LIMIT = 2
    legal, elderly = desks
    for desk in (legal, elderly):
        assert client.post(reverse("events:public_take", args=[event.public_token, desk.pk]), {}).status_code == 302
    refused = client.post(reverse("events:public_take", args=[event.public_token, legal.pk]), {})
    assert refused.status_code == 429 and "取号太频繁" in refused.content.decode()
