"""The dashboard for leaders and staff: aggregates only (no resident or case detail)."""

import datetime

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.services import record
from lib import dates
from lib.pdf import pdf_response
from lib.xlsx import workbook_response
from minhu import dbrouter
from minhu.dbrouter import use_replica
from org.access import holds_role, role_required
from org.models import Role

from . import charts, report, selectors
from .selectors import PERIODS


def _parse_date(value):
    return dates.parse_date(value)  # clamped: 9999-12-31 plus a period would overflow


def _context(request, *, with_charts=True):
    user = request.user
    region = selectors.allowed_region(user, request.GET.get("region"))
    if region is None:
        raise Http404  # a region outside the user's answers like one that does not exist
    period = request.GET.get("period") if request.GET.get("period") in PERIODS else "month"
    start_date, end_date = _parse_date(request.GET.get("start")), _parse_date(request.GET.get("end"))
    error = ""
    if start_date and end_date and start_date > end_date:
        error = _("开始日期不能晚于结束日期，已按本月显示。")
        start_date = end_date = None
    start, end = selectors.period_bounds(period, start=start_date, end=end_date)
    figures = selectors.full(region, start, end)
    return {
        "figures": figures,
        "charts": charts.all_charts(region, figures, start, end) if with_charts else [],
        "guide_answers": selectors.guide_answers(region, start, end),
        "region": region,
        "regions": selectors.dashboard_regions(user),
        "children": list(region.children.all()),
        "period": period,
        "periods": PERIODS,
        "start": start_date,
        "end": end_date,
        "error": error,
        "is_leader_only": not holds_role(user, Role.STAFF, Role.ADMIN),
        "reading": dbrouter.current(),  # read from the replica, and how far behind it was
    }


@role_required(*selectors.DASHBOARD_ROLES)
@use_replica()
def index(request):
    return render(request, "dashboard/index.html", _context(request))


@role_required(*selectors.DASHBOARD_ROLES)
def screen(request):
    """The big screen (大屏) for the office: the same figures and charts, dark, full width, refreshing itself."""
    return render(request, "dashboard/screen.html", _context(request))


def _audit_export(request, ctx, action, **detail):
    record(
        actor=request.user,
        action=action,
        kind=AuditEntry.Kind.EXPORT,
        region=ctx["region"],
        detail={"period": ctx["period"], **detail},
        request=request,
    )


@role_required(*selectors.DASHBOARD_ROLES)
def chart_export(request, chart_id):
    """One chart's table as an Excel sheet: the figures behind the picture."""
    ctx = _context(request)
    chart = next((c for c in ctx["charts"] if c.id == chart_id), None)
    if chart is None:
        raise Http404
    _audit_export(request, ctx, "dashboard.chart_export", chart=chart_id)
    f = ctx["figures"]
    name = f"{chart.title}-{ctx['region'].name}-{f.start:%Y%m%d}-{(f.end - datetime.timedelta(days=1)):%Y%m%d}.xlsx"
    notes = [
        f"辖区：{ctx['region'].full_name}",
        f"期间：{f.start:%Y-%m-%d} 至 {(f.end - datetime.timedelta(days=1)):%Y-%m-%d}",
    ]
    if chart.note:
        notes.append(chart.note)
    return workbook_response(name.replace("·", "-"), chart.head, chart.rows, sheet_title=chart.title[:31], notes=notes)


@role_required(*selectors.DASHBOARD_ROLES)
def monthly_report(request):
    """The monthly report a 街道 sends upward, as a PDF: one month (``month=2026-11``; default last month)."""
    user = request.user
    region = selectors.allowed_region(user, request.GET.get("region"))
    if region is None:
        raise Http404
    month = report.parse_month(request.GET.get("month"))
    data = report.monthly_pdf(region, month)
    record(
        actor=user,
        action="dashboard.monthly_report",
        kind=AuditEntry.Kind.EXPORT,
        region=region,
        detail={"month": f"{month:%Y-%m}"},
        request=request,
    )
    return pdf_response(f"{region.name}-{month:%Y年%m月}工作月报.pdf", data)


def _pct(value):
    return "" if value is None else f"{value:.1f}%"


@role_required(*selectors.DASHBOARD_ROLES)
@use_replica()
def export(request):
    """The same figures as the page, as an Excel sheet (aggregates only)."""
    ctx = _context(request, with_charts=False)
    f = ctx["figures"]
    headers = ["维度", "名称", "受理", "应响应", "按时响应", "响应率", "办结", "解决率", "按时办结", "按时办结率",
               "已评价", "满意及基本满意", "满意率", "未回访", "超期在办"]  # fmt: skip

    def row(kind, r):
        return [
            kind, r.label, r.received, r.due_response, r.responded_on_time, _pct(r.response_rate), r.resolved,
            _pct(r.resolution_rate), r.resolved_on_time, _pct(r.on_time_rate), r.rated, r.satisfied,
            _pct(r.satisfaction_rate), r.not_visited, r.overdue,
        ]  # fmt: skip

    rows = [row(_("合计"), f.total)]
    rows += [row(_("辖区"), r) for r in f.by_region]
    rows += [row(_("单位"), r) for r in f.by_unit]
    rows += [row(_("分类"), r) for r in f.by_category]
    rows += [row(_("月份"), r) for r in f.by_month]
    _audit_export(request, ctx, "dashboard.export")
    name = f"三率统计-{ctx['region'].name}-{f.start:%Y%m%d}-{(f.end - datetime.timedelta(days=1)):%Y%m%d}.xlsx"
    notes = [
        f"辖区：{ctx['region'].full_name}",
        f"期间：{f.start:%Y-%m-%d} 至 {(f.end - datetime.timedelta(days=1)):%Y-%m-%d}（按受理时间）",
        "口径见 docs/cases-metrics.md：响应率=按时先行联系/应响应；解决率=已办结/受理；满意率=(满意+基本满意)/已评价；"
        "按时办结率=时限内办结/已办结。已撤销和被合并的重复诉求不计。",
    ]
    return workbook_response(name, headers, rows, sheet_title="三率", notes=notes)
