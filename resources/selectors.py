"""Reads for resources: who may book, opening windows, the free-slot grid and usage figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lib.workdays import holiday_name
from org.actors import Viewer
from org.models import STAFF_ROLES, Region, User
from org.scoping import within

from .models import Booking, Resource, WaitlistEntry

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=timezone.get_current_timezone())


def statutory_holiday(day: datetime.date) -> str | None:
    """The Chinese name of the statutory holiday on ``day`` (plain weekends are not holidays here)."""
    name = holiday_name(day)
    return HOLIDAY_NAMES.get(name, name) if name else None


def closed_reason(resource: Resource, day: datetime.date) -> str | None:
    """Why the resource is closed all day, or None when it opens (subject to its hours)."""
    for closed in resource.closed.all():
        if closed.date == day:
            return closed.reason or _("闭馆")
    if resource.closed_on_holidays:
        name = statutory_holiday(day)
        if name:
            return name
    if not any(h.weekday == day.weekday() for h in resource.hours.all()):
        return _("当日不开放")
    return None


def opening_windows(resource: Resource, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
    if closed_reason(resource, day):
        return []
    return [(aware(day, h.opens), aware(day, h.closes)) for h in resource.hours.all() if h.weekday == day.weekday()]


def is_manager(user: Viewer | None, resource: Resource) -> bool:
    """Staff of the resource's region (or above) manage it: approve, book for others, set series."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.memberships.filter(
        role__in=list(STAFF_ROLES), region__path__in=_ancestor_paths(resource.region)
    ).exists()


def _ancestor_paths(region: Region) -> list[str]:
    parts = [p for p in region.path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def subdistrict_of(region: Region) -> Region:
    return region.ancestor_of_kind(Region.Kind.SUBDISTRICT) or region


def may_book(user: Viewer | None, resource: Resource) -> bool:
    """Who may book: members of the allowed groups, people of the allowed regions, or — when the
    resource names neither — anyone with a membership in its subdistrict. Managers always may."""
    if not user or not user.is_authenticated:
        return False
    if is_manager(user, resource):
        return True
    groups = list(resource.allowed_groups.all())
    regions = list(resource.allowed_regions.all())
    if not groups and not regions:
        regions = [subdistrict_of(resource.region)]
    if groups and user.booking_groups.filter(pk__in=[g.pk for g in groups]).exists():
        return True
    return user.memberships.filter(within(regions)).exists()  # no regions: within matches nothing


# One answer whether the username is unknown or belongs to someone of another subdistrict: the form is not a way
# to learn who has an account elsewhere.
NO_SUCH_PERSON = gettext_lazy("本辖区没有这个用户名的账号。")


def is_person_of(user: User | None, resource: Resource) -> bool:
    """Whether a manager may book ``resource`` for ``user``: someone of its subdistrict or its allowed regions (by
    any membership), or a member of one of its groups — never a user of another subdistrict."""
    if user is None or not user.is_active:
        return False
    regions = [subdistrict_of(resource.region), *resource.allowed_regions.all()]
    if user.memberships.filter(within(regions)).exists():
        return True
    return user.booking_groups.filter(pk__in=resource.allowed_groups.values("pk")).exists()


def person_for(username: str, resource: Resource) -> User | None:
    """The active user called ``username`` whom a manager may book ``resource`` for, else None."""

    user = get_user_model().objects.filter(username=(username or "").strip(), is_active=True).first()
    return user if is_person_of(user, resource) else None


def bookable_resources(user: Viewer) -> QuerySet[Resource] | list[Resource]:
    """Resources a user can see on the list page: the ones they manage and the ones they may book."""
    if not user.is_authenticated:
        return Resource.objects.none()
    managed = Resource.objects.visible_to(user)
    paths = set()
    for path in user.memberships.values_list("region__path", flat=True):
        parts = [p for p in path.split(".") if p]
        paths.add(".".join(parts[:2]) + "." if len(parts) >= 2 else path)  # the subdistrict of each membership
    q = Q(pk__in=managed.values("pk")) | within(paths) | Q(allowed_groups__members=user)
    candidates = (
        Resource.objects.active()
        .filter(q)
        .distinct()
        .select_related("region", "unit", "address")
        .prefetch_related("allowed_groups", "allowed_regions")
    )
    return [r for r in candidates if may_book(user, r)]


@dataclass
class Slot:
    start: datetime.datetime
    end: datetime.datetime
    state: str  # free, taken, held (offered to a waitlisted person), past, mine

    @property
    def label(self) -> str:
        return f"{local(self.start):%H:%M}"


@dataclass
class Day:
    date: datetime.date
    closed: str | None
    slots: list[Slot]

    @property
    def free_count(self) -> int:
        return sum(1 for s in self.slots if s.state == "free")


def slot_grid(
    resource: Resource, *, days: int = 7, user: Viewer | None = None, now: datetime.datetime | None = None
) -> list[Day]:
    """Slots of ``slot_minutes`` for the coming days, each marked free/taken/held/past/mine.

    One query for the bookings and one for the offers of the whole range, whatever the number of days.
    """
    now = now or timezone.now()
    today = local(now).date()
    # Hours and closed dates once (prefetched), not per day.

    prefetch_related_objects([resource], "hours", "closed")
    range_start = aware(today, datetime.time.min)
    range_end = range_start + datetime.timedelta(days=days)
    bookings = list(
        Booking.objects.filter(resource=resource, start__lt=range_end, blocked_until__gt=range_start)
        .filter(status__in=Booking.ACTIVE_STATUSES)
        .values_list("start", "blocked_until", "status", "user_id")
    )
    offers = list(
        WaitlistEntry.objects.filter(resource=resource, status=WaitlistEntry.Status.OFFERED, offer_expires_at__gt=now)
        .filter(start__lt=range_end, end__gt=range_start)
        .values_list("start", "end", "user_id")
    )
    step = datetime.timedelta(minutes=resource.slot_minutes)
    # Slots too close to book (the notice rule) show as past for people who book for themselves.
    earliest = (
        now
        if user is not None and is_manager(user, resource)
        else now + datetime.timedelta(minutes=resource.min_notice_minutes)
    )
    out = []
    for offset in range(days):
        day = today + datetime.timedelta(days=offset)
        reason = closed_reason(resource, day)
        slots = []
        for opens, closes in opening_windows(resource, day):
            cursor = opens
            while cursor + step <= closes:
                end = cursor + step
                state = "free"
                if cursor < earliest:
                    state = "past"
                else:
                    for b_start, b_until, b_status, b_user in bookings:
                        if b_start < end and b_until > cursor:
                            if user is not None and b_user == user.pk:
                                state = "mine"
                                break
                            if b_status in Booking.HOLDING_STATUSES:
                                state = "taken"
                    if state == "free":
                        for o_start, o_end, o_user in offers:
                            if o_start < end and o_end > cursor and (user is None or o_user != user.pk):
                                state = "held"
                slots.append(Slot(cursor, end, state))
                cursor = end
        out.append(Day(day, reason, slots))
    return out


@dataclass
class Usage:
    resource: Resource
    bookings: int
    hours_booked: float
    hours_used: float
    no_shows: int
    cancelled: int
    people: int
    top_users: list  # [(name, hours)]
    groups: list  # [(group name, people)]

    @property
    def use_rate(self) -> float | None:
        return round(100 * self.hours_used / self.hours_booked) if self.hours_booked else None


def usage(resource: Resource, *, start: datetime.date, end: datetime.date) -> Usage:
    """Usage figures between two dates (inclusive): hours booked and used, no-shows, who benefits."""
    s, e = aware(start, datetime.time.min), aware(end + datetime.timedelta(days=1), datetime.time.min)
    rows = list(Booking.objects.filter(resource=resource, start__gte=s, start__lt=e).select_related("user"))
    booked_statuses = {
        Booking.Status.CONFIRMED,
        Booking.Status.CHECKED_IN,
        Booking.Status.RELEASED,
        Booking.Status.NO_SHOW,
    }
    booked = [b for b in rows if b.status in booked_statuses]
    per_user: dict = {}
    for b in booked:
        per_user.setdefault(b.user, 0.0)
        per_user[b.user] += b.used_hours()
    top = sorted(((str(u), round(h, 1)) for u, h in per_user.items()), key=lambda x: -x[1])[:10]
    user_ids = {u.pk for u in per_user}
    groups = [(g.name, g.members.filter(pk__in=user_ids).count()) for g in resource.allowed_groups.all()]
    return Usage(
        resource=resource,
        bookings=len(booked),
        hours_booked=round(sum(b.hours for b in booked), 1),
        hours_used=round(sum(b.used_hours() for b in booked), 1),
        no_shows=sum(1 for b in rows if b.status == Booking.Status.NO_SHOW),
        cancelled=sum(1 for b in rows if b.status == Booking.Status.CANCELLED),
        people=len(user_ids),
        top_users=top,
        groups=groups,
    )


def pending_for(user: Viewer) -> QuerySet[Booking]:
    """The approval queue: pending requests of resources the user manages, oldest first."""
    return (
        Booking.objects.filter(status=Booking.Status.PENDING, resource__in=Resource.objects.visible_to(user))
        .select_related("resource", "user")
        .order_by("start", "created_at")
    )
