import datetime

import pytest
from django.core.exceptions import ValidationError

from notify.models import Message
from resources import services
from resources.models import Booking, WaitlistEntry

from .conftest import NOW, at


def test_series_skips_the_national_day_holiday(piano_room, student, staff_tp):
    """每周一至五 16:30–18:00 over the fortnight of National Day 2025: 1–3 and 6–8 October are
    holidays, and the 调休 Saturday 11 October is not added (the pattern is by weekday)."""
    series = services.series_create(
        resource=piano_room,
        user=student,
        weekdays=[0, 1, 2, 3, 4],
        start_time=datetime.time(16, 30),
        end_time=datetime.time(18, 0),
        first_date=datetime.date(2025, 9, 29),
        last_date=datetime.date(2025, 10, 11),
        by=staff_tp,
        purpose="课后练琴",
        now=NOW,
    )
    days = [b.start.astimezone(at("2025-01-01", "00:00").tzinfo).date().day for b in series.bookings.all()]
    assert days == [29, 30, 9, 10]
    assert {s["date"]: s["reason"] for s in series.skipped} == {
        "2025-10-01": "国庆节",
        "2025-10-02": "国庆节",
        "2025-10-03": "国庆节",
        "2025-10-06": "中秋节",
        "2025-10-07": "国庆节",
        "2025-10-08": "国庆节",
    }
    assert all(b.status == Booking.Status.CONFIRMED for b in series.bookings.all())


def test_series_refuses_taken_dates_unless_told_to_skip(piano_room, student, student2, staff_tp):
    services.booking_create(
        resource=piano_room,
        user=student2,
        start=at("2025-09-23", "17:00"),
        end=at("2025-09-23", "18:00"),
        by=student2,
        now=NOW,
    )
    kwargs = {
        "resource": piano_room,
        "user": student,
        "weekdays": [0, 1, 2],
        "start_time": datetime.time(16, 30),
        "end_time": datetime.time(18, 0),
        "first_date": datetime.date(2025, 9, 22),
        "last_date": datetime.date(2025, 9, 24),
        "by": staff_tp,
        "now": NOW,
    }
    with pytest.raises(ValidationError) as refused:
        services.series_create(**kwargs)
    assert "09月23日" in refused.value.messages[0]
    assert not Booking.objects.filter(user=student).exists()  # nothing half-made
    series = services.series_create(**kwargs, skip_conflicts=True)
    assert series.bookings.count() == 2 and series.skipped == [{"date": "2025-09-23", "reason": "已被占用"}]


def test_confirming_one_request_rejects_the_overlapping_pending_ones(
    piano_room, student, student2, staff_tp, tianping_resident, students
):
    piano_room.requires_approval = True
    piano_room.save()
    students.members.add(tianping_resident)
    first = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-23", "16:00"),
        end=at("2025-09-23", "17:00"),
        by=student,
        now=NOW,
    )
    overlapping = services.booking_create(
        resource=piano_room,
        user=student2,
        start=at("2025-09-23", "16:30"),
        end=at("2025-09-23", "17:30"),
        by=student2,
        now=NOW,
    )
    later = services.booking_create(
        resource=piano_room,
        user=tianping_resident,
        start=at("2025-09-23", "18:00"),
        end=at("2025-09-23", "19:00"),
        by=tianping_resident,
        now=NOW,
    )
    assert {first.status, overlapping.status, later.status} == {Booking.Status.PENDING}

    services.booking_confirm(booking=first, by=staff_tp, now=NOW)

    first.refresh_from_db(), overlapping.refresh_from_db(), later.refresh_from_db()
    assert first.status == Booking.Status.CONFIRMED
    assert overlapping.status == Booking.Status.REJECTED
    assert later.status == Booking.Status.PENDING
    rejected = Message.objects.get(purpose="resources.rejected")
    assert "已安排给其他申请人" in rejected.body and rejected.to == "user:student2"
    with pytest.raises(ValidationError):
        services.booking_confirm(booking=overlapping, by=staff_tp, now=NOW)


def test_a_student_cannot_approve(piano_room, student):
    from django.core.exceptions import PermissionDenied

    piano_room.requires_approval = True
    piano_room.save()
    pending = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-23", "16:00"),
        end=at("2025-09-23", "17:00"),
        by=student,
        now=NOW,
    )
    with pytest.raises(PermissionDenied):
        services.booking_confirm(booking=pending, by=student, now=NOW)


def test_waitlist_offer_goes_to_the_next_person_and_expires(piano_room, student, student2, tianping_resident, students):
    students.members.add(tianping_resident)
    taken = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-23", "16:00"),
        end=at("2025-09-23", "17:00"),
        by=student,
        now=NOW,
    )
    first = services.waitlist_join(
        resource=piano_room, user=student2, start=taken.start, end=taken.end, by=student2, now=NOW
    )
    second = services.waitlist_join(
        resource=piano_room,
        user=tianping_resident,
        start=taken.start,
        end=taken.end,
        by=tianping_resident,
        now=NOW + datetime.timedelta(minutes=1),
    )

    cancel_at = at("2025-09-22", "12:00")
    services.booking_cancel(booking=taken, by=student, now=cancel_at)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert first.offer_expires_at == cancel_at + datetime.timedelta(minutes=30)
    assert Message.objects.filter(purpose="resources.waitlist_offer", body__contains="有空位了").count() == 1
    # while the offer stands, nobody else takes the slot
    with pytest.raises(ValidationError) as held:
        services.booking_create(
            resource=piano_room,
            user=tianping_resident,
            start=taken.start,
            end=taken.end,
            by=tianping_resident,
            now=cancel_at,
        )
    assert "为候补者保留" in " ".join(held.value.messages)

    # the first person lets it lapse; the sweep offers it to the second, who takes it
    assert services.expire_offers(now=cancel_at + datetime.timedelta(minutes=31)) == 1
    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.EXPIRED and second.status == WaitlistEntry.Status.OFFERED
    booking = services.waitlist_accept(
        entry=second, by=tianping_resident, now=cancel_at + datetime.timedelta(minutes=40)
    )
    assert booking.status == Booking.Status.CONFIRMED and booking.user == tianping_resident
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.ACCEPTED and second.booking == booking


def test_no_show_is_released_after_the_grace_period(piano_room, student, student2):
    booking = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-22", "16:00"),
        end=at("2025-09-22", "18:00"),
        by=student,
        now=NOW,
    )
    waiting = services.waitlist_join(
        resource=piano_room,
        user=student2,
        start=at("2025-09-22", "16:30"),
        end=at("2025-09-22", "17:30"),
        by=student2,
        now=NOW,
    )
    assert services.release_no_shows(now=at("2025-09-22", "16:14")) == 0  # still within 15 minutes
    assert services.release_no_shows(now=at("2025-09-22", "16:15")) == 1
    booking.refresh_from_db(), waiting.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW
    assert waiting.status == WaitlistEntry.Status.OFFERED
    assert Message.objects.filter(purpose="resources.no_show", body__contains="自动释放").exists()
    assert services.release_no_shows(now=at("2025-09-22", "16:20")) == 0  # never twice


def test_check_in_keeps_the_booking_and_counts_as_used(piano_room, student):
    from resources.selectors import usage

    booking = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-22", "16:00"),
        end=at("2025-09-22", "18:00"),
        by=student,
        now=NOW,
    )
    with pytest.raises(ValidationError):
        services.booking_check_in(booking=booking, by=student, now=at("2025-09-22", "15:00"))
    services.booking_check_in(booking=booking, by=student, now=at("2025-09-22", "16:05"))
    assert services.release_no_shows(now=at("2025-09-22", "16:30")) == 0
    services.booking_release(booking=booking, by=student, now=at("2025-09-22", "17:35"))
    figures = usage(piano_room, start=datetime.date(2025, 9, 22), end=datetime.date(2025, 9, 28))
    assert figures.hours_booked == 2.0 and figures.hours_used == 1.5 and figures.people == 1


def test_waitlist_is_refused_for_a_free_slot_but_not_one_held_for_someone(piano_room, student, student2):
    start, end = at("2025-09-23", "16:00"), at("2025-09-23", "17:00")
    with pytest.raises(ValidationError) as free:
        services.waitlist_join(resource=piano_room, user=student2, start=start, end=end, by=student2, now=NOW)
    assert "空闲，可以直接预约" in " ".join(free.value.messages)
    assert not WaitlistEntry.objects.exists()

    # taken, then freed while someone waits: the slot is held for that person's offer, so a third may queue
    taken = services.booking_create(resource=piano_room, user=student, start=start, end=end, by=student, now=NOW)
    first = services.waitlist_join(resource=piano_room, user=student2, start=start, end=end, by=student2, now=NOW)
    services.booking_cancel(booking=taken, by=student, now=NOW)
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    again = services.waitlist_join(resource=piano_room, user=student, start=start, end=end, by=student, now=NOW)
    assert again.status == WaitlistEntry.Status.WAITING
