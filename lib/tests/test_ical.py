import datetime

import icalendar

from lib import ical

SH = datetime.timezone(datetime.timedelta(hours=8))


def test_long_chinese_lines_fold_at_75_octets_without_splitting_a_character():
    text = ical.calendar(
        "测试",
        [
            ical.Event(
                uid="x@minhu",
                start=datetime.datetime(2026, 10, 10, 9, tzinfo=SH),
                end=datetime.datetime(2026, 10, 10, 11, tzinfo=SH),
                summary="为民服务日，" * 20,
                description="第一行；第二行\n第三行, 完",
            )
        ],
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    [event] = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert event["SUMMARY"] == "为民服务日，" * 20
    assert event["DESCRIPTION"] == "第一行；第二行\n第三行, 完"


def test_times_are_written_as_shanghai_wall_clock():
    utc = datetime.datetime(2026, 10, 10, 1, 0, tzinfo=datetime.UTC)
    text = ical.calendar("x", [ical.Event(uid="y", start=utc, end=utc + datetime.timedelta(hours=1), summary="s")])
    assert "DTSTART;TZID=Asia/Shanghai:20261010T090000" in text
