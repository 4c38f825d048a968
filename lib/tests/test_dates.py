"""Dates from query strings stay inside the years Minhu counts in."""

import datetime

from lib import dates


def test_parse_date_clamps_and_falls_back():
    assert dates.parse_date("9999-12-31") == dates.LATEST
    assert dates.parse_date("0001-01-01") == dates.EARLIEST
    assert dates.parse_date("2026-03-05") == datetime.date(2026, 3, 5)
    assert dates.parse_date("not-a-date", default="x") == "x" and dates.parse_date("") is None


def test_parse_datetime_at_the_end_of_time_is_aware_and_in_range(settings):
    for value in ["9999-12-31T23:59:59+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00"]:
        moment = dates.parse_datetime(value)
        assert moment.tzinfo is not None and dates.EARLIEST <= moment.date() <= dates.LATEST
        moment + datetime.timedelta(days=7)  # no overflow a week later
    assert dates.parse_datetime("2026-03-05T09:30").hour == 9
    assert dates.parse_datetime("nope") is None
