"""The monthly report (工作月报) a 街道 sends upward: the month's 三率 and volumes, cases by category and by unit,
hot grids, renovation signing, meal deliveries and volunteer hours — each as a table with a bar drawn beside the
figure, in one PDF (lib.pdf, reportlab's built-in CJK font)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from lib.pdf import Document

from . import charts, selectors

BAR = 20  # characters of the longest bar


def parse_month(value: str | None) -> datetime.date:
    """``2026-11`` → 2026-11-01; anything else: the first of last month (Shanghai time)."""
    try:
        return datetime.datetime.strptime(value or "", "%Y-%m").date().replace(day=1)
    except ValueError:
        today = timezone.localtime(timezone.now(), selectors.SH).date()
        return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _bar(value, largest) -> str:
    if not value or not largest:
        return ""
    return "█" * max(1, round(BAR * float(value) / float(largest)))


def _with_bars(chart: charts.Chart, column: int) -> list[list]:
    """The chart's table with a bar drawn for one numeric column."""
    values = [r[column] for r in chart.rows if isinstance(r[column], int | float)]
    largest = max(values, default=0)
    return [[*chart.head, ""]] + [[*r, _bar(r[column], largest)] for r in chart.rows]


def monthly_pdf(region, month: datetime.date) -> bytes:
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=selectors.SH)
    following = (month + datetime.timedelta(days=32)).replace(day=1)
    end = datetime.datetime.combine(following, datetime.time.min, tzinfo=selectors.SH)
    figures = selectors.full(region, start, end)
    t = figures.total
    pdf = Document(f"{region.name}{month:%Y年%m月}工作月报")
    pdf.title_line(f"{region.name} {month:%Y年%m月} 工作月报")
    pdf.paragraph(
        f"辖区：{region.full_name}　统计期间：{month:%Y-%m-%d} 至 {following - datetime.timedelta(days=1):%Y-%m-%d}"
    )
    pdf.heading("一、诉求办理“三率”")

    def pct(v):
        return "—" if v is None else f"{v:.1f}%"

    pdf.table(
        [
            ["受理（件）", "响应率", "解决率", "满意率", "按时办结率", "超期在办（件）"],
            [
                t.received,
                pct(t.response_rate),
                pct(t.resolution_rate),
                pct(t.satisfaction_rate),
                pct(t.on_time_rate),
                t.overdue,
            ],
        ]  # fmt: skip
    )
    number = 2
    titles = {"category": "各分类受理量", "unit": "各承办单位受理量", "map": "各网格诉求", "hours": "志愿服务时长",
              "meals": "助餐送达"}  # fmt: skip
    for chart in charts.all_charts(region, figures, start, end):
        if chart.id == "trend":
            continue
        pdf.heading(f"{'二三四五六七八九十'[number - 2]}、{titles.get(chart.id, chart.title)}")
        pdf.table(_with_bars(chart, 1 if chart.kind != "progress" else 3))
        if chart.note:
            pdf.paragraph(chart.note, style="small")
        number += 1
        if number > 10:
            break
    pdf.space()
    pdf.paragraph("口径见 docs/cases-metrics.md：已撤销和被合并的重复诉求不计。本报告由民呼生成。", style="small")
    return pdf.render()
