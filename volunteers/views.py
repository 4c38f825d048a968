from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.models import AuditEntry
from audit.services import record as audit
from cases.models import Case
from lib.forms import redirect_back
from lib.pdf import Document, pdf_response
from lib.xlsx import workbook_response
from org.access import holds_role, role_required
from org.models import STAFF_ROLES, Role
from org.scoping import chosen_or_404, visible_regions

from . import services
from .forms import CertificateForm, CorrectionForm, DeliveryForm, ManualRecordForm, PeriodForm, SignUpForm
from .models import (
    Assignment,
    Commitment,
    Organisation,
    ServiceCertificate,
    ServiceCorrection,
    ServiceRecord,
    Volunteer,
    VolunteerSkill,
)
from .qr import qr_svg
from .selectors import (
    assignable_volunteers,
    get_organisation_for_user,
    get_record_for_user,
    get_volunteer_for_user,
    is_staff,
    rank_volunteers,
)


def _error(request, exc: ValidationError):
    messages.error(request, "；".join(exc.messages))


# Volunteers ---------------------------------------------------------------------------------
@login_required
def volunteer_list(request):
    if not is_staff(request.user):
        return redirect("volunteers:me")
    volunteers = (
        Volunteer.objects.visible_to(request.user)
        .select_related("region")
        .prefetch_related(Prefetch("skills", queryset=VolunteerSkill.objects.select_related("skill")))
    )
    status = request.GET.get("status", "")
    if status:
        volunteers = volunteers.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        volunteers = volunteers.filter(name__contains=q)
    page = Paginator(
        volunteers.annotate(hours=Sum("records__hours", filter=Q(records__superseded_by__isnull=True))).order_by(
            "name", "id"
        ),
        30,
    ).get_page(request.GET.get("page"))
    pending = Volunteer.objects.visible_to(request.user).filter(status=Volunteer.Status.PENDING).count()
    return render(
        request,
        "volunteers/volunteer_list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "statuses": Volunteer.Status.choices,
            "pending": pending,
        },
    )


@login_required
def sign_up(request):
    staff = is_staff(request.user)
    if not staff and Volunteer.objects.filter(user=request.user).exists():
        return redirect("volunteers:me")
    form = SignUpForm(request.POST or None)
    if staff:
        form.fields["region"].queryset = form.fields["region"].queryset.filter(
            pk__in=visible_regions(request.user).values("pk")
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            v = services.volunteer_sign_up(
                name=d["name"],
                region=d["region"],
                by=request.user,
                user=None if staff else request.user,
                phone=d["phone"],
                id_number=d["id_number"],
                skills=[(s, d["level"]) for s in d["skills"]],
                note=d["note"],
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("报名已提交，街道工作人员审核后会通知您。"))
            return redirect("volunteers:volunteer_detail", pk=v.pk) if staff else redirect("volunteers:me")
    return render(request, "volunteers/form.html", {"form": form, "title": _("志愿者报名")})


@login_required
def volunteer_detail(request, pk):
    v = get_volunteer_for_user(request.user, pk)
    records = list(
        v.records.select_related("organisation__unit", "recorded_by", "verified_by")
        .prefetch_related("corrections")
        .order_by("-date", "-id")
    )
    superseded = set(
        ServiceRecord.objects.filter(volunteer=v, superseded_by__isnull=False).values_list("pk", flat=True)
    )
    for r in records:
        r.is_superseded = r.pk in superseded
    return render(
        request,
        "volunteers/volunteer_detail.html",
        {
            "v": v,
            "records": records,
            "staff": is_staff(request.user),
            "own": v.user_id == request.user.pk,
            "total": v.total_hours(),
            "assignments": v.assignments.select_related("case").order_by("-assigned_at")[:20],
            "skills": v.skills.select_related("skill"),
            "pending_corrections": ServiceCorrection.objects.filter(
                record__volunteer=v, status=ServiceCorrection.Status.PENDING
            ),
            "certificates": v.service_certificates.all(),
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def volunteer_decide(request, pk):
    v = get_volunteer_for_user(request.user, pk)
    try:
        services.volunteer_decide(volunteer=v, approve=request.POST.get("approve") == "1", by=request.user)
        messages.success(request, _("已处理报名。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("volunteers:volunteer_detail", pk=v.pk)


@login_required
def me(request):
    """The volunteer's phone page: tasks to confirm, shifts to sign, hours."""
    v = Volunteer.objects.filter(user=request.user).first()
    if v is None:
        return render(request, "volunteers/me.html", {"v": None})
    tasks = v.assignments.exclude(status__in=[Assignment.Status.CANCELLED, Assignment.Status.DECLINED]).order_by(
        "-starts_at"
    )[:20]
    return render(request, "volunteers/me.html", {"v": v, "tasks": tasks, "total": v.total_hours()})


def _own_assignment(request, pk) -> Assignment:
    return get_object_or_404(Assignment, pk=pk, volunteer__user=request.user)


@require_POST
@login_required
def assignment_respond(request, pk):
    a = _own_assignment(request, pk)
    try:
        services.assignment_respond(assignment=a, accept=request.POST.get("accept") == "1", by=request.user)
        messages.success(request, _("已确认。") if request.POST.get("accept") == "1" else _("已谢绝。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("volunteers:me")


@login_required
def shift_sign(request, token):
    """Reached by scanning the shift's QR code with the volunteer's own phone."""
    a = get_object_or_404(Assignment, sign_token=token)
    if a.volunteer.user_id != request.user.pk:
        raise Http404
    if request.method == "POST":
        try:
            if a.signed_in_at is None:
                services.shift_sign_in(assignment=a, by=request.user, method=Assignment.SignMethod.QR)
                messages.success(request, _("签到成功。"))
            else:
                r = services.shift_sign_out(assignment=a, by=request.user, method=Assignment.SignMethod.QR)
                messages.success(
                    request, _("签退成功，本次记录 %(h)s 小时，待组织方核实。") % {"h": r.hours if r else 0}
                )
        except ValidationError as exc:
            _error(request, exc)
        return redirect("volunteers:shift_sign", token=token)
    return render(request, "volunteers/shift_sign.html", {"a": a})


@require_POST
@role_required(*STAFF_ROLES)
def shift_lead_sign(request, pk):
    """The desk lead signs a volunteer in or out from the roster."""
    a = get_object_or_404(Assignment.objects.filter(region__in=visible_regions(request.user)), pk=pk)
    try:
        if a.signed_in_at is None:
            services.shift_sign_in(assignment=a, by=request.user, method=Assignment.SignMethod.LEAD)
        else:
            services.shift_sign_out(assignment=a, by=request.user, method=Assignment.SignMethod.LEAD)
        messages.success(request, _("已代签。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect_back(request, "volunteers:volunteer_list")


# Ledger -----------------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def record_add(request, pk):
    v = get_volunteer_for_user(request.user, pk)
    form = ManualRecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.record_add_manual(
                volunteer=v,
                activity=d["activity"],
                region=v.region,
                date=timezone.localtime(d["started_at"]).date(),
                place=d["place"],
                served=d["served"],
                content=d["content"],
                started_at=d["started_at"],
                ended_at=d["ended_at"],
                hours=d["hours"],
                by=request.user,
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已录入（手工录入，待核实）。"))
            return redirect("volunteers:volunteer_detail", pk=v.pk)
    return render(request, "volunteers/form.html", {"form": form, "title": _("手工录入服务时长：%s") % v.name})


@require_POST
@role_required(*STAFF_ROLES)
def record_verify(request, pk):
    r = get_record_for_user(request.user, pk)
    try:
        services.record_verify(record=r, by=request.user)
    except ValidationError as exc:
        _error(request, exc)
    return redirect("volunteers:volunteer_detail", pk=r.volunteer_id)


@login_required
def correction_new(request, pk):
    r = get_record_for_user(request.user, pk)
    initial = {
        "started_at": timezone.localtime(r.started_at),
        "ended_at": timezone.localtime(r.ended_at),
        "hours": r.hours,
        "content": r.content,
    }
    form = CorrectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.correction_request(
                record=r,
                by=request.user,
                reason=d["reason"],
                started_at=d["started_at"],
                ended_at=d["ended_at"],
                hours=d["hours"],
                content=d["content"],
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("更正申请已提交，组织方审核后生效；原记录保留可查。"))
            return redirect("volunteers:volunteer_detail", pk=r.volunteer_id)
    return render(request, "volunteers/form.html", {"form": form, "title": _("申请更正服务记录")})


@require_POST
@role_required(*STAFF_ROLES)
def correction_decide(request, pk):
    c = get_object_or_404(ServiceCorrection, pk=pk)
    get_record_for_user(request.user, c.record_id)  # scope check
    try:
        services.correction_decide(
            correction=c,
            approve=request.POST.get("approve") == "1",
            by=request.user,
            note=request.POST.get("note", "")[:200],
        )
        messages.success(request, _("已处理更正申请。"))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("volunteers:volunteer_detail", pk=c.record.volunteer_id)


@role_required(*STAFF_ROLES)
def ledger(request):
    """Totals per volunteer, organisation, activity or month for a period, and the platform export."""
    form = PeriodForm(request.GET or None)
    records = ServiceRecord.objects.visible_to(request.user)
    by = "volunteer"
    if form.is_valid():
        if form.cleaned_data["start"]:
            records = records.filter(date__gte=form.cleaned_data["start"])
        if form.cleaned_data["end"]:
            records = records.filter(date__lte=form.cleaned_data["end"])
        by = form.cleaned_data["by"] or "volunteer"
    if request.GET.get("export") == "xlsx":
        return _platform_export(request, records, full=request.GET.get("full") == "1")
    rows = services.totals(records, by)
    total = records.current().aggregate(h=Sum("hours"))["h"] or 0
    return render(
        request,
        "volunteers/ledger.html",
        {"form": form, "rows": rows, "by": by, "total": total, "may_export_full": may_export_full(request.user)},
    )


# Columns of the national platform's 批量补录服务时长 sheet (中国志愿服务网), in its order.
PLATFORM_HEADERS = [
    "志愿者姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "活动名称",
    "服务日期",
    "服务开始时间",
    "服务结束时间",
    "服务时长（小时）",
    "服务地点",
    "服务对象",
    "服务内容",
    "记录来源",
    "记录人",
    "组织方核实人",
    "核实时间",
]


def may_export_full(user) -> bool:
    """Full ID numbers and phones leave the system only in an administrator's export, as for residents
    (``people.views.may_export_full``): the platform sheet needs them, and an administrator uploads it."""
    return holds_role(user, Role.ADMIN)


def _platform_export(request, records, *, full: bool):
    """The platform's import sheet. Masked ID numbers and phones, except an administrator's export with
    ``full=1``, which the audit log records as a full export."""

    if full and not may_export_full(request.user):
        raise PermissionDenied(_("只有系统管理员可以导出完整身份证号。"))
    rows = []
    for r in (
        records.current()
        .verified()
        .select_related("volunteer", "recorded_by", "verified_by")
        .order_by("date", "volunteer__name")
    ):
        v = r.volunteer
        rows.append(
            [
                v.name,
                "居民身份证",
                (v.id_number if full else v.id_number_masked),
                (v.phone if full else v.phone_masked),
                r.activity,
                f"{r.date:%Y-%m-%d}",
                f"{timezone.localtime(r.started_at):%Y-%m-%d %H:%M}",
                f"{timezone.localtime(r.ended_at):%Y-%m-%d %H:%M}",
                str(r.hours),
                r.place,
                r.served,
                r.content,
                r.get_source_display(),
                str(r.recorded_by or ""),
                str(r.verified_by or ""),
                f"{timezone.localtime(r.verified_at):%Y-%m-%d %H:%M}",
            ]
        )
    audit(
        actor=request.user,
        action="volunteers.records.export",
        kind=AuditEntry.Kind.EXPORT,
        detail={"rows": len(rows), "完整身份证号": full},
        request=request,
    )
    return workbook_response("志愿服务时长导入表.xlsx", PLATFORM_HEADERS, rows)


# Certificates -----------------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def certificate_issue(request, pk):
    v = get_volunteer_for_user(request.user, pk)
    unit = request.user.memberships.filter(unit__isnull=False).select_related("unit").first()
    initial = {"issuer": unit.unit.name if unit else "", "issuer_contact": f"{request.user} {request.user.phone}"}
    form = CertificateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cert = services.certificate_issue(volunteer=v, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            return redirect("volunteers:certificate_pdf", pk=cert.pk)
    return render(request, "volunteers/form.html", {"form": form, "title": _("出具志愿服务记录证明：%s") % v.name})


def verify_url(request, cert) -> str:
    path = reverse("volunteers:verify", args=[cert.verify_token])
    return request.build_absolute_uri(path) if request else settings.SITE_URL.rstrip("/") + path


@login_required
def certificate_pdf(request, pk):
    cert = get_object_or_404(ServiceCertificate.objects.select_related("volunteer"), pk=pk)
    get_volunteer_for_user(request.user, cert.volunteer_id)  # scope: staff of the region or the volunteer
    v = cert.volunteer
    doc = Document("志愿服务记录证明")
    doc.title_line("志愿服务记录证明")
    doc.paragraph(f"编号：{cert.serial}", style="small")
    doc.space()
    doc.paragraph(
        f"兹证明 {v.name}（身份证号 {v.id_number_masked or '未登记'}）于 {cert.period_from:%Y年%m月%d日} 至 "
        f"{cert.period_to:%Y年%m月%d日} 参加志愿服务，经组织方核实，累计服务时长 {cert.total_hours} 小时"
        f"（共 {cert.record_count} 条记录，不含交通时间）。"
    )
    doc.paragraph(f"服务内容：{cert.content_summary}")
    doc.space()
    rows = [["日期", "活动", "地点", "时长（小时）", "来源"]]
    for r in cert.records.order_by("date", "id"):
        rows.append([f"{r.date:%Y-%m-%d}", r.activity, r.place, str(r.hours), r.get_source_display()])
    rows.append(["合计", "", "", str(cert.total_hours), ""])
    doc.table(rows, widths_mm=[26, 70, 40, 22, 20])
    doc.space(6)
    doc.paragraph(f"出具单位：{cert.issuer}")
    doc.paragraph(f"联系人及电话：{cert.issuer_contact}")
    doc.paragraph(f"出具日期：{timezone.localtime(cert.issued_at):%Y年%m月%d日}")
    doc.paragraph("依据《志愿服务记录与证明出具办法（试行）》出具。扫描二维码可核验本证明。", style="small")
    doc.qr(verify_url(request, cert))
    return pdf_response(f"志愿服务记录证明-{cert.serial}.pdf", doc.render())


def verify(request, token):
    """Public page behind the certificate's QR code: shows what was certified, masked."""
    cert = get_object_or_404(ServiceCertificate.objects.select_related("volunteer"), verify_token=token)
    name = cert.volunteer.name
    masked_name = name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
    return render(request, "volunteers/verify.html", {"cert": cert, "masked_name": masked_name})


# Organisations ----------------------------------------------------------------------------------
@login_required
def organisation_list(request):
    orgs = (
        Organisation.objects.visible_to(request.user)
        .select_related("unit")
        .prefetch_related("commitments__deliveries", "regions")
    )
    return render(request, "volunteers/organisation_list.html", {"orgs": orgs})


@login_required
def organisation_detail(request, pk):
    org = get_organisation_for_user(request.user, pk)
    form = DeliveryForm()
    return render(
        request,
        "volunteers/organisation_detail.html",
        {
            "org": org,
            "commitments": org.commitments.prefetch_related("deliveries"),
            "form": form,
            "staff": is_staff(request.user),
            "members": Volunteer.objects.filter(engagements__organisation=org).distinct(),
            "hours": org.records.current().aggregate(h=Sum("hours"))["h"] or 0,
        },
    )


@require_POST
@role_required(*STAFF_ROLES)
def commitment_deliver(request, pk):
    c = get_object_or_404(Commitment, pk=pk)
    get_organisation_for_user(request.user, c.organisation_id)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        services.commitment_deliver(commitment=c, by=request.user, **form.cleaned_data)
        messages.success(request, _("已登记履约。"))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("volunteers:organisation_detail", pk=c.organisation_id)


# Matching for a case ----------------------------------------------------------------------------
@role_required(*STAFF_ROLES)
def match_case(request, case_pk):

    case = get_object_or_404(Case.objects.visible_to(request.user), pk=case_pk)
    address = getattr(case, "address", None)
    category = getattr(case.category, "code", "") if case.category_id else ""
    matches = rank_volunteers(
        category_code=category,
        region=case.region,
        latitude=getattr(address, "latitude", None),
        longitude=getattr(address, "longitude", None),
    )
    if request.method == "POST":
        v = chosen_or_404(assignable_volunteers(case.region), request.POST.get("volunteer"))
        score = next((m.score for m in matches if m.volunteer.pk == v.pk), None)
        try:
            services.assignment_offer(
                volunteer=v,
                activity=_("协助办理诉求：%s") % case.title[:80],
                region=case.region,
                by=request.user,
                case=case,
                score=score,
            )
            messages.success(request, _("已派给 %(name)s，等待志愿者在手机上确认。") % {"name": v.name})
        except ValidationError as exc:
            _error(request, exc)
        return redirect("volunteers:match_case", case_pk=case.pk)
    offered = case.volunteer_assignments.select_related("volunteer")
    return render(request, "volunteers/match.html", {"case": case, "matches": matches, "offered": offered})


def shift_qr(request, token):
    """The QR code a desk lead shows for one shift (inline SVG page)."""
    a = get_object_or_404(Assignment, sign_token=token)
    if not (is_staff(request.user) or a.volunteer.user_id == request.user.pk):
        raise Http404
    url = request.build_absolute_uri(reverse("volunteers:shift_sign", args=[token]))
    return render(request, "volunteers/shift_qr.html", {"a": a, "svg": qr_svg(url), "url": url})
