"""The three rates (三率: 响应率, 解决率, 满意率) and the on-time rate, exactly as defined in
docs/cases-metrics.md. One aggregate query per table; grouping by sub-region uses the materialised
path prefix so the database never joins the region table.

Who relies on this: the dashboard app (pages and Excel), the home panel, bench/bench_cases.py.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from org.models import PATH_STEP, Region

from .models import Case

EXCLUDED = ("cancelled", "merged")  # withdrawn cases and duplicates (counted once, in their master)
DONE = ("resolved", "visited", "archived")
RATED = ("satisfied", "basic", "unsatisfied")


def _aggregates(now):
    return {
        "received": Count("status"),
        "due_response": Count("status", filter=Q(first_contact_due_at__lt=now) | Q(first_contacted_at__isnull=False)),
        "responded_on_time": Count("status", filter=Q(first_contacted_at__lte=F("first_contact_due_at"))),
        "resolved": Count("status", filter=Q(status__in=DONE)),
        "resolved_on_time": Count("status", filter=Q(status__in=DONE, resolved_at__lte=F("due_at"))),
        "rated": Count("status", filter=Q(verdict__in=RATED)),
        "satisfied": Count("status", filter=Q(verdict__in=("satisfied", "basic"))),
        "not_visited": Count("status", filter=Q(verdict="not_visited")),
        "overdue": Count("status", filter=Q(status__in=Case.CLOCK_STATUSES, paused_at__isnull=True, due_at__lt=now)),
    }


COUNT_FIELDS = (
    "received", "due_response", "responded_on_time", "resolved", "resolved_on_time", "rated", "satisfied",
    "not_visited", "overdue",
)  # fmt: skip


@dataclass
class Rates:
    label: str
    key: object
    received: int = 0
    due_response: int = 0
    responded_on_time: int = 0
    resolved: int = 0
    resolved_on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    not_visited: int = 0
    overdue: int = 0

    @staticmethod
    def _pct(n, d):
        return None if not d else round(100.0 * n / d, 1)

    @property
    def response_rate(self):
        return self._pct(self.responded_on_time, self.due_response)

    @property
    def resolution_rate(self):
        return self._pct(self.resolved, self.received)

    @property
    def satisfaction_rate(self):
        return self._pct(self.satisfied, self.rated)

    @property
    def on_time_rate(self):
        return self._pct(self.resolved_on_time, self.resolved)


def base_queryset(*, region=None, start=None, end=None, unit=None, category=None, qs=None):
    """Cases received in [start, end) under ``region`` (and unit/category), minus cancelled and merged."""
    qs = (qs if qs is not None else Case.objects.all()).exclude(status__in=EXCLUDED)
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lt=end)
    if unit is not None:
        qs = qs.filter(main_unit=unit)
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category))
    return qs


def totals(qs, *, now=None, label="合计") -> Rates:
    now = now or timezone.now()
    return Rates(label=label, key=None, **qs.aggregate(**_aggregates(now)))


def _grouped(qs, key_expr, now):
    return qs.order_by().annotate(_k=key_expr).values("_k").annotate(**_aggregates(now)).order_by("_k")


def add_up(rows: list[Rates], *, label="合计") -> Rates:
    """Totals from grouped rows: every figure is a count, so the sum is exact (one query fewer)."""
    total = Rates(label=label, key=None)
    for row in rows:
        for field in COUNT_FIELDS:
            setattr(total, field, getattr(total, field) + getattr(row, field))
    return total


def by_subregion(qs, region, *, now=None) -> list[Rates]:
    """One row per child region of ``region`` (e.g. each neighbourhood of a subdistrict).

    Groups by the case's own region (an integer, cheap to group, in the covering index) and rolls
    the grids up to the child level here: a district has a few hundred grids at most."""
    now = now or timezone.now()
    rows = list(_grouped(qs, F("region_id"), now))
    paths = dict(Region.objects.filter(pk__in=[r["_k"] for r in rows]).values_list("pk", "path"))
    width = len(region.path) + PATH_STEP + 1
    merged: dict[str, Rates] = {}
    for row in rows:
        key = paths.get(row.pop("_k"), region.path)[:width]
        target = merged.setdefault(key, Rates(label="", key=key))
        for field in COUNT_FIELDS:
            setattr(target, field, getattr(target, field) + row[field])
    names = dict(Region.objects.filter(path__in=list(merged)).values_list("path", "name"))
    out = []
    for key in sorted(merged):
        merged[key].label = names.get(key, region.name)
        out.append(merged[key])
    return out


def by_unit(qs, *, now=None) -> list[Rates]:
    from org.models import Unit

    now = now or timezone.now()
    rows = list(_grouped(qs, F("main_unit_id"), now))
    names = dict(Unit.objects.filter(pk__in=[r["_k"] for r in rows if r["_k"]]).values_list("pk", "name"))
    return [Rates(label=names.get(r["_k"], "（待派单）"), key=r.pop("_k"), **r) for r in rows]


def by_category(qs, *, now=None) -> list[Rates]:
    from .models import Category

    now = now or timezone.now()
    rows = list(_grouped(qs, F("category_id"), now))
    names = dict(Category.objects.values_list("pk", "name"))
    return [Rates(label=names.get(r["_k"], ""), key=r.pop("_k"), **r) for r in rows]


def by_month(qs, *, now=None) -> list[Rates]:
    now = now or timezone.now()
    rows = list(_grouped(qs, TruncMonth("created_at"), now))
    out = []
    for r in rows:
        key = r.pop("_k")
        label = f"{timezone.localtime(key):%Y-%m}" if isinstance(key, datetime.datetime) else str(key)
        out.append(Rates(label=label, key=key, **r))
    return out
