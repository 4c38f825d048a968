import datetime
import re

from django.urls import reverse
from django.utils import timezone

from resources import services
from resources.models import Booking


def tomorrow_at(hour, minute=0):
    """Tomorrow, or the next day that is not a statutory holiday (the room closes on holidays)."""
    from resources.selectors import statutory_holiday

    day = timezone.localdate() + datetime.timedelta(days=1)
    while statutory_holiday(day):
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_student_sees_the_piano_room_and_its_free_slots(client_for, piano_room, student):
    client = client_for(student)
    page = client.get(reverse("resources:resource_list"))
    assert "免费琴房" in page.content.decode()
    detail = client.get(reverse("resources:resource_detail", args=[piano_room.pk])).content.decode()
    assert "未来 7 天空闲时段" in detail and 'class="slot free"' in detail


def test_resident_outside_the_group_cannot_open_the_room(client_for, piano_room, tianping_resident):
    client = client_for(tianping_resident)
    assert "免费琴房" not in client.get(reverse("resources:resource_list")).content.decode()
    assert client.get(reverse("resources:resource_detail", args=[piano_room.pk])).status_code == 404


def test_booking_form_books_and_offers_the_waitlist_when_taken(client_for, piano_room, student, student2):
    start = tomorrow_at(16)
    services.booking_create(
        resource=piano_room, user=student2, start=start, end=start + datetime.timedelta(hours=1), by=student2
    )
    client = client_for(student)
    url = reverse("resources:booking_new", args=[piano_room.pk])
    data = {"date": start.date().isoformat(), "start": "16:00", "minutes": 60, "purpose": "练琴", "attendees": 1}
    taken = client.post(url, data).content.decode()
    assert "该时段已被他人预约" in taken and "加入候补" in taken
    client.post(url, {**data, "waitlist": "1"})
    assert student.id in piano_room.waitlist.values_list("user_id", flat=True)
    done = client.post(url, {**data, "start": "18:00"}, follow=True).content.decode()
    assert "预约成功" in done
    assert Booking.objects.filter(user=student, status=Booking.Status.CONFIRMED).count() == 1


def test_staff_approves_from_the_queue_and_sees_usage(client_for, piano_room, student, staff_tp):
    piano_room.requires_approval = True
    piano_room.save()
    start = tomorrow_at(10)
    pending = services.booking_create(
        resource=piano_room, user=student, start=start, end=start + datetime.timedelta(hours=1), by=student
    )
    client = client_for(staff_tp)
    assert "林小琴" in client.get(reverse("resources:approval_queue")).content.decode()
    client.post(reverse("resources:booking_action", args=[pending.pk, "confirm"]))
    pending.refresh_from_db()
    assert pending.status == Booking.Status.CONFIRMED
    report = client.get(reverse("resources:usage_report")).content.decode()
    assert "免费琴房" in report and "交响音乐进修学校走读学生 1 人" in report


def test_student_cannot_approve_through_the_page(client_for, piano_room, student):
    piano_room.requires_approval = True
    piano_room.save()
    start = tomorrow_at(10)
    pending = services.booking_create(
        resource=piano_room, user=student, start=start, end=start + datetime.timedelta(hours=1), by=student
    )
    client = client_for(student)
    assert client.get(reverse("resources:approval_queue")).status_code == 403
    response = client.post(reverse("resources:booking_action", args=[pending.pk, "confirm"]))
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == Booking.Status.PENDING


def test_home_panel_shows_the_next_booking_and_pending_requests(client_for, piano_room, student, staff_tp):
    piano_room.requires_approval = True
    piano_room.save()
    start = tomorrow_at(10)
    services.booking_create(
        resource=piano_room, user=student, start=start, end=start + datetime.timedelta(hours=1), by=student
    )
    assert "免费琴房" in client_for(student).get("/").content.decode()
    assert "1 个预约待审批" in client_for(staff_tp).get("/").content.decode()


def test_free_slot_grid_costs_the_same_queries_for_one_day_or_fourteen(
    piano_room, student, django_assert_max_num_queries
):
    from resources.selectors import slot_grid

    with django_assert_max_num_queries(6):
        slot_grid(piano_room, days=1, user=student)
    piano_room.refresh_from_db()
    with django_assert_max_num_queries(6):
        slot_grid(piano_room, days=14, user=student)


def test_staff_see_who_booked_and_check_them_in(client_for, piano_room, student, staff_tp):
    start = tomorrow_at(16)
    booking = services.booking_create(
        resource=piano_room, user=student, start=start, end=start + datetime.timedelta(hours=1), by=student
    )
    client = client_for(staff_tp)
    page = client.get(reverse("resources:resource_detail", args=[piano_room.pk])).content.decode()
    assert "林小琴" in page
    response = client.post(
        reverse("resources:booking_action", args=[booking.pk, "cancel"]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("resources:my_bookings")  # never off-site
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_a_slot_opens_the_booking_form_at_the_slots_length(client_for, piano_room, student):
    """The grid offers 30-minute slots of the piano room: picking one starts the form at 30 minutes, not an hour."""
    client = client_for(student)
    detail = client.get(reverse("resources:resource_detail", args=[piano_room.pk])).content.decode()
    slot_url = re.search(r'class="slot free" href="([^"]+)"', detail).group(1).replace("&amp;", "&")
    form = client.get(slot_url)
    assert form.context["form"]["minutes"].value() == 30
    assert re.search(r'<option value="30" selected>', form.content.decode())

    # a room let by the hour starts at one hour; a grid finer than the shortest booking starts at the shortest
    piano_room.slot_minutes, piano_room.min_minutes = 60, 60
    piano_room.save()
    assert client.get(slot_url).context["form"]["minutes"].value() == 60
    piano_room.slot_minutes, piano_room.min_minutes = 15, 45
    piano_room.save()
    assert client.get(slot_url).context["form"]["minutes"].value() == 45


def test_the_default_length_is_always_one_the_form_offers():
    from resources.models import Resource

    for slot, shortest, longest in [(30, 30, 120), (60, 60, 240), (15, 45, 120), (30, 45, 120), (90, 30, 60)]:
        r = Resource(slot_minutes=slot, min_minutes=shortest, max_minutes=longest)
        assert r.default_minutes() in r.durations()
        assert r.default_minutes() >= min(slot, r.durations()[-1])
