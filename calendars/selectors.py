import datetime
import importlib

from django.utils import timezone

from lib import crypto, ical
from org.models import User

from .models import CalendarFeed

# feed name -> the module that lists its entries (``entries_for(user, since=, until=)``, ``CALENDAR_NAME``)
FEEDS = {"bookings": "resources.calendar", "shifts": "volunteers.calendar", "service-days": "events.calendar"}
# What a feed covers: the last month (so a calendar app keeps recent history) and half a year ahead.
PAST = datetime.timedelta(days=31)
AHEAD = datetime.timedelta(days=183)


def feed_user(token: str) -> User | None:
    """The active user whose secret feed address this is, or None."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=crypto.lookup_hash(token or "")).first()
    if feed is None or not feed.user.is_active:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=timezone.now())
    return feed.user


def feed_text(user: User, kind: str, *, now: datetime.datetime | None = None) -> str | None:
    """The .ics text of feed ``kind`` for ``user`` (None for an unknown kind)."""
    if kind not in FEEDS:
        return None
    source = importlib.import_module(FEEDS[kind])
    now = now or timezone.now()
    entries = source.entries_for(user, since=now - PAST, until=now + AHEAD)
    return ical.calendar(source.CALENDAR_NAME, entries, now=now)
