"""The three rates (三率: 响应率, 解决率, 满意率) and the on-time rate, exactly as defined in
docs/cases-metrics.md. One aggregate query per table; grouping by sub-region uses the materialised
path prefix so the database never joins the region table.

Who relies on this: the dashboard app (pages and Excel), the home panel, bench/bench_cases.py.
"""

import datetime
import zoneinfo
from dataclasses import dataclass
from importlib import import_module

from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from minhu.dbrouter import reading_connection
from org.models import PATH_STEP, Region, Unit
from org.scoping import within

from .models import Case, Category

S, V = Case.Status, Case.Verdict
EXCLUDED = (S.CANCELLED, S.MERGED)  # withdrawn cases and duplicates (counted once, in their master)
DONE = (S.RESOLVED, S.VISITED, S.ARCHIVED)
RATED = (V.SATISFIED, V.BASIC, V.UNSATISFIED)


def _aggregates(now):
    return {
        "received": Count("status"),
        "due_response": Count("status", filter=Q(first_contact_due_at__lt=now) | Q(first_contacted_at__isnull=False)),
        "responded_on_time": Count("status", filter=Q(first_contacted_at__lte=F("first_contact_due_at"))),
        "resolved": Count("status", filter=Q(status__in=DONE)),
        "resolved_on_time": Count("status", filter=Q(status__in=DONE, resolved_at__lte=F("due_at"))),
        "rated": Count("status", filter=Q(verdict__in=RATED)),
        "satisfied": Count("status", filter=Q(verdict__in=(V.SATISFIED, V.BASIC))),
        "not_visited": Count("status", filter=Q(verdict=V.NOT_VISITED)),
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
        qs = qs.filter(within(region, "region_path"))
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
    now = now or timezone.now()
    rows = list(_grouped(qs, F("main_unit_id"), now))
    names = dict(Unit.objects.filter(pk__in=[r["_k"] for r in rows if r["_k"]]).values_list("pk", "name"))
    return [Rates(label=names.get(r["_k"], "（待派单）"), key=r.pop("_k"), **r) for r in rows]


def by_category(qs, *, now=None) -> list[Rates]:
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


# --- The dashboard's figures ------------------------------------------------------------------------
#
# ``summary`` is what the dashboard, its Excel export and the home panel call. On PostgreSQL it
# reads whole months from ``cases_monthly_figures`` (kept exact by a trigger, migration 0007) plus
# the moment-dependent counts of the still-pending cases from a partial index, and the cases of any
# partial month at either end of the period from the covering index: one statement, so one
# snapshot. Elsewhere (SQLite) it runs the plain grouped queries above. Both give the same numbers
# (cases/tests/test_monthly_figures.py checks this on random cases).

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def _sql_list(values) -> str:
    """A literal list of choice values for the statements below: ``('a', 'b')``."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


_DONE_SQL = _sql_list(DONE)
_CLOCK_SQL = _sql_list(Case.CLOCK_STATUSES)
_EXCLUDED_SQL = _sql_list(EXCLUDED)
_RATED_SQL = _sql_list(RATED)
_SATISFIED_SQL = _sql_list((V.SATISFIED, V.BASIC))
_MONTH_SQL = "(date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai'))::date"
LEVELS = (2, 3, 4)  # the region-tree levels cases_monthly_figures keeps (migration 0007): below a district
_PARTS = (
    "child", "unit", "category", "month", "received", "responded", "due_unresponded", "responded_on_time",
    "resolved", "resolved_on_time", "rated", "satisfied", "not_visited", "overdue",
)  # fmt: skip


def summary(region, start=None, end=None, *, now=None, detail=True) -> dict:
    """The totals and the per-child-region table of cases received in [start, end) under ``region``;
    with ``detail`` also the per-unit, per-category and per-month tables."""
    now = now or timezone.now()
    if connection.vendor == "postgresql" and len(region.path) // (PATH_STEP + 1) + 1 in LEVELS:
        return _summary_postgres(region, start, end, now, detail)
    return _summary_plain(region, start, end, now, detail)


def _summary_plain(region, start, end, now, detail) -> dict:
    """The figures straight from the cases, one grouped query per table (the reference)."""
    qs = base_queryset(region=region, start=start, end=end)
    by_region = by_subregion(qs, region, now=now)
    out = {"total": add_up(by_region), "by_region": by_region}
    if detail:
        out["by_unit"] = sorted(by_unit(qs, now=now), key=lambda r: -r.received)
        out["by_category"] = sorted(by_category(qs, now=now), key=lambda r: -r.received)
        out["by_month"] = by_month(qs, now=now)
    return out


def _month_start(moment: datetime.datetime, *, up: bool) -> datetime.datetime:
    """The first instant of the (Shanghai) month of ``moment``; with ``up``, of the next month unless
    ``moment`` is that first instant already."""
    local = moment.astimezone(SH)
    first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if up and first != local:
        first = (first + datetime.timedelta(days=32)).replace(day=1)
    return first


def _split(start, end, empty=None):
    """Whole months [m0, m1) answered by the monthly table, and the partial ranges left at the ends.

    ``empty(ranges)`` says which of the given ranges hold no counted case: the rest of a partial
    month that holds none (typically: after today) lets that whole month come from the table."""
    m0 = None if start is None else _month_start(start, up=True)
    m1 = None if end is None else _month_start(end, up=False)
    rests = []
    if start is not None and start != m0:
        rests.append(("start", _month_start(start, up=False), start))
    if end is not None and end != m1:
        rests.append(("end", end, _month_start(end, up=True)))
    if rests and empty is not None:
        for (side, lo, hi), nothing in zip(rests, empty([(lo, hi) for _side, lo, hi in rests]), strict=True):
            if nothing and side == "start":
                m0 = lo
            elif nothing:
                m1 = hi
    if m0 is not None and m1 is not None and m0 >= m1:
        return None, [(start, end)]
    edges = []
    if start is not None and start < m0:
        edges.append((start, m0))
    if end is not None and m1 < end:
        edges.append((m1, end))
    return (m0, m1), edges


def _nothing_in(prefix, ranges) -> list[bool]:
    """For each [lo, hi): no counted case under the region received then (one query, index-only)."""
    probes = ", ".join(
        "NOT EXISTS (SELECT 1 FROM cases_case WHERE region_path LIKE %s AND created_at >= %s AND created_at < %s "
        f"AND status NOT IN {_EXCLUDED_SQL})"
        for _range in ranges
    )
    with reading_connection().cursor() as cursor:  # the replica inside @use_replica() (minhu/dbrouter.py)
        cursor.execute(f"SELECT {probes}", [v for lo, hi in ranges for v in (prefix, lo, hi)])
        return list(cursor.fetchone())


def _period(column, lo, hi):
    where, params = [], []
    if lo is not None:
        where.append(f"{column} >= %s")
        params.append(lo)
    if hi is not None:
        where.append(f"{column} < %s")
        params.append(hi)
    return "".join(f" AND {w}" for w in where), params


def _summary_postgres(region, start, end, now, detail) -> dict:

    width = len(region.path) + PATH_STEP + 1
    prefix = region.path + "%"
    months, edges = _split(start, end, lambda ranges: _nothing_in(prefix, ranges))
    parts, params = [], []
    child = f"substr(region_path, 1, {width})"
    if months is not None:
        m0, m1 = months
        where, period = _period("month", m0 and m0.date(), m1 and m1.date())
        for table in ("cases_monthly_figures", "cases_figures_delta"):  # the folded rows and the writes since
            parts.append(
                f"SELECT region_path, main_unit_id, category_id, month, {', '.join(_PARTS[4:])} "
                f"FROM {table} WHERE level = %s AND region_path LIKE %s{where}"
            )
            params += [width // (PATH_STEP + 1), prefix, *period]
        # The table counts "due but not responded to" and "overdue" as of the cut-off: add the cases
        # whose deadline fell between the cut-off and now (subtract them if now is the earlier one).
        where, period = _period("created_at", m0, m1)
        late = (
            f"SELECT {child}, coalesce(main_unit_id, 0), category_id, {_MONTH_SQL}, 0, 0, {{}}, 0, 0, 0, 0, 0, 0, {{}}"
        )
        sign = "(SELECT sign(extract(epoch FROM %s - at))::int FROM cases_figures_cutoff)"
        lo, hi = (
            "(SELECT least(at, %s) FROM cases_figures_cutoff)",
            "(SELECT greatest(at, %s) FROM cases_figures_cutoff)",
        )
        parts.append(
            late.format(sign, "0") + f" FROM cases_case WHERE first_contacted_at IS NULL "
            f"AND status NOT IN {_EXCLUDED_SQL} AND first_contact_due_at >= {lo} AND first_contact_due_at < {hi} "
            f"AND region_path LIKE %s{where}"
        )
        params += [now, now, now, prefix, *period]
        parts.append(
            late.format("0", sign) + f" FROM cases_case WHERE status IN {_CLOCK_SQL} AND paused_at IS NULL "
            f"AND due_at >= {lo} AND due_at < {hi} AND region_path LIKE %s{where}"
        )
        params += [now, now, now, prefix, *period]
    for lo, hi in edges:
        where, period = _period("created_at", lo, hi)
        parts.append(
            f"SELECT {child}, coalesce(main_unit_id, 0), category_id, {_MONTH_SQL}, 1, "
            "(first_contacted_at IS NOT NULL)::int, "
            "coalesce(first_contacted_at IS NULL AND first_contact_due_at < %s, false)::int, "
            "coalesce(first_contacted_at <= first_contact_due_at, false)::int, "
            f"(status IN {_DONE_SQL})::int, coalesce(status IN {_DONE_SQL} AND resolved_at <= due_at, false)::int, "
            f"(verdict IN {_RATED_SQL})::int, (verdict IN {_SATISFIED_SQL})::int, "
            f"(verdict = '{V.NOT_VISITED}')::int, "
            f"coalesce(status IN {_CLOCK_SQL} AND paused_at IS NULL AND due_at < %s, false)::int "
            f"FROM cases_case WHERE status NOT IN {_EXCLUDED_SQL} AND region_path LIKE %s{where}"
        )
        params += [now, now, prefix, *period]
    sums = (
        "sum(received), sum(responded) + sum(due_unresponded), sum(responded_on_time), sum(resolved), "
        "sum(resolved_on_time), sum(rated), sum(satisfied), sum(not_visited), sum(overdue)"
    )
    keys = "child, unit, category, month"
    grouping = "GROUPING SETS ((child), (unit), (category), (month))" if detail else "child"
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT {'GROUPING(' + keys + ')' if detail else '7'}, {keys if detail else 'child, 0, 0, NULL'}, {sums} "
        f"FROM ({union}) AS parts ({', '.join(_PARTS)}) GROUP BY {grouping}"
    )
    with reading_connection().cursor() as cursor:  # the replica inside @use_replica() (minhu/dbrouter.py)
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    tables: dict[int, dict] = {7: {}, 11: {}, 13: {}, 14: {}}  # GROUPING() of child, unit, category, month
    for set_bits, child_key, unit, category, month, *counts in rows:
        key = {7: child_key, 11: unit, 13: category, 14: month}[set_bits]
        tables[set_bits][key] = Rates(label="", key=key, **dict(zip(COUNT_FIELDS, counts, strict=True)))

    names = dict(Region.objects.filter(path__in=list(tables[7])).values_list("path", "name")) if tables[7] else {}
    by_region = []
    for key in sorted(tables[7]):
        tables[7][key].label = names.get(key, region.name)
        by_region.append(tables[7][key])
    out = {"total": add_up(by_region), "by_region": by_region}
    if not detail:
        return out
    units = [k for k in tables[11] if k]
    unit_names = dict(Unit.objects.filter(pk__in=units).values_list("pk", "name")) if units else {}
    category_names = dict(Category.objects.values_list("pk", "name")) if tables[13] else {}
    for key, r in tables[11].items():
        r.key = key or None
        r.label = unit_names.get(key, "（待派单）")
    for key, r in tables[13].items():
        r.label = category_names.get(key, "")
    for key, r in tables[14].items():
        r.label = f"{key:%Y-%m}"
    out["by_unit"] = sorted(tables[11].values(), key=lambda r: -r.received)
    out["by_category"] = sorted(tables[13].values(), key=lambda r: -r.received)
    out["by_month"] = [tables[14][k] for k in sorted(tables[14])]
    return out


def _figures_sql():
    # the statements live in the migration that made the tables (one copy); its module name starts with a digit
    return import_module("cases.migrations.0007_monthly_figures_postgres")


def rebuild_monthly_figures() -> int:
    """Recount ``cases_monthly_figures`` from the cases (PostgreSQL; after a bulk load with the trigger
    disabled, or to prove the table right). Writers wait while it runs. Returns the rows written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE cases_case IN SHARE MODE")
        cursor.execute("DELETE FROM cases_monthly_figures")
        cursor.execute("DELETE FROM cases_figures_delta")
        cursor.execute(_figures_sql().BACKFILL)
        return cursor.rowcount


def advance_cutoff(to=None) -> bool:
    """Fold the writers' deltas into the monthly rows and move the moment the monthly figures count
    deadlines against to ``to`` (now), so that readers have only the last few minutes' writes and
    deadlines to add (dashboard/tasks.py runs this every five minutes). Writers of cases wait for
    the few milliseconds it takes; if one holds its lock for more than a few
    seconds this gives up (returns False) and the next run catches up. PostgreSQL only."""
    to = to or timezone.now()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '3s'")
            cursor.execute("LOCK TABLE cases_case IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(_figures_sql().FOLD)  # the writers' deltas into the monthly rows
            cursor.execute("SELECT at FROM cases_figures_cutoff FOR UPDATE")
            (old,) = cursor.fetchone()
            if old != to:
                lo, hi = sorted([old, to])
                cursor.execute(_figures_sql().ADVANCE, {"lo": lo, "hi": hi, "sign": 1 if to > old else -1})
                cursor.execute("UPDATE cases_figures_cutoff SET at = %s", [to])
    except OperationalError:
        return False
    return True
