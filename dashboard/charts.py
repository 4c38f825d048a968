"""The dashboard's pictures: each chart is its figures, a table of the same figures (read by screen readers,
exported to Excel) and a few words of how to draw it; static/dashboard/charts.js draws it with the vendored
ECharts, offline. The figures come from the apps' own selectors and are scoped to the region asked for."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from care.models import Delivery
from care.selectors import delivery_figures
from cases.models import Case
from org.models import Region
from org.scoping import within
from org.shapes import feature_collection
from renewal.models import RenewalProject
from renewal.selectors import progress
from volunteers.models import ServiceRecord

#: how many bars a ranking shows (the table holds them all)
TOP = 12


@dataclass
class Chart:
    """One picture. ``kind``: "trend" (bars and rate lines by month), "ranking" (horizontal bars),
    "progress" (bars against a threshold line) or "map" (regions shaded by a count)."""

    id: str
    title: str
    kind: str
    head: list[str]
    rows: list[list]
    labels: list[str] = field(default_factory=list)
    series: list[dict] = field(default_factory=list)
    threshold: float | None = None
    geo: dict | None = None
    note: str = ""

    def spec(self) -> dict:
        """What charts.js reads (json_script)."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "labels": self.labels,
            "series": self.series,
            "threshold": self.threshold,
            "geo": self.geo,
        }


def _num(value):
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal) else value


def trend(figures) -> Chart:
    """受理量 and the 三率 (with 按时办结率) month by month."""
    months = figures.by_month
    rates = (("响应率", "response_rate"), ("解决率", "resolution_rate"), ("满意率", "satisfaction_rate"),
             ("按时办结率", "on_time_rate"))  # fmt: skip
    series: list[dict[str, Any]] = [{"name": "受理（件）", "type": "bar", "data": [m.received for m in months]}]
    series += [{"name": f"{name}（%）", "type": "line", "axis": 1, "data": [getattr(m, a) for m in months]}
               for name, a in rates]  # fmt: skip
    return Chart(
        id="trend",
        title="各月受理量与三率",
        kind="trend",
        labels=[str(m.label) for m in months],
        series=series,
        head=["月份", "受理（件）", *[f"{name}（%）" for name, _ in rates]],
        rows=[[str(m.label), m.received, *[getattr(m, a) for _, a in rates]] for m in months],
    )


def ranking(chart_id: str, title: str, head: str, rows) -> Chart:
    """Cases received per category or per unit, most first; the overdue ones beside them."""
    ordered = sorted(rows, key=lambda r: (-r.received, str(r.label)))
    shown = ordered[:TOP]
    return Chart(
        id=chart_id,
        title=title,
        kind="ranking",
        labels=[str(r.label) for r in shown],
        series=[
            {"name": "受理（件）", "type": "bar", "data": [r.received for r in shown]},
            {"name": "超期在办（件）", "type": "bar", "data": [r.overdue for r in shown]},
        ],
        head=[head, "受理（件）", "超期在办（件）", "解决率（%）", "满意率（%）"],
        rows=[[str(r.label), r.received, r.overdue, r.resolution_rate, r.satisfaction_rate] for r in ordered],
        note=f"图中为受理量前 {TOP} 名，表中为全部。" if len(ordered) > TOP else "",
    )


def hot_map(region: Region, start, end) -> Chart | None:
    """Cases received per grid in the period, on the grids' outlines (no map tiles). None when no grid
    under the region has an outline."""
    grids = list(Region.objects.filter(within(region, field=""), kind=Region.Kind.GRID).order_by("path"))
    shaped = [g for g in grids if g.shape]
    if not shaped:
        return None
    counts = dict(
        Case.objects.filter(within(region, field="region_path"), created_at__gte=start, created_at__lt=end)
        .exclude(status__in=[Case.Status.CANCELLED, Case.Status.MERGED])
        .values_list("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    open_counts = dict(
        Case.objects.filter(within(region, field="region_path"), status__in=Case.OPEN_STATUSES)
        .values_list("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows = [[g.name, counts.get(g.pk, 0), open_counts.get(g.pk, 0)] for g in grids]
    return Chart(
        id="map",
        title="各网格诉求热点",
        kind="map",
        labels=[g.name for g in shaped],
        series=[{"name": "受理（件）", "data": [counts.get(g.pk, 0) for g in shaped]}],
        geo=feature_collection(shaped),
        head=["网格", "期间受理（件）", "目前在办（件）"],
        rows=rows,
        note="网格边界为示意，按辖区设置中的 GeoJSON 绘制，不依赖在线地图。",
    )


def renewal_progress(region: Region) -> list[Chart]:
    """Second-round signing per sub-plot against the project's threshold (90 %), one chart per project."""
    charts = []
    projects = RenewalProject.objects.filter(within(region)).order_by("-pk")[:3]
    for project in projects:
        figures = progress(project)
        plots = figures["plots"]
        if not plots:
            continue
        threshold = float(project.round2_threshold) * 100
        charts.append(
            Chart(
                id=f"renewal-{project.pk}",
                title=f"{project.name} · 各子地块签约进度",
                kind="progress",
                labels=[str(p["name"]) for p in plots],
                series=[{"name": "签约比例（%）", "data": [round(float(p["round2_ratio"]) * 100, 1) for p in plots]}],
                threshold=threshold,
                head=["子地块", "产证（户）", "已签约（户）", "签约比例（%）", f"达到 {threshold:.0f}%"],
                rows=[
                    [
                        str(p["name"]),
                        p["total"],
                        p["signed"],
                        round(float(p["round2_ratio"]) * 100, 1),
                        "是" if float(p["round2_ratio"]) * 100 >= threshold else "否",
                    ]
                    for p in plots
                ],
            )
        )
    return charts


def meals(region: Region, start, end) -> Chart | None:
    """助餐送达的准时率 by month."""
    deliveries = Delivery.objects.filter(within(region), round__date__gte=start.date(), round__date__lt=end.date())
    by_month = delivery_figures(deliveries)["by_month"]
    if not by_month:
        return None
    return Chart(
        id="meals",
        title="助餐准时送达率",
        kind="trend",
        labels=[m["key"] for m in by_month],
        series=[
            {"name": "应送（份）", "type": "bar", "data": [m["total"] for m in by_month]},
            {"name": "准时送达率（%）", "type": "line", "axis": 1, "data": [m["rate"] for m in by_month]},
        ],
        head=["月份", "应送（份）", "准时送达（份）", "准时送达率（%）"],
        rows=[[m["key"], m["total"], m["on_time"], m["rate"]] for m in by_month],
    )


def volunteer_hours(region: Region, start, end) -> Chart | None:
    """Volunteer service hours by partner organisation (records without one: 个人参与)."""
    rows = list(
        ServiceRecord.objects.filter(within(region), date__gte=start.date(), date__lt=end.date())
        .values("organisation__unit__name")
        .annotate(hours=Sum("hours"), people=Count("volunteer", distinct=True), times=Count("id"))
        .order_by("-hours", "organisation__unit__name")
    )
    if not rows:
        return None
    shown = rows[:TOP]
    return Chart(
        id="hours",
        title="各合作单位志愿服务时长",
        kind="ranking",
        labels=[r["organisation__unit__name"] or "个人参与" for r in shown],
        series=[{"name": "服务时长（小时）", "type": "bar", "data": [_num(r["hours"]) for r in shown]}],
        head=["合作单位", "服务时长（小时）", "志愿者（人）", "服务（次）"],
        rows=[[r["organisation__unit__name"] or "个人参与", _num(r["hours"]), r["people"], r["times"]] for r in rows],
    )


def all_charts(region: Region, figures, start: datetime.datetime, end: datetime.datetime) -> list[Chart]:
    """Every chart of the dashboard for the region and period, in page order (charts with no data left out)."""
    charts: list[Chart | None] = [trend(figures)]
    charts.append(hot_map(region, start, end))
    charts.append(ranking("category", "各分类受理量", "分类", figures.by_category))
    charts.append(ranking("unit", "各承办单位受理量", "单位", figures.by_unit))
    charts += renewal_progress(region)
    charts.append(meals(region, start, end))
    charts.append(volunteer_hours(region, start, end))
    return [c for c in charts if c is not None and c.rows]
