"""Dates typed into a query string, kept within the years Minhu can count in.

``datetime.date.max`` plus a week, or 9999-12-31T23:59:59+14:00 turned into Shanghai time, overflows Python's
date range and used to end as a 500. Pages read such parameters with ``parse_date`` / ``parse_datetime``: a value
that does not parse gives ``default``, one outside EARLIEST..LATEST is clamped to that range.
"""

import datetime

from django.utils import timezone

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2199, 12, 31)


def clamp(day: datetime.date) -> datetime.date:
    return min(max(day, EARLIEST), LATEST)


def parse_date(value: object, default: datetime.date | None = None) -> datetime.date | None:
    try:
        return clamp(datetime.date.fromisoformat(str(value))) if value else default
    except (ValueError, TypeError):
        return default


def parse_datetime(value: object, default: datetime.datetime | None = None) -> datetime.datetime | None:
    """An ISO date-time in the current time zone (aware), clamped to EARLIEST..LATEST; ``default`` if it does not
    parse."""
    try:
        moment = datetime.datetime.fromisoformat(str(value)) if value else None
    except (ValueError, TypeError):
        return default
    if moment is None:
        return default
    if not (EARLIEST < moment.date() < LATEST):
        moment = datetime.datetime.combine(clamp(moment.date()), moment.time())
        moment = moment.replace(tzinfo=None)
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return timezone.localtime(moment)
