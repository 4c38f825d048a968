import datetime

import pytest
from django.core.exceptions import ValidationError

from resources import services
from resources.models import Booking, ClosedDate

from .conftest import NOW, at


def book(room, user, day, start, end, now=NOW):
    return services.booking_create(resource=room, user=user, start=at(day, start), end=at(day, end), by=user, now=now)


def error_text(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def test_student_books_free_slot_and_gets_a_confirmation(piano_room, student):
    booking = book(piano_room, student, "2025-09-22", "16:30", "18:00")
    assert booking.status == Booking.Status.CONFIRMED
    from notify.models import Message

    assert Message.objects.filter(purpose="resources.confirmed", body__contains="16:30").exists()


def test_duration_must_be_within_min_and_max(piano_room, student):
    with pytest.raises(ValidationError) as too_short:
        book(piano_room, student, "2025-09-22", "16:30", "16:45")
    assert "至少预约 30 分钟" in error_text(too_short)
    with pytest.raises(ValidationError) as too_long:
        book(piano_room, student, "2025-09-22", "14:00", "17:00")
    assert "最多预约 120 分钟" in error_text(too_long)


def test_notice_and_how_far_ahead(piano_room, student):
    with pytest.raises(ValidationError) as short_notice:
        book(piano_room, student, "2025-09-22", "09:30", "10:00")
    assert "至少提前 60 分钟" in error_text(short_notice)
    with pytest.raises(ValidationError) as too_far:
        book(piano_room, student, "2025-09-30", "10:00", "11:00")
    assert "最多只能提前 7 天" in error_text(too_far)
    with pytest.raises(ValidationError) as past:
        book(piano_room, student, "2025-09-21", "10:00", "11:00")
    assert "已经过去" in error_text(past)


def test_buffer_between_bookings_is_enforced(piano_room, student, student2):
    book(piano_room, student, "2025-09-22", "16:00", "17:00")
    with pytest.raises(ValidationError) as clash:
        book(piano_room, student2, "2025-09-22", "17:00", "18:00")  # needs 10 minutes to tidy up
    assert "需间隔 10 分钟" in error_text(clash)
    with pytest.raises(ValidationError):
        book(piano_room, student2, "2025-09-22", "15:00", "15:55")  # ends 5 minutes before the next
    assert book(piano_room, student2, "2025-09-22", "17:10", "18:00").status == Booking.Status.CONFIRMED


def test_weekly_quota_per_person(piano_room, student):
    book(piano_room, student, "2025-09-22", "10:00", "12:00")
    book(piano_room, student, "2025-09-23", "10:00", "12:00")
    with pytest.raises(ValidationError) as over:
        book(piano_room, student, "2025-09-24", "10:00", "11:30")  # 240 + 90 > 300
    assert "每人每周最多预约 300 分钟" in error_text(over)
    # the next week has a fresh quota
    assert book(piano_room, student, "2025-09-29", "10:00", "11:30")


def test_closed_dates_and_opening_hours(piano_room, student):
    ClosedDate.objects.create(resource=piano_room, date=datetime.date(2025, 9, 24), reason="钢琴调音")
    with pytest.raises(ValidationError) as closed:
        book(piano_room, student, "2025-09-24", "16:30", "18:00")
    assert "钢琴调音" in error_text(closed)
    with pytest.raises(ValidationError) as late:
        book(piano_room, student, "2025-09-22", "20:30", "21:30")
    assert "开放时间" in error_text(late)


def test_only_the_named_group_may_book(piano_room, tianping_resident):
    with pytest.raises(ValidationError) as refused:
        book(piano_room, tianping_resident, "2025-09-22", "16:30", "18:00")
    assert "仅向指定人员开放" in error_text(refused)


def test_staff_books_for_a_student_without_personal_limits(piano_room, student, staff_tp):
    booking = services.booking_create(
        resource=piano_room,
        user=student,
        start=at("2025-09-29", "16:30"),
        end=at("2025-09-29", "18:00"),
        by=staff_tp,
        now=NOW,
    )
    assert booking.status == Booking.Status.CONFIRMED and booking.created_by == staff_tp


def test_cancel_frees_the_slot(piano_room, student, student2):
    booking = book(piano_room, student, "2025-09-22", "16:00", "17:00")
    services.booking_cancel(booking=booking, by=student, now=NOW)
    assert book(piano_room, student2, "2025-09-22", "16:00", "17:00").status == Booking.Status.CONFIRMED
