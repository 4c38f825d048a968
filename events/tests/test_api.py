"""The queue API used by kiosks and the load test: same services, same rules, clear answers."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from events import services
from events.models import QueueTicket


def take(client, desk, **body):
    body.setdefault("event_token", desk.event.public_token)  # the QR code's token
    return client.post(f"/api/events/desks/{desk.pk}/take/", body, format="json")


def test_take_number_needs_no_login_and_one_device_holds_one_ticket(desks):
    legal, _ = desks
    phone = APIClient()
    first = take(phone, legal, client_id="kiosk-7", priority_reason="elderly")
    assert first.status_code == 201
    body = first.json()
    assert body["label"] == "A001" and body["status"] == "waiting" and body["priority"] is True
    assert set(body) == {"id", "number", "label", "status", "token", "issued_at", "priority"}
    again = take(phone, legal, client_id="kiosk-7")
    assert again.status_code == 409 and "请勿重复取号" in again.json()["detail"]
    assert again.json()["ticket"]["id"] == body["id"]
    assert take(phone, legal, client_id="kiosk-8").json()["label"] == "A002"


def test_take_number_refused_with_a_chinese_reason(desks, event, users):
    legal, _ = desks
    assert take(APIClient(), legal, phone="12ab").json() == {"detail": "手机号格式不正确，请填写 11 位手机号码。"}
    services.event_close(event=event, by=users["staff"])
    closed = take(APIClient(), legal, client_id="late")
    assert closed.status_code == 400 and "活动已结束" in closed.json()["detail"]
    assert not QueueTicket.objects.exists()


def test_call_next_for_desk_staff_of_that_subdistrict_only(desks, users):
    legal, _ = desks
    take(APIClient(), legal, client_id="a")
    take(APIClient(), legal, client_id="b", priority_reason="disabled")

    anonymous = APIClient().post(f"/api/events/desks/{legal.pk}/call-next/")
    assert anonymous.status_code in (401, 403)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['staff_tianping']).key}")
    assert other.post(f"/api/events/desks/{legal.pk}/call-next/").status_code == 404

    desk = APIClient()
    desk.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['staff']).key}")
    called = [desk.post(f"/api/events/desks/{legal.pk}/call-next/") for _ in range(3)]
    assert [r.status_code for r in called] == [200, 200, 204]
    assert [r.json()["label"] for r in called[:2]] == ["A002", "A001"]  # priority first
    assert called[0].json()["status"] == "called"
    assert QueueTicket.objects.filter(desk=legal, status="called").count() == 2
