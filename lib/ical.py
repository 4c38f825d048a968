"""iCalendar (RFC 5545) files for calendar apps: a resident's bookings, a volunteer's shifts, service days.

Written by hand rather than with a library: a feed is a handful of VEVENTs with local times, and
the rules that matter fit here — CRLF line ends, lines folded at 75 octets without splitting a
UTF-8 character, text escaped, times as local Asia/Shanghai wall-clock with ``TZID`` and the zone
defined once in a VTIMEZONE (China keeps +08:00 all year, so one STANDARD block describes it).
The tests parse every feed with the ``icalendar`` package to hold this to the standard.
"""

import datetime
from dataclasses import dataclass

from lib.workdays import SHANGHAI

TZID = "Asia/Shanghai"
PRODID = "-//Minhu//民呼//ZH"
VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TZID}",
    f"X-LIC-LOCATION:{TZID}",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "DTSTART:19700101T000000",
    "END:STANDARD",
    "END:VTIMEZONE",
)


@dataclass(frozen=True)
class Event:
    uid: str  # stable across downloads, so a calendar app updates the entry instead of adding another
    start: datetime.datetime
    end: datetime.datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    status: str = "CONFIRMED"  # or TENTATIVE (awaiting approval), CANCELLED


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Lines of at most 75 octets; continuation lines begin with one space."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _local(moment: datetime.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware")
    return moment.astimezone(SHANGHAI).strftime("%Y%m%dT%H%M%S")


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, events, *, now: datetime.datetime | None = None) -> str:
    """The whole VCALENDAR text for ``events`` (any iterable of ``Event``)."""
    stamp = _utc(now or datetime.datetime.now(datetime.UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
        f"X-WR-TIMEZONE:{TZID}",
        *VTIMEZONE,
    ]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{stamp}"]
        lines += [f"DTSTART;TZID={TZID}:{_local(event.start)}", f"DTEND;TZID={TZID}:{_local(event.end)}"]
        lines.append(f"SUMMARY:{escape(event.summary)}")
        if event.location:
            lines.append(f"LOCATION:{escape(event.location)}")
        if event.description:
            lines.append(f"DESCRIPTION:{escape(event.description)}")
        if event.url:
            lines.append(f"URL:{event.url}")
        lines += [f"STATUS:{event.status}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
