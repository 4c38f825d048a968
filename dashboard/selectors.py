"""Figures for leaders and staff: the three rates and the on-time rate (cases.metrics), for the
regions a user may see in aggregate. The dashboard owns no data; it only reads."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import metrics
from events.models import Consultation
from guides.selectors import AnswerFigures, answer_figures
from org.actors import Viewer
from org.models import Region, Role
from org.scoping import is_within

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
DASHBOARD_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.LEADER})

PERIODS = {
    "month": _("本月"),
    "quarter": _("本季度"),
    "year": _("本年"),
    "last12": _("近 12 个月"),
}


def dashboard_regions(user: Viewer) -> list[Region]:
    """The user's own regions held with a dashboard role (leaders see aggregates of these)."""
    if not user.is_authenticated:
        return []
    regions = [m.region for m in user.memberships.select_related("region") if m.role in DASHBOARD_ROLES]
    if user.is_superuser and not regions:
        regions = list(Region.objects.filter(parent__isnull=True))
    return sorted(set(regions), key=lambda r: r.path)


def allowed_region(user: Viewer, region_id: int | str | None) -> Region | None:
    """A region under one of the user's dashboard regions, or None."""
    roots = dashboard_regions(user)
    if not region_id:
        return roots[0] if roots else None
    region = Region.objects.filter(pk=region_id).first()
    if region and is_within(region, roots):
        return region
    return None


def period_bounds(
    period: str,
    now: datetime.datetime | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) in Asia/Shanghai for a named period or explicit dates (end inclusive as a date)."""
    now = timezone.localtime(now or timezone.now(), SH)
    today = now.date()
    if start or end:
        s = datetime.datetime.combine(start or datetime.date(2000, 1, 1), datetime.time.min, tzinfo=SH)
        e = datetime.datetime.combine((end or today) + datetime.timedelta(days=1), datetime.time.min, tzinfo=SH)
        return s, e
    if period == "month":
        first = today.replace(day=1)
    elif period == "quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    elif period == "last12":
        first = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
    else:
        first = today.replace(month=1, day=1)
    s = datetime.datetime.combine(first, datetime.time.min, tzinfo=SH)
    return s, datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=SH)


@dataclass
class Figures:
    region: Region
    start: datetime.datetime
    end: datetime.datetime
    total: metrics.Rates
    by_region: list = field(default_factory=list)
    by_unit: list = field(default_factory=list)
    by_category: list = field(default_factory=list)
    by_month: list = field(default_factory=list)


def headline(
    region: Region, start: datetime.datetime, end: datetime.datetime, *, now: datetime.datetime | None = None
) -> Figures:
    """Totals and one row per sub-region (cases.metrics.summary: one aggregate query)."""
    parts = metrics.summary(region, start, end, now=now, detail=False)
    return Figures(region=region, start=start, end=end, **parts)


def full(
    region: Region, start: datetime.datetime, end: datetime.datetime, *, now: datetime.datetime | None = None
) -> Figures:
    """The whole dashboard: totals and the per-region, per-unit, per-category and per-month tables
    (on PostgreSQL one aggregate query over the monthly figures; cases.metrics.summary)."""
    parts = metrics.summary(region, start, end, now=now, detail=True)
    return Figures(region=region, start=start, end=end, **parts)


def guide_answers(region: Region, start: datetime.datetime, end: datetime.datetime) -> AnswerFigures:
    """Service-day questions in the region and period: how many a service guide answered, per desk topic, and the
    most-asked guides (counts only: leaders see no question texts)."""

    consultations = Consultation.objects.filter(
        event__region__path__startswith=region.path, created_at__gte=start, created_at__lt=end
    )
    return answer_figures(consultations, by="topic")
