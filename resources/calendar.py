"""A person's bookings as calendar entries (``calendars`` serves them as an .ics feed).

Every booking is its own entry, series included: ``series_create`` already laid the dates on the
statutory calendar (holidays skipped, 调休 days in when the series follows working days), and a
single date of a series can be cancelled on its own."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lib.ical import Event

from .models import Booking

CALENDAR_NAME = "我的预约"


def entries_for(user, *, since: datetime.datetime, until: datetime.datetime) -> list[Event]:
    bookings = (
        Booking.objects.filter(user=user, status__in=Booking.ACTIVE_STATUSES, start__lt=until, end__gt=since)
        .select_related("resource__address")
        .order_by("start", "pk")
    )
    link = settings.SITE_URL.rstrip("/") + reverse("resources:my_bookings")
    entries = []
    for b in bookings:
        resource = b.resource
        where = resource.address.text if resource.address is not None else ""
        location = " ".join(part for part in (where, resource.location_note) if part)
        notes = [_("状态：%(s)s") % {"s": b.get_status_display()}]
        if b.purpose:
            notes.append(_("用途：%(p)s") % {"p": b.purpose})
        if resource.contact_phone:
            notes.append(_("联系电话：%(p)s") % {"p": resource.contact_phone})
        entries.append(
            Event(
                uid=f"booking-{b.pk}@minhu",
                start=b.start,
                end=b.end,
                summary=resource.name,
                location=location,
                description="\n".join(notes),
                url=link,
                status="TENTATIVE" if b.status == Booking.Status.PENDING else "CONFIRMED",
            )
        )
    return entries
