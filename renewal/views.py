"""Pages of the renovation office. Every view goes through an access helper in ``selectors``: the office sees
certificates and finances of its projects, a leader sees progress aggregates, anyone else gets 404."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import record_view
from cases.selectors import cases_for_source
from lib.forms import form_action
from people.imports import get_importer, import_start, jobs_visible_to

from . import compensation, forms, selectors, services
from .importers import KIND as IMPORT_KIND
from .models import OFFICE_ROLES, PROGRESS_ROLES, Certificate, Estimate, RenewalProject
from .purchase import largest_area
from .tasks import project_estimate_task

DISCLAIMER = "以征收补偿协议和结算单为准；不构成法律或税务意见"


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


# Projects ------------------------------------------------------------------------------------------------------------
@require_GET
@login_required
def project_list(request):
    projects = RenewalProject.objects.visible_to(request.user, roles=PROGRESS_ROLES).select_related("region")
    if not projects.exists() and not request.user.has_role(*PROGRESS_ROLES):
        raise Http404
    office_ids = set(RenewalProject.objects.visible_to(request.user, roles=OFFICE_ROLES).values_list("pk", flat=True))
    rows = [
        {"project": p, "progress": selectors.progress(p)["overall"], "office": p.pk in office_ids} for p in projects
    ]
    return render(request, "renewal/project_list.html", {"rows": rows})


@require_GET
@login_required
def project_detail(request, pk):
    project = selectors.get_project_for_office(request.user, pk)
    certificates = Certificate.objects.filter(project=project).select_related("plot", "owner")
    q = request.GET.get("q", "").strip()
    if q:
        certificates = certificates.filter(Q(number__icontains=q) | Q(address__contains=q) | Q(holder_name__contains=q))
    state = request.GET.get("state", "")
    if state == "unsigned":
        certificates = certificates.filter(signed_at__isnull=True)
    elif state == "signed":
        certificates = certificates.filter(signed_at__isnull=False)
    page = Paginator(certificates.order_by("number"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "renewal/project_detail.html",
        {
            "project": project,
            "page": page,
            "q": q,
            "state": state,
            "plans": project.plans.all(),
            "published": project.published_plan(),
        },
    )


@require_POST
@login_required
def project_estimate(request, pk):
    project = selectors.get_project_for_office(request.user, pk)
    if project.published_plan() is None:
        messages.error(request, _("该地块尚未发布征收补偿方案，无法估算。"))
    else:
        user_id = request.user.pk
        transaction.on_commit(lambda: project_estimate_task(project.pk, user_id))
        messages.success(request, _("已提交整地块估算，完成后各户页面显示最新估算。"))
    return redirect("renewal:project_detail", pk=project.pk)


@require_POST
@login_required
def project_close(request, pk):
    project = selectors.get_project_for_office(request.user, pk)
    try:
        result = services.signing_close(project=project, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("签约期已结算：最终签约比例 %(ratio)s，%(effect)s，结算 %(n)d 户。")
            % {
                "ratio": f"{result['final_ratio'] * 100:.2f}%",
                "effect": _("协议生效") if result["took_effect"] else _("未达生效比例"),
                "n": result["settled"],
            },
        )
    return redirect("renewal:progress", pk=project.pk)


# Plans ---------------------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
def plan_detail(request, pk, plan_pk):
    project = selectors.get_project_for_office(request.user, pk)
    plan = project.plans.filter(pk=plan_pk).first()
    if plan is None:
        raise Http404
    form = forms.PlanForm(request.POST or None, instance=plan) if not plan.is_published else None
    item_form = forms.PlanItemForm(prefix="item") if not plan.is_published else None
    if request.method == "POST" and form is not None:
        action = request.POST.get("action")
        try:
            if action == "save" and form.is_valid():
                services.plan_update(plan=plan, by=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields})
                messages.success(request, _("方案草稿已保存。"))
                return redirect(request.path)
            if action == "item":
                item_form = forms.PlanItemForm(request.POST, prefix="item")
                form = forms.PlanForm(instance=plan)
                if item_form.is_valid():
                    services.plan_item_add(plan=plan, by=request.user, **item_form.cleaned_data)
                    messages.success(request, _("已添加补偿奖励项目。"))
                    return redirect(request.path)
            if action == "publish":
                services.plan_publish(plan=plan, by=request.user)
                messages.success(request, _("方案第 %(v)d 版已发布。") % {"v": plan.version})
                return redirect(request.path)
        except ValidationError as exc:
            target = item_form if action == "item" else form
            if hasattr(exc, "error_dict"):
                for field, errs in exc.error_dict.items():
                    for err in errs:
                        target.add_error(field if field in target.fields else None, err)
            else:
                target.add_error(None, exc)
    return render(
        request,
        "renewal/plan_detail.html",
        {"project": project, "plan": plan, "form": form, "item_form": item_form, "items": plan.items.all()},
    )


@require_POST
@login_required
def plan_new(request, pk):
    project = selectors.get_project_for_office(request.user, pk)
    base = project.plans.order_by("-version").first()
    if base is None:
        plan = services.plan_create_draft(project=project, by=request.user, average_price=Decimal("0.01"))
    else:
        plan = services.plan_create_draft(project=project, by=request.user, copy_from=base)
    return redirect("renewal:plan_detail", pk=project.pk, plan_pk=plan.pk)


# Import --------------------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@login_required
def certificate_import(request, pk):
    project = selectors.get_project_for_office(request.user, pk)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_start(
                kind=IMPORT_KIND,
                file=form.cleaned_data["file"],
                by=request.user,
                region=project.region,
                target_id=project.pk,
                request=request,
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages[0])
        else:
            return redirect("people:import_status", pk=job.pk)
    jobs = jobs_visible_to(request.user).filter(kind=IMPORT_KIND, target_id=project.pk).select_related("created_by")
    return render(request, "renewal/import.html", {"project": project, "form": form, "jobs": jobs[:10]})


@require_GET
@login_required
def import_template(request, pk):
    selectors.get_project_for_office(request.user, pk)
    return get_importer(IMPORT_KIND).template_response()


# Progress ------------------------------------------------------------------------------------------------------------
def _progress_context(request, project):
    office = selectors.is_office(request.user, project)
    context = {"project": project, "p": selectors.progress(project), "office": office, "now": timezone.now()}
    if office:
        # The holdouts, 50 a page, filtered by reason; the reason counts come from one grouped query.
        reason = request.GET.get("reason", "")
        reasons = selectors.not_signed_reasons(project)
        waiting = selectors.not_signed(project)
        if reason in Certificate.Reason.values or reason == "none":
            waiting = waiting.filter(not_signed_reason="" if reason == "none" else reason)
        else:
            reason = ""
        paginator = Paginator(waiting, 50)
        # the grouped reason counts already say how many there are: no separate COUNT(*)
        paginator.count = sum(r["count"] for r in reasons if not reason or r["code"] == reason)
        context["waiting"] = paginator.get_page(request.GET.get("page"))
        context["reason"] = reason
        context["reasons"] = reasons
    return context


@require_GET
@login_required
def progress(request, pk):
    project = selectors.get_project_for_progress(request.user, pk)
    return render(request, "renewal/progress.html", _progress_context(request, project))


@require_GET
@login_required
def screen(request, pk):
    project = selectors.get_project_for_progress(request.user, pk)
    context = {"project": project, "p": selectors.progress(project), "now": timezone.now()}
    template = "renewal/_screen_panel.html" if request.headers.get("HX-Request") else "renewal/screen.html"
    return render(request, template, context)


# Certificates (the household page) ------------------------------------------------------------------------------
@require_GET
@login_required
def certificate_detail(request, pk):
    cert = selectors.get_certificate_for_user(request.user, pk)
    record_view(actor=request.user, obj=cert, request=request)
    project = cert.project
    estimate = cert.estimates.select_related("plan").first()
    co_residents = list(cert.co_residents.all())
    qualifying = [c for c in co_residents if c.qualifies]
    shares = None
    if estimate:
        family = estimate.E_share + estimate.P + estimate.T + estimate.G + estimate.items_total
        people = 1 + len(qualifying) if cert.tenure == "public" else 1
        shares = {"family": family, "people": people, "each": compensation.fen(family / people)}
    return render(
        request,
        "renewal/certificate_detail.html",
        {
            "cert": cert,
            "project": project,
            "estimate": estimate,
            "rooms": cert.rooms.all(),
            "co_residents": co_residents,
            "hardship": cert.hardship.all(),
            "shares": shares,
            "consultations": cert.consultations.select_related("by")[:50],
            "mediations": cert.mediations.select_related("case").prefetch_related("sessions"),
            "cases": cases_for_source(cert).select_related("category")[:20],
            "vote_form": forms.VoteForm(),
            "sign_form": forms.SignForm(),
            "moving_form": forms.MovingForm(),
            "reason_form": forms.ReasonForm(
                owners=selectors.office_members(project),
                initial={"reason": cert.not_signed_reason, "note": cert.reason_note, "owner": cert.owner_id},
            ),
            "consultation_form": forms.ConsultationForm(),
            "mediation_form": forms.MediationForm(),
            "session_form": forms.MediationSessionForm(),
            "close_form": forms.MediationCloseForm(),
            "settlement": cert.estimates.filter(kind=Estimate.Kind.SETTLEMENT).first(),
        },
    )


def _back(cert):
    return redirect("renewal:certificate_detail", pk=cert.pk)


def _certificate_action(form_class, act, done, *, form_kwargs=None):
    """A POST from the household page: one form, one service call ``act(request, certificate, cleaned_data)``, the
    outcome reported by ``lib.forms.form_action``, back to the page."""

    @require_POST
    @login_required
    def view(request, pk):
        cert = selectors.get_certificate_for_user(request.user, pk)
        form = form_class(request.POST, **(form_kwargs(cert) if form_kwargs else {}))
        form_action(request, form, lambda data: act(request, cert, data), done)
        return _back(cert)

    return view


certificate_vote = _certificate_action(
    forms.VoteForm,
    lambda r, c, d: services.vote_record(certificate=c, vote=d["vote"], at=d["at"], by=r.user),
    _("已登记一轮意愿。"),
)
certificate_sign = _certificate_action(
    forms.SignForm,
    lambda r, c, d: services.signature_record(certificate=c, choice=d["choice"], at=d["at"], by=r.user),
    _("已登记签约。"),
)
certificate_moving = _certificate_action(
    forms.MovingForm,
    lambda r, c, d: services.moving_record(
        certificate=c, moved_at=d["moved_at"], handed_over_at=d["handed_over_at"], by=r.user
    ),
    _("已登记搬迁交房时间。"),
)
certificate_reason = _certificate_action(
    forms.ReasonForm,
    lambda r, c, d: services.not_signed_set(
        certificate=c, reason=d["reason"], note=d["note"], owner=d["owner"], by=r.user
    ),
    _("已更新未签约原因和负责人。"),
    form_kwargs=lambda c: {"owners": selectors.office_members(c.project)},
)
certificate_consult = _certificate_action(
    forms.ConsultationForm,
    lambda r, c, d: services.consultation_add(
        certificate=c, by=r.user, channel=d["channel"], asked=d["asked"], answer=d["answer"]
    ),
    _("已记录征询。"),
)
certificate_mediation = _certificate_action(
    forms.MediationForm,
    lambda r, c, d: services.mediation_open(certificate=c, subject=d["subject"], parties=d["parties"], by=r.user),
    lambda mediation: _("已转人民调解，工单 %(n)s。") % {"n": mediation.case.number},
)


@require_POST
@login_required
def certificate_estimate(request, pk):
    cert = selectors.get_certificate_for_user(request.user, pk)
    try:
        services.certificate_estimate(certificate=cert, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已按当前发布的方案重新估算。"))
    return _back(cert)


def _mediation_for(request, pk, mediation_pk):
    cert = selectors.get_certificate_for_user(request.user, pk)
    mediation = cert.mediations.select_related("case").filter(pk=mediation_pk).first()
    if mediation is None:
        raise Http404
    return cert, mediation


@require_POST
@login_required
def mediation_session(request, pk, mediation_pk):
    cert, mediation = _mediation_for(request, pk, mediation_pk)
    form_action(
        request,
        forms.MediationSessionForm(request.POST),
        lambda data: services.mediation_session_add(mediation=mediation, by=request.user, **data),
        _("已记录调解会谈。"),
    )
    return _back(cert)


@require_POST
@login_required
def mediation_close(request, pk, mediation_pk):
    cert, mediation = _mediation_for(request, pk, mediation_pk)
    form_action(
        request,
        forms.MediationCloseForm(request.POST),
        lambda data: services.mediation_close(mediation=mediation, by=request.user, **data),
        lambda closed: _("调解已结束：%(o)s。") % {"o": closed.get_outcome_display()},
    )
    return _back(cert)


# "How big a flat can I buy?" ----------------------------------------------------------------------------------------
DEFAULT_PRICES = [
    {"label": "", "price": None, "new_flat": True},
]


@require_GET
@login_required
def flat_sheet(request, pk):
    """A short printable sheet: the budget, the buying costs of the plot's settings, and for each target area
    the largest flat the budget covers. Prices per ㎡ are typed by staff, never built in."""
    cert = selectors.get_certificate_for_user(request.user, pk)
    project = cert.project
    estimate = cert.estimates.select_related("plan").first()
    data = request.GET if "form-TOTAL_FORMS" in request.GET else None
    settings_form = forms.FlatSettingsForm(data, initial={"first_home": True, "include_conditional": True})
    prices = forms.FlatPriceFormSet(data, initial=DEFAULT_PRICES * 3)
    answers, budget, parts, pending, lapsed, result = [], None, [], [], [], None
    counted = False
    today = timezone.localdate()
    if estimate:
        # The answer is for today: the plan version of the last estimate, evaluated against today's facts, so a
        # reward whose day has passed is gone even if the stored estimate still listed it as pending.
        try:
            result = services.compute(cert, estimate.plan, today=today)
        except compensation.CompensationError as exc:
            messages.error(request, str(exc))
            estimate = None
    if result is not None:
        pending = [line for line in result.items if line.status == "conditional"]
        lapsed = [line for line in result.items if line.lapsed]
    if result is not None and data is not None and settings_form.is_valid() and prices.is_valid():
        s = settings_form.cleaned_data
        v = result.value
        parts = [(_("价值补偿（家庭所得部分）"), v.E_share + v.P + v.T), (_("居住困难户保障补贴 G"), v.G)]
        parts.append((_("已确定的奖励补贴"), result.items_total))
        counted = bool(s["include_conditional"] and pending)
        if counted:
            parts.append((_("待定奖励（见下方条件）"), result.conditional_total))
        if s.get("savings"):
            parts.append((_("自有存款"), s["savings"]))
        if s.get("loan"):
            parts.append((_("贷款"), s["loan"]))
        budget = sum((amount for _label, amount in parts), Decimal("0"))
        cash = v.V + v.G + result.items_total if cert.choice != Certificate.Choice.EXCHANGE else Decimal(0)
        purchase = project.purchase_settings(first_home=s["first_home"], cash_compensation=cash)
        for row in prices.cleaned_data:
            if not row or not row.get("price"):
                continue
            area, cost = largest_area(budget, row["price"], purchase, new_flat=row.get("new_flat", False))
            answers.append({"label": row.get("label") or "—", "price": row["price"], "area": area, "cost": cost})
        persons = s.get("persons")
        if persons:
            parts_each = compensation.fen(budget / persons)
        else:
            parts_each = None
    else:
        parts_each = None
    return render(
        request,
        "renewal/flat_sheet.html",
        {
            "cert": cert,
            "project": project,
            "estimate": estimate,
            "settings_form": settings_form,
            "prices": prices,
            "answers": answers,
            "budget": budget,
            "parts": parts,
            "each": parts_each,
            "disclaimer": DISCLAIMER,
            "today": today,
            "submitted": data is not None,
            "pending": pending,
            "lapsed": lapsed,
            "counted": counted,
        },
    )
