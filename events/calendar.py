"""Service days as calendar entries: the ones a person may see (staff, leaders, partners and
volunteers of the region), and one service day for the download button of its pages."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lib.ical import Event
from lib.workdays import SHANGHAI, holiday_name, is_workday

from .models import ServiceEvent

CALENDAR_NAME = "服务活动"


def entry(event: ServiceEvent, *, link: str = "") -> Event:
    notes = [_("主办：%(o)s") % {"o": event.organiser.name}]
    desks = [d.name for d in event.desks.all()]
    if desks:
        notes.append(_("咨询台：%(d)s") % {"d": "、".join(desks)})
    day = event.starts_at.astimezone(SHANGHAI).date()
    # Staff plan around the statutory calendar: say when a service day falls on a holiday or a 调休 workday.
    if holiday_name(day):
        notes.append(_("当天是法定节假日。"))
    elif day.weekday() >= 5 and is_workday(day):
        notes.append(_("当天是调休上班日。"))
    if event.description:
        notes.append(event.description)
    return Event(
        uid=f"service-day-{event.pk}@minhu",
        start=event.starts_at,
        end=event.ends_at,
        summary=event.title,
        location=event.place,
        description="\n".join(notes),
        url=link,
    )


def entries_for(user, *, since: datetime.datetime, until: datetime.datetime) -> list[Event]:
    events = (
        ServiceEvent.objects.visible_to(user)
        .filter(starts_at__lt=until, ends_at__gt=since)
        .select_related("organiser")
        .prefetch_related("desks")
        .order_by("starts_at", "pk")
    )
    site = settings.SITE_URL.rstrip("/")
    return [entry(e, link=site + reverse("events:event_detail", args=[e.pk])) for e in events]
