"""Take-number and call-next write the queue, the counter and the audit log together (one statement each on
PostgreSQL): the rows they leave are those the step-by-step writes left, on both databases."""

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from audit.models import AuditEntry
from events.models import Desk, QueueTicket


def staff_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_take_and_call_next_leave_the_audit_entries_of_the_audit_service(desks, event, users):
    legal, _ = desks
    taken = (
        APIClient()
        .post(
            f"/api/events/desks/{legal.pk}/take/",
            {"client_id": "kiosk-1", "event_token": event.public_token},
            format="json",
        )
        .json()
    )
    take = AuditEntry.objects.get(action="events.ticket.take")
    assert (take.actor, take.actor_name, take.kind) == (None, "", AuditEntry.Kind.CHANGE)
    assert (take.object_type, take.object_id, take.object_repr) == ("events.queueticket", str(taken["id"]), "A001")
    assert take.region == event.region
    assert take.detail == {"desk": legal.pk, "number": 1, "channel": "phone"}

    called = staff_client(users["staff"]).post(f"/api/events/desks/{legal.pk}/call-next/").json()
    assert called["id"] == taken["id"] and called["status"] == "called"
    call = AuditEntry.objects.get(action="events.ticket.call")
    assert (call.actor, call.actor_name) == (users["staff"], str(users["staff"]))
    assert (call.object_type, call.object_id, call.object_repr) == ("events.queueticket", str(taken["id"]), "A001")
    assert call.region == event.region and call.detail == {}
    ticket = QueueTicket.objects.get(pk=taken["id"])
    assert (ticket.status, ticket.call_count, ticket.called_by) == ("called", 1, users["staff"])
    assert ticket.called_at == ticket.last_called_at is not None


def test_labels_keep_every_digit_past_999(desks):
    legal, _ = desks
    Desk.objects.filter(pk=legal.pk).update(last_number=1023)
    body = (
        APIClient()
        .post(f"/api/events/desks/{legal.pk}/take/", {"event_token": legal.event.public_token}, format="json")
        .json()
    )
    assert (body["number"], body["label"]) == (1024, "A1024")
    assert AuditEntry.objects.get(action="events.ticket.take").object_repr == "A1024"


def test_take_number_at_a_missing_or_stopped_desk(desks):
    legal, _ = desks
    token = {"event_token": legal.event.public_token}
    assert APIClient().post("/api/events/desks/999999/take/", token, format="json").status_code == 404
    Desk.objects.filter(pk=legal.pk).update(is_open=False)
    stopped = APIClient().post(f"/api/events/desks/{legal.pk}/take/", token, format="json")
    assert stopped.status_code == 400 and "停止取号" in stopped.json()["detail"]
    legal.refresh_from_db()
    assert legal.last_number == 0 and not QueueTicket.objects.exists()
    assert not AuditEntry.objects.filter(action="events.ticket.take").exists()


def test_call_next_refuses_unknown_tokens_and_inactive_staff(desks, users):
    legal, _ = desks
    url = f"/api/events/desks/{legal.pk}/call-next/"
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.post(url).status_code in (401, 403)
    staff = staff_client(users["staff"])
    users["staff"].is_active = False
    users["staff"].save(update_fields=["is_active"])
    assert staff.post(url).status_code in (401, 403)
