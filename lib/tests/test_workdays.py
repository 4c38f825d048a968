import datetime

import pytest

from lib.workdays import SHANGHAI, add_working_time, is_workday, next_workday, working_time_between


def at(y, m, d, hh=0, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def test_national_day_2025_with_its_make_up_workdays():
    # 2025: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up workdays (调休).
    assert is_workday(datetime.date(2025, 9, 28))
    assert not is_workday(datetime.date(2025, 10, 1))
    assert not is_workday(datetime.date(2025, 10, 8))
    assert is_workday(datetime.date(2025, 10, 11))
    assert not is_workday(datetime.date(2025, 10, 12))


def test_one_working_day_from_the_last_day_before_national_day_lands_after_the_holiday():
    # Tuesday 30 September 15:00 + 1 working day -> Thursday 9 October 15:00.
    assert add_working_time(at(2025, 9, 30, 15), days=1) == at(2025, 10, 9, 15)


def test_five_working_days_across_national_day_count_the_make_up_saturday():
    # 9-30 15:00..24:00, then 10-09, 10-10, 10-11 (调休 Saturday), 10-13, and 10-14 until 15:00.
    assert add_working_time(at(2025, 9, 30, 15), days=5) == at(2025, 10, 14, 15)


def test_a_case_received_on_a_holiday_starts_counting_on_the_next_workday():
    assert add_working_time(at(2025, 10, 3, 10), days=1) == at(2025, 10, 10, 0)
    assert next_workday(datetime.date(2025, 10, 3)) == datetime.date(2025, 10, 9)


def test_working_time_between_skips_the_holiday():
    assert working_time_between(at(2025, 9, 30, 12), at(2025, 10, 9, 12)) == datetime.timedelta(days=1)
    assert working_time_between(at(2025, 10, 9, 12), at(2025, 9, 30, 12)) == -datetime.timedelta(days=1)


def test_minutes_are_working_minutes():
    assert add_working_time(at(2025, 10, 10, 23, 50), minutes=20) == at(2025, 10, 11, 0, 10)  # Sat 11th is 调休


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_working_time(datetime.datetime(2025, 1, 1), days=1)


def test_years_the_package_does_not_know_fall_back_to_weekdays():
    assert is_workday(datetime.date(2099, 6, 1))  # a Monday
    assert not is_workday(datetime.date(2099, 6, 6))  # a Saturday
