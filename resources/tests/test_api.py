import datetime

from resources.models import Booking

from .test_pages import tomorrow_at


def test_student_books_through_the_api_and_sees_clear_refusals(client_for, piano_room, student, tianping_resident):
    client = client_for(student)
    listed = client.get("/api/resources/").json()
    assert [r["name"] for r in listed] == ["免费琴房"]
    days = client.get(f"/api/resources/{piano_room.pk}/slots/").json()
    assert len(days) == 7
    start = tomorrow_at(16)
    body = {
        "resource": piano_room.pk,
        "start": start.isoformat(),
        "end": (start + datetime.timedelta(hours=1)).isoformat(),
        "purpose": "练琴",
    }
    created = client.post("/api/bookings/", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    again = client.post("/api/bookings/", body, content_type="application/json")
    assert again.status_code == 400 and "已有预约" in str(again.json())
    outsider = client_for(tianping_resident)
    assert outsider.post("/api/bookings/", body, content_type="application/json").status_code == 404
    pk = created.json()["id"]
    assert outsider.post(f"/api/bookings/{pk}/cancel/").status_code == 404
    client = client_for(student)
    assert client.post(f"/api/bookings/{pk}/cancel/").json()["status"] == "cancelled"
    assert Booking.objects.get(pk=pk).status == Booking.Status.CANCELLED
