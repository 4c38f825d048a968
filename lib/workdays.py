"""Working time on the Chinese statutory calendar, including 调休 make-up workdays.

Deadlines are counted in working time: only time that falls on a working day (the whole day,
00:00–24:00 Asia/Shanghai) counts. So a case received on Friday 15:00 with one working day is due
Monday 15:00; one received on Saturday is due at the end of Monday; on the Sunday before National Day
that is a make-up workday (调休), the clock runs.

The calendar comes from the ``chinesecalendar`` package, which knows the State Council's holiday
notices up to its release. For later years (not yet published) it falls back to Monday–Friday, and
``calendar_known(year)`` says so, so pages can warn. Operators can add their own off-days and
make-up days through settings ``MINHU_EXTRA_HOLIDAYS`` / ``MINHU_EXTRA_WORKDAYS`` (ISO dates).
"""

import datetime
import functools
import zoneinfo

import chinese_calendar
from django.conf import settings

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = datetime.timedelta(days=1)


def _extra(name: str) -> frozenset[datetime.date]:
    return frozenset(datetime.date.fromisoformat(d) for d in getattr(settings, name, ()) or ())


def calendar_known(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _is_workday_cached(day: datetime.date, extra_holidays: frozenset, extra_workdays: frozenset) -> bool:
    if day in extra_workdays:
        return True
    if day in extra_holidays:
        return False
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # year not yet covered by the package: plain weekdays
        return day.weekday() < 5


def is_workday(day: datetime.date) -> bool:
    return _is_workday_cached(day, _extra("MINHU_EXTRA_HOLIDAYS"), _extra("MINHU_EXTRA_WORKDAYS"))


def holiday_name(day: datetime.date) -> str | None:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if on_holiday and name else None


def _local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        raise ValueError("working-time arithmetic needs an aware datetime")
    return moment.astimezone(SHANGHAI)


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=SHANGHAI)


def add_working_time(start: datetime.datetime, *, days: int = 0, hours: int = 0, minutes: int = 0) -> datetime.datetime:
    """The moment when ``days``/``hours``/``minutes`` of working time have passed after ``start``."""
    remaining = datetime.timedelta(days=days, hours=hours, minutes=minutes)
    if remaining < datetime.timedelta(0):
        raise ValueError("working time to add must not be negative")
    cursor = _local(start)
    while True:
        day = cursor.date()
        if is_workday(day):
            left_today = _day_start(day) + DAY - cursor
            if remaining <= left_today:
                return cursor + remaining
            remaining -= left_today
        cursor = _day_start(day + DAY)


def working_time_between(a: datetime.datetime, b: datetime.datetime) -> datetime.timedelta:
    """Working time from ``a`` to ``b`` (negative when b is before a)."""
    a, b = _local(a), _local(b)
    if b < a:
        return -working_time_between(b, a)
    total = datetime.timedelta(0)
    cursor = a
    while cursor < b:
        day = cursor.date()
        end_of_day = _day_start(day) + DAY
        segment_end = min(end_of_day, b)
        if is_workday(day):
            total += segment_end - cursor
        cursor = segment_end
    return total


def next_workday(day: datetime.date) -> datetime.date:
    day += DAY
    while not is_workday(day):
        day += DAY
    return day


def workdays_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every working day from ``first`` to ``last`` inclusive: statutory holidays left out, 调休
    make-up weekend days in. What a thing that recurs "on working days" expands to (a regular
    volunteer shift, a booking series that follows the school week) instead of a weekly rule
    that calendar apps would apply blindly."""
    days, day = [], first
    while day <= last:
        if is_workday(day):
            days.append(day)
        day += DAY
    return days
