"""Each feed parsed with the icalendar package: times in Asia/Shanghai (+08:00) with the zone
defined, a 调休 make-up workday present, a statutory holiday absent, and the feed private."""

import datetime

import icalendar
import pytest

from calendars import selectors, services
from events.models import ServiceEvent
from resources import services as resource_services
from resources.models import BookingGroup, OpeningHours, Resource
from volunteers import services as volunteer_services
from volunteers.models import Assignment, Volunteer

EIGHT_HOURS = datetime.timedelta(hours=8)


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{text}+08:00")


def parse(text: str) -> list:
    """The VEVENTs of a feed, after checking the calendar is well-formed and in Shanghai time."""
    cal = icalendar.Calendar.from_ical(text)
    [zone] = cal.walk("VTIMEZONE")
    assert zone["TZID"] == "Asia/Shanghai"
    events = cal.walk("VEVENT")
    for event in events:
        for name in ("DTSTART", "DTEND"):
            assert event[name].params["TZID"] == "Asia/Shanghai"
            assert event[name].dt.utcoffset() == EIGHT_HOURS
    return events


def days(events) -> set[datetime.date]:
    return {e["DTSTART"].dt.date() for e in events}


@pytest.fixture
def piano_room(world):
    students = BookingGroup.objects.create(name="走读学生", region=world.laoximen)
    room = Resource.objects.create(name="免费琴房", kind=Resource.Kind.PIANO_ROOM, region=world.laoximen)
    room.allowed_groups.add(students)
    for weekday in range(7):
        OpeningHours.objects.create(resource=room, weekday=weekday, opens=datetime.time(8), closes=datetime.time(21))
    return room


def test_bookings_feed_follows_the_statutory_calendar(world, users, piano_room):
    """A series that follows the school week over National Day 2025: Sunday 28 September and
    Saturday 11 October are 调休 workdays, 1–8 October are holidays."""
    student = users["resident"]
    resource_services.series_create(
        resource=piano_room,
        user=student,
        weekdays=[],
        follows_workdays=True,
        start_time=datetime.time(16, 30),
        end_time=datetime.time(18),
        first_date=datetime.date(2025, 9, 26),
        last_date=datetime.date(2025, 10, 12),
        by=users["staff"],
        now=at("2025-09-22T09:00:00"),
    )
    events = parse(selectors.feed_text(student, "bookings", now=at("2025-09-22T09:00:00")))
    booked = days(events)
    assert datetime.date(2025, 9, 28) in booked and datetime.date(2025, 10, 11) in booked  # 调休
    assert not any(datetime.date(2025, 10, d) in booked for d in range(1, 9))  # 国庆、中秋
    assert datetime.date(2025, 9, 27) not in booked  # an ordinary Saturday
    assert len(booked) == 7
    first = min(events, key=lambda e: e["DTSTART"].dt)
    assert first["DTSTART"].dt.isoformat() == "2025-09-26T16:30:00+08:00" and first["SUMMARY"] == "免费琴房"
    # nobody else's bookings
    assert parse(selectors.feed_text(users["worker"], "bookings", now=at("2025-09-22T09:00:00"))) == []


@pytest.fixture
def volunteer(world, users):
    return Volunteer.objects.create(
        user=users["volunteer"], name="刘洋", region=world.penglai, status=Volunteer.Status.APPROVED
    )


def test_shifts_feed_expands_regular_shifts_on_working_days(world, users, volunteer):
    """Autumn 2026: 25–27 September (中秋) and 1–7 October (国庆) off; Sunday 20 September and
    Saturday 10 October worked."""
    volunteer_services.regular_shift_create(
        volunteer=volunteer,
        activity="居委接待台值班",
        place="蓬莱路居委会一楼",
        region=world.penglai,
        start_time=datetime.time(9),
        end_time=datetime.time(11, 30),
        first_date=datetime.date(2026, 9, 14),
        by=users["worker"],
    )
    volunteer_services.regular_shift_create(
        volunteer=volunteer,
        activity="助餐点配送",
        region=world.penglai,
        days="weekly",
        weekdays=[5],
        start_time=datetime.time(10, 30),
        end_time=datetime.time(12),
        first_date=datetime.date(2026, 9, 1),
        last_date=datetime.date(2026, 10, 31),
        by=users["worker"],
    )
    Assignment.objects.create(
        volunteer=volunteer,
        activity="法律咨询台",
        region=world.laoximen,
        starts_at=at("2026-09-19T09:00:00"),
        ends_at=at("2026-09-19T12:00:00"),
        status=Assignment.Status.ACCEPTED,
    )
    events = parse(selectors.feed_text(users["volunteer"], "shifts", now=at("2026-09-15T08:00:00")))
    desk = {e["DTSTART"].dt.date() for e in events if e["SUMMARY"] == "居委接待台值班"}
    assert datetime.date(2026, 9, 20) in desk and datetime.date(2026, 10, 10) in desk  # 调休 Sunday and Saturday
    assert not any(datetime.date(2026, 10, d) in desk for d in range(1, 8))
    assert datetime.date(2026, 9, 19) not in desk  # an ordinary Saturday
    meals = {e["DTSTART"].dt.date() for e in events if e["SUMMARY"] == "助餐点配送"}
    assert datetime.date(2026, 9, 19) in meals  # an ordinary Saturday
    assert datetime.date(2026, 9, 26) not in meals and datetime.date(2026, 10, 3) not in meals  # 中秋, 国庆
    assert max(meals) == datetime.date(2026, 10, 31)
    [task] = [e for e in events if e["SUMMARY"] == "法律咨询台"]
    assert task["DTSTART"].dt.isoformat() == "2026-09-19T09:00:00+08:00"
    uids = [e["UID"] for e in events]
    assert len(uids) == len(set(uids))


def _service_day(world, users, start, end, title):
    return ServiceEvent.objects.create(
        title=title,
        region=world.laoximen,
        starts_at=at(start),
        ends_at=at(end),
        place="老西门街道社区服务中心",
        organiser=world.laoximen_office,
        created_by=users["staff"],
    )


def test_service_days_feed_names_the_调休_workday_and_is_scoped(world, users):
    _service_day(world, users, "2026-10-10T09:00:00", "2026-10-10T11:30:00", "为民服务日")
    _service_day(world, users, "2026-10-02T09:00:00", "2026-10-02T11:00:00", "国庆游园")
    events = parse(selectors.feed_text(users["staff"], "service-days", now=at("2026-09-15T08:00:00")))
    by_title = {str(e["SUMMARY"]): e for e in events}
    assert by_title["为民服务日"]["DTSTART"].dt.isoformat() == "2026-10-10T09:00:00+08:00"
    assert "调休上班日" in by_title["为民服务日"]["DESCRIPTION"]
    assert "法定节假日" in by_title["国庆游园"]["DESCRIPTION"]
    assert parse(selectors.feed_text(users["staff_tianping"], "service-days", now=at("2026-09-15T08:00:00"))) == []


def test_a_feed_answers_only_to_its_own_secret(client, world, users):
    resident, worker = users["resident"], users["worker"]
    token = services.feed_issue(user=resident, by=resident)
    other = services.feed_issue(user=worker, by=worker)
    response = client.get(f"/calendars/feed/{token}/bookings.ics")
    assert response.status_code == 200 and response["Content-Type"] == "text/calendar; charset=utf-8"
    parse(response.content.decode())
    assert client.get(f"/calendars/feed/{token}x/bookings.ics").status_code == 404
    assert client.get(f"/calendars/feed/{token}/everything.ics").status_code == 404
    # a new address replaces the old one; stopping it ends it
    fresh = services.feed_issue(user=resident, by=resident)
    assert client.get(f"/calendars/feed/{token}/bookings.ics").status_code == 404
    assert client.get(f"/calendars/feed/{fresh}/shifts.ics").status_code == 200
    services.feed_revoke(user=resident, by=resident)
    assert client.get(f"/calendars/feed/{fresh}/bookings.ics").status_code == 404
    # a deactivated account's feed stops too
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    assert client.get(f"/calendars/feed/{other}/bookings.ics").status_code == 404


def test_another_users_secret_shows_that_users_entries_not_mine(client, world, users, volunteer):
    Assignment.objects.create(
        volunteer=volunteer,
        activity="敬老院探访",
        region=world.penglai,
        starts_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3),
        ends_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3, hours=2),
    )
    mine = services.feed_issue(user=users["volunteer"], by=users["volunteer"])
    theirs = services.feed_issue(user=users["resident"], by=users["resident"])
    assert "敬老院探访" in client.get(f"/calendars/feed/{mine}/shifts.ics").content.decode()
    assert "敬老院探访" not in client.get(f"/calendars/feed/{theirs}/shifts.ics").content.decode()


def test_the_feeds_page_shows_the_address_once(client_for, users):
    client = client_for(users["resident"])
    page = client.post("/calendars/", {"action": "issue"}).content.decode()
    assert "/calendars/feed/" in page and "只显示这一次" in page
    again = client.get("/calendars/").content.decode()
    assert "/calendars/feed/" not in again and "重新生成订阅链接" in again
    client.post("/calendars/", {"action": "revoke"})
    assert "生成订阅链接" in client.get("/calendars/").content.decode()


def test_downloads_need_a_login_and_respect_scope(client, client_for, world, users):
    assert client.get("/calendars/mine/bookings.ics").status_code == 302
    day = _service_day(world, users, "2026-10-10T09:00:00", "2026-10-10T11:30:00", "为民服务日")
    staff = client_for(users["staff"])
    response = staff.get(f"/calendars/service-days/{day.pk}.ics")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    [event] = parse(response.content.decode())
    assert event["SUMMARY"] == "为民服务日"
    assert client_for(users["staff_tianping"]).get(f"/calendars/service-days/{day.pk}.ics").status_code == 404
    public = client.get(f"/calendars/p/{day.public_token}.ics")
    assert public.status_code == 200 and len(parse(public.content.decode())) == 1


def test_pages_offer_the_download(client_for, world, users, volunteer):
    assert "/calendars/mine/bookings.ics" in client_for(users["resident"]).get("/resources/mine/").content.decode()
    assert "/calendars/mine/shifts.ics" in client_for(users["volunteer"]).get("/volunteers/me/").content.decode()
    day = _service_day(world, users, "2026-10-10T09:00:00", "2026-10-10T11:30:00", "为民服务日")
    page = client_for(users["staff"]).get(f"/events/{day.pk}/").content.decode()
    assert f"/calendars/service-days/{day.pk}.ics" in page
