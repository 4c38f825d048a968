import datetime

from resources.models import Booking

from .conftest import NOW, at


def test_a_series_that_follows_working_days_books_the_调休_saturday_not_the_holidays(
    client_for, piano_room, student, staff_tp, monkeypatch
):
    """走读学生 go to school on 调休 Saturdays: 每个工作日 16:30–18:00 over National Day 2025."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    page = client_for(staff_tp).post(
        f"/resources/{piano_room.pk}/series/",
        {
            "user": student.username,
            "follows_workdays": "on",
            "start_time": "16:30",
            "end_time": "18:00",
            "first_date": "2025-09-29",
            "last_date": "2025-10-12",
            "purpose": "课后练琴",
        },
    )
    assert page.status_code == 302
    booked = sorted(b.start for b in Booking.objects.filter(user=student))
    days = ["2025-09-29", "2025-09-30", "2025-10-09", "2025-10-10", "2025-10-11"]
    assert booked == [at(d, "16:30") for d in days]
    assert booked[-1].astimezone(NOW.tzinfo).weekday() == 5  # the make-up Saturday
    assert Booking.objects.get(start=at("2025-10-11", "16:30")).series.pattern.startswith("每个工作日")
    assert datetime.date(2025, 10, 1) not in {b.date() for b in booked}
