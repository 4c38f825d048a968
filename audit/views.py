"""Browsing and exporting the audit log (staff and administrators, within their regions).

Read-only by construction: these views only ever GET; the model, the admin and the PostgreSQL
trigger refuse every change to an existing entry.
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lib.xlsx import workbook_response
from minhu.dbrouter import use_replica
from org.access import role_required
from org.models import AUDIT_ROLES
from org.scoping import get_visible_or_404

from .filters import AuditEntryFilter
from .models import AuditEntry
from .services import record

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000  # one export stays a few seconds of work; narrow the dates for more


def visible_entries(user):
    return AuditEntry.objects.visible_to(user).select_related("region")


@require_GET
@role_required(*AUDIT_ROLES)
def entry_list(request):
    filterset = AuditEntryFilter(request.GET, queryset=visible_entries(request.user))
    entries = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "query": query.urlencode()}
    template = "audit/_entries.html" if request.headers.get("HX-Request") else "audit/entry_list.html"
    return render(request, template, context)


@require_GET
@role_required(*AUDIT_ROLES)
def entry_detail(request, pk):
    entry = get_visible_or_404(AuditEntry.objects.select_related("region", "actor"), request.user, pk=pk)
    return render(request, "audit/entry_detail.html", {"entry": entry})


@require_GET
@role_required(*AUDIT_ROLES)
@use_replica()
def entry_export(request):
    filterset = AuditEntryFilter(request.GET, queryset=visible_entries(request.user))
    entries = filterset.qs if filterset.is_valid() else AuditEntry.objects.none()
    rows = [
        [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_name,
            e.get_kind_display(),
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.region.name if e.region else "",
            e.ip or "",
            _detail_text(e.detail),
        ]
        for e in entries[:EXPORT_LIMIT]
    ]
    # Exporting the log is itself an event worth recording (who took a copy, with which filters).
    filters = {k: v for k, v in request.GET.items() if v}
    record(
        actor=request.user, action="audit.export", kind=AuditEntry.Kind.EXPORT, detail={"行数": len(rows), **filters}
    )
    headers = [_("时间"), _("操作人"), _("类型"), _("动作"), _("对象类型"), _("对象编号"), _("对象"), _("辖区")]
    headers += [_("来源地址"), _("详情")]
    filename = f"审计日志-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(filename, headers, rows, sheet_title=_("审计日志"))


def _detail_text(detail) -> str:
    if not detail:
        return ""
    if isinstance(detail, dict):
        return "；".join(f"{k}：{v}" for k, v in detail.items())
    return str(detail)
