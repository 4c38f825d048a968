"""Pages of residents and households, and the Excel import/export.

Every page is for the roles that may open personal records (worker, staff, admin); every query
goes through ``visible_to`` or an access helper, so another neighbourhood's resident answers 404.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AuditEntry
from audit.services import record, record_read
from lib.xlsx import workbook_response
from minhu.dbrouter import use_replica
from org.access import holds_role, role_required
from org.models import PERSONAL_DATA_ROLES, Region, Role
from org.scoping import get_visible_or_404, visible_regions

from . import imports, services
from .filters import ResidentFilter
from .forms import ImportForm, ResidentForm, add_service_errors
from .models import ImportJob, Resident, Tag

PAGE_SIZE = 30
EXPORT_LIMIT = 20_000
RESIDENT_IMPORT = "people.residents"

personal_data_required = role_required(*PERSONAL_DATA_ROLES)


def _residents(user):
    return (
        Resident.objects.visible_to(user)
        .select_related("region", "household__address")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def _filtered(request):
    filterset = ResidentFilter(request.GET, queryset=_residents(request.user), request=request)
    residents = filterset.qs if filterset.is_valid() else Resident.objects.none()
    return filterset, residents


def may_export_full(user) -> bool:
    """Full ID numbers and phones leave the system only in an administrator's export."""
    return holds_role(user, Role.ADMIN)


# Residents -----------------------------------------------------------------------------------
@require_GET
@personal_data_required
def resident_list(request):
    filterset, residents = _filtered(request)
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    record_read(actor=request.user, action="people.resident.list", ids=[r.pk for r in page], request=request)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "may_export_full": may_export_full(request.user),
    }
    return render(request, "people/resident_list.html", context)


@require_GET
@personal_data_required
def resident_detail(request, pk):
    resident = services.get_resident_for_user(request.user, pk)
    record_read(actor=request.user, action="people.resident.read", obj=resident, request=request)
    return render(request, "people/resident_detail.html", {"resident": resident})


@require_POST
@personal_data_required
def resident_reveal(request, pk):
    resident = services.get_resident_for_user(request.user, pk)
    full = services.resident_reveal(resident=resident, by=request.user, request=request)
    context = {"resident": resident, "full": full}
    if request.headers.get("HX-Request"):
        return render(request, "people/_identity.html", context)
    return render(request, "people/resident_detail.html", context)


def _household_from_form(form, *, by, region):
    parts = form.address_parts
    if parts is None:
        return None
    address = services.address_get_or_create(region=region, by=by, **parts)
    return services.household_for_address(address=address, by=by, name=form.cleaned_data["name"])


@require_http_methods(["GET", "POST"])
@personal_data_required
def resident_create(request):
    form = ResidentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            household = _household_from_form(form, by=request.user, region=d["region"])
            resident = services.resident_create(
                region=d["region"],
                name=d["name"],
                id_number=d["id_number"],
                phone=d["phone"],
                household=household,
                relation=d["relation"],
                tags=list(d["tags"]),
                note=d["note"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:resident_detail", pk=resident.pk)
    return render(request, "people/resident_form.html", {"form": form, "resident": None})


@require_http_methods(["GET", "POST"])
@personal_data_required
def resident_edit(request, pk):
    resident = services.get_resident_for_user(request.user, pk)
    form = ResidentForm(request.POST or None, user=request.user, resident=resident)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            version = datetime.datetime.fromisoformat(d["version"]) if d["version"] else None
        except ValueError:
            version = None
        try:
            household = _household_from_form(form, by=request.user, region=d["region"])
            services.resident_update(
                resident=resident,
                by=request.user,
                expected_updated_at=version,
                name=d["name"],
                region=d["region"],
                household=household if household is not None else resident.household,
                relation=d["relation"],
                note=d["note"],
                id_number=d["id_number"] or None,
                phone=d["phone"] or None,
                tags=list(d["tags"]),
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:resident_detail", pk=resident.pk)
    # the form shows the record (masked identifiers, address, tags, note): a read like the detail page
    record_read(actor=request.user, action="people.resident.edit_form", obj=resident, request=request)
    return render(request, "people/resident_form.html", {"form": form, "resident": resident})


@require_GET
@personal_data_required
def household_detail(request, pk):
    household = services.get_household_for_user(request.user, pk)
    members = list(_residents(request.user).filter(household=household).order_by("relation", "name"))
    record_read(
        actor=request.user, action="people.household.read", obj=household, ids=[m.pk for m in members], request=request
    )
    return render(request, "people/household_detail.html", {"household": household, "members": members})


# Export --------------------------------------------------------------------------------------
EXPORT_HEADERS = ["姓名", "身份证号", "手机", "居委/网格", "路", "弄", "号", "室", "与户主关系", "标签", "备注"]
EXPORT_HEADERS += ["性别", "出生日期", "户名"]


@require_GET
@personal_data_required
@use_replica()
def export(request):
    """The current filtered list as .xlsx. Masked ID numbers and phones, except an administrator's
    export with ``full=1`` (recorded as a full export in the audit log)."""
    _filterset, residents = _filtered(request)
    full = request.GET.get("full") == "1"
    if full and not may_export_full(request.user):
        raise PermissionDenied(_("只有系统管理员可以导出完整身份证号。"))
    if residents.count() > EXPORT_LIMIT:
        messages.error(request, _("符合条件的居民超过 %(n)d 人，请先按辖区或标签筛选后再导出。") % {"n": EXPORT_LIMIT})
        return redirect(reverse("people:resident_list") + "?" + request.GET.urlencode())
    rows = []
    for r in residents:
        address = r.household.address if r.household_id else None
        rows.append(
            [
                r.name,
                r.id_number if full else r.id_number_masked,
                r.phone if full else r.phone_masked,
                r.region.name,
                address.road if address else "",
                address.lane if address else "",
                address.number if address else "",
                address.room if address else "",
                r.get_relation_display() if r.relation else "",
                "、".join(t.name for t in r.tags.all()),
                r.note,
                r.get_gender_display() if r.gender else "",
                r.birth_date.isoformat() if r.birth_date else "",
                r.household.name if r.household_id else "",
            ]
        )
    filters = {k: v for k, v in request.GET.items() if v and k != "page"}
    record(
        actor=request.user,
        action="people.resident.export",
        kind=AuditEntry.Kind.EXPORT,
        request=request,
        detail={"行数": len(rows), "完整身份证号": full, **filters},
    )
    filename = f"居民名单-{timezone.localdate():%Y%m%d}.xlsx"
    return workbook_response(filename, EXPORT_HEADERS, rows, sheet_title="居民")


# Import --------------------------------------------------------------------------------------
def _import_regions(user):
    kinds = [Region.Kind.SUBDISTRICT, Region.Kind.NEIGHBOURHOOD, Region.Kind.GRID]
    return visible_regions(user, roles=PERSONAL_DATA_ROLES).filter(kind__in=kinds).select_related("parent")


@require_GET
@personal_data_required
def import_template(request):
    return imports.get_importer(RESIDENT_IMPORT).template_response()


@require_http_methods(["GET", "POST"])
@personal_data_required
def import_upload(request):
    regions = _import_regions(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, regions=regions, initial={"region": regions.first()})
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(
                kind=RESIDENT_IMPORT,
                file=form.cleaned_data["file"],
                by=request.user,
                region=form.cleaned_data["region"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages[0])
        else:
            return redirect("people:import_status", pk=job.pk)
    jobs = imports.jobs_visible_to(request.user).filter(kind=RESIDENT_IMPORT).select_related("created_by")[:10]
    return render(request, "people/import.html", {"form": form, "jobs": jobs})


@require_POST
@personal_data_required
def import_rerun(request, pk):
    """The "重新运行" button of an interrupted import."""
    job = get_visible_or_404(ImportJob.objects.select_related("region", "created_by"), request.user, pk=pk)
    if not imports.get_importer(job.kind).may_view(request.user, job):
        raise Http404
    try:
        imports.import_rerun(job=job, by=request.user, request=request)
    except ValidationError as exc:  # PermissionDenied answers 403
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已重新开始导入。"))
    return redirect("people:import_status", pk=job.pk)


@require_GET
@personal_data_required
def import_status(request, pk):
    job = get_visible_or_404(ImportJob.objects.select_related("region", "created_by"), request.user, pk=pk)
    importer = imports.get_importer(job.kind)
    if not importer.may_view(request.user, job):
        raise Http404
    template = "people/_import_progress.html" if request.headers.get("HX-Request") else "people/import_status.html"
    context = {"job": job, "result_url": importer.result_url(job), "upload_url": importer.upload_url(job)}
    return render(request, template, context)
