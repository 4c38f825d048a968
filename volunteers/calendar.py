"""A volunteer's shifts as calendar entries: tasks with a time (desk shifts at service days,
case help) and every occurrence of their regular shifts, expanded on the statutory calendar
(``RegularShift.dates``: holidays out, 调休 make-up days in)."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from lib.ical import Event
from lib.workdays import SHANGHAI

from .models import Assignment, Volunteer

CALENDAR_NAME = "我的志愿服务"


def entries_for(user, *, since: datetime.datetime, until: datetime.datetime) -> list[Event]:
    volunteer = Volunteer.objects.filter(user=user).first()
    if volunteer is None:
        return []
    link = settings.SITE_URL.rstrip("/") + reverse("volunteers:me")
    entries = []
    tasks = volunteer.assignments.filter(
        starts_at__isnull=False, ends_at__isnull=False, starts_at__lt=until, ends_at__gt=since
    ).exclude(status__in=[Assignment.Status.CANCELLED, Assignment.Status.DECLINED])
    for a in tasks.order_by("starts_at", "pk"):
        entries.append(
            Event(
                uid=f"assignment-{a.pk}@minhu",
                start=a.starts_at,  # type: ignore[arg-type]  # starts_at__isnull=False
                end=a.ends_at,  # type: ignore[arg-type]  # ends_at__isnull=False
                summary=a.activity,
                location=a.place,
                description=_("状态：%(s)s") % {"s": a.get_status_display()},
                url=link,
                status="TENTATIVE" if a.status == Assignment.Status.OFFERED else "CONFIRMED",
            )
        )
    first, last = since.astimezone(SHANGHAI).date(), until.astimezone(SHANGHAI).date()
    for shift in volunteer.regular_shifts.all():
        for day in shift.dates(first, last):
            entries.append(
                Event(
                    uid=f"regular-shift-{shift.pk}-{day:%Y%m%d}@minhu",
                    start=datetime.datetime.combine(day, shift.start_time, tzinfo=SHANGHAI),
                    end=datetime.datetime.combine(day, shift.end_time, tzinfo=SHANGHAI),
                    summary=shift.activity,
                    location=shift.place,
                    description=_("固定班次：%(p)s") % {"p": shift.pattern},
                    url=link,
                )
            )
    return sorted(entries, key=lambda e: (e.start, e.uid))
