"""State changes of the renovation app. Reads and the access helpers are ``renewal.selectors``.

Every write is ``@transaction.atomic`` and appends to the audit log in the same transaction. Views, commands,
the import and the task queue call these functions; nothing else writes this state.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.actions.intake import case_create
from cases.actions.workflow import case_log, case_resolve
from cases.errors import CaseError
from org.actors import Actor, user_of
from org.models import User

from . import compensation, sql
from .models import (
    Certificate,
    CompensationPlan,
    ConsultationEntry,
    CoResident,
    Estimate,
    HardshipPerson,
    Mediation,
    MediationSession,
    PlanItem,
    RenewalProject,
    Room,
)
from .selectors import ratio

QUALIFYING_CO_RESIDENT = "同住人"  # person kind counted for per-person items from the co-resident facts


def _audit(by, action, obj, project, **detail):
    record(actor=by, action=action, obj=obj, region=project.region, detail=detail)


def _minute(moment: datetime.datetime) -> datetime.datetime:
    """Signing and moving times are kept to the minute (day-tier rewards are decided on them)."""
    return moment.replace(second=0, microsecond=0)


# Plans --------------------------------------------------------------------------------------------------------------
@transaction.atomic
def plan_create_draft(
    *, project: RenewalProject, by: Actor, copy_from: CompensationPlan | None = None, **fields: Any
) -> CompensationPlan:
    """A new draft version: a copy of ``copy_from`` (items included) with ``fields`` changed."""
    RenewalProject.objects.select_for_update().filter(pk=project.pk).first()  # serialise version numbers
    version = (project.plans.aggregate(v=Max("version"))["v"] or 0) + 1
    base = {}
    if copy_from is not None:
        base = {
            f: getattr(copy_from, f)
            for f in ("average_price", "subsidy_coefficient", "type_area", "conversion_price", "area_rounding", "note")
        }
    plan = CompensationPlan(project=project, version=version, **{**base, **fields})
    plan.full_clean()
    plan.save()
    if copy_from is not None:
        for item in copy_from.items.all():
            item.pk = None
            item.plan = plan
            item.save()
    _audit(by, "renewal.plan.create", plan, project, version=version)
    return plan


@transaction.atomic
def plan_update(*, plan: CompensationPlan, by: Actor, **fields: Any) -> CompensationPlan:
    plan = CompensationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_published:
        raise ValidationError(_("已发布的方案版本不能修改，请新建草稿。"))
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save(update_fields=list(fields))
    _audit(by, "renewal.plan.update", plan, plan.project, fields=sorted(fields))
    return plan


@transaction.atomic
def plan_item_add(*, plan: CompensationPlan, by: Actor, **fields: Any) -> PlanItem:
    plan = CompensationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.is_published:
        raise ValidationError(_("已发布的方案版本不能修改，请新建草稿。"))
    item = PlanItem(plan=plan, **fields)
    item.full_clean()
    _check_tiers(item)
    item.save()
    _audit(by, "renewal.plan.item_add", plan, plan.project, item=item.name)
    return item


def _check_tiers(item: PlanItem) -> None:
    if item.kind == PlanItem.Kind.DAY_TIERS:
        try:
            for tier in item.tiers:
                datetime.date.fromisoformat(str(tier["until"]))
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                {"tiers": _('日期分档应为 [{"until": "2022-03-10", "minimum": "50000"}, …]')}
            ) from None
        if not item.tiers:
            raise ValidationError({"tiers": _("请至少填写一个日期档。")})
    if item.kind == PlanItem.Kind.RATIO_STEPS:
        try:
            for step in item.tiers:
                Decimal(str(step["ratio"]))
        except (KeyError, TypeError, ArithmeticError):
            raise ValidationError({"tiers": _('比例分档应为 [{"ratio": "0.85", "minimum": "10000"}, …]')}) from None
        if not item.tiers:
            raise ValidationError({"tiers": _("请至少填写一个比例档。")})


@transaction.atomic
def plan_publish(*, plan: CompensationPlan, by: Actor) -> CompensationPlan:
    """Publish a draft. Conditional update: of two people publishing at once, the second gets a clear message."""
    now = timezone.now()
    changed = CompensationPlan.objects.filter(pk=plan.pk, status=CompensationPlan.Status.DRAFT).update(
        status=CompensationPlan.Status.PUBLISHED, published_at=now, published_by=user_of(by)
    )
    if not changed:
        raise ValidationError(_("该版本已发布，不能重复发布。"))
    plan.refresh_from_db()
    _audit(by, "renewal.plan.publish", plan, plan.project, version=plan.version)
    return plan


# Estimates ----------------------------------------------------------------------------------------------------------
def facts_for(
    certificate: Certificate,
    project: RenewalProject,
    *,
    hardship=None,
    co_residents=None,
    today: datetime.date | None = None,
) -> compensation.Facts:
    """What is known about the certificate on ``today`` (default: the local date in Shanghai)."""
    hardship = list(certificate.hardship.all()) if hardship is None else hardship
    co_residents = list(certificate.co_residents.all()) if co_residents is None else co_residents
    persons: dict[str, int] = {}
    for person in hardship:
        persons[person.kind] = persons.get(person.kind, 0) + 1
    persons[QUALIFYING_CO_RESIDENT] = sum(1 for c in co_residents if c.qualifies)
    return compensation.Facts(
        S=Decimal("0"),
        choice=certificate.choice,
        signed_at=certificate.signed_at,
        moved_at=certificate.moved_at,
        took_effect=project.took_effect,
        final_ratio=project.final_ratio,
        persons=persons,
        today=today or timezone.localdate(),
    )


def compute(
    certificate: Certificate,
    plan: CompensationPlan,
    *,
    rules=None,
    rooms=None,
    hardship=None,
    co_residents=None,
    today: datetime.date | None = None,
):
    """The calculator's estimate for one certificate as of ``today`` (no writes)."""
    return compensation.estimate(
        value_kwargs=certificate.value_kwargs(plan, rooms=rooms),
        items=plan.rules() if rules is None else rules,
        facts=facts_for(certificate, plan.project, hardship=hardship, co_residents=co_residents, today=today),
    )


def _estimate_row(certificate, plan, result, *, by, kind, now) -> Estimate:
    v = result.value
    return Estimate(
        certificate=certificate,
        plan=plan,
        kind=kind,
        building_area=v.building_area.quantize(Decimal("0.0001"), ROUND_HALF_UP),
        E=v.E,
        E_share=v.E_share,
        P=v.P,
        T=v.T,
        V=v.V,
        G=v.G,
        items_total=result.items_total,
        conditional_total=result.conditional_total,
        total=result.total,
        lines=[line.as_dict() for line in result.lines],
        created_at=now,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )


def _estimate_values(cert, plan, result, *, by, kind, now) -> tuple:
    """One estimate as a row of ``sql.ESTIMATE_FIELDS`` (bulk paths: no model instance per certificate)."""
    v = result.value
    return (
        cert.pk, plan.pk, kind, v.building_area.quantize(Decimal("0.0001"), ROUND_HALF_UP), v.E, v.E_share, v.P,
        v.T, v.V, v.G, result.items_total, result.conditional_total, result.total,
        [line.as_dict() for line in result.lines], now, by.pk if getattr(by, "is_authenticated", False) else None,
    )  # fmt: skip


@transaction.atomic
def certificate_estimate(*, certificate: Certificate, by: Actor, today: datetime.date | None = None) -> Estimate:
    """Compute and keep one estimate under the published plan, as of ``today`` (default: the local date)."""
    plan = certificate.project.published_plan()
    if plan is None:
        raise ValidationError(_("该地块尚未发布征收补偿方案，无法估算。"))
    try:
        result = compute(certificate, plan, today=today)
    except compensation.CompensationError as exc:
        raise ValidationError(str(exc)) from None
    estimate = _estimate_row(certificate, plan, result, by=by, kind=Estimate.Kind.ESTIMATE, now=timezone.now())
    estimate.save()
    _audit(
        by,
        "renewal.certificate.estimate",
        certificate,
        certificate.project,
        plan_version=plan.version,
        total=str(estimate.total),
    )
    return estimate


FACT_FIELDS = (
    "project", "number", "kind", "house_type", "self_contained", "building_area", "unit_price",
    "difficulty_persons", "had_affordable_housing", "choice", "signed_at", "moved_at",
)  # fmt: skip


def _certificates_with_facts(queryset):
    """(certificate, rooms, hardship persons, co-residents) for each certificate, in four queries.

    The related rows are read as plain tuples and grouped in Python: for 5,000 certificates this is several times
    faster than building model instances through prefetch_related.
    """
    certificates = list(queryset.order_by("pk").only(*FACT_FIELDS))
    ids = [c.pk for c in certificates]
    rooms, hardship, people = {}, {}, {}
    if ids:
        for cid, area in (
            Room.objects.filter(certificate__in=queryset).order_by("pk").values_list("certificate_id", "living_area")
        ):
            rooms.setdefault(cid, []).append(SimpleNamespace(living_area=area))
        for cid, kind in HardshipPerson.objects.filter(certificate__in=queryset).values_list("certificate_id", "kind"):
            hardship.setdefault(cid, []).append(SimpleNamespace(kind=kind))
        flags = CoResident.objects.filter(certificate__in=queryset).values_list(
            "certificate_id", "hukou_here", "lived_one_year", "welfare_housing_elsewhere"
        )
        for cid, hukou, lived, welfare in flags:
            people.setdefault(cid, []).append(SimpleNamespace(qualifies=hukou and lived and not welfare))
    for cert in certificates:
        yield cert, rooms.get(cert.pk, []), hardship.get(cert.pk, []), people.get(cert.pk, [])


@transaction.atomic
def project_estimate(*, project: RenewalProject, by: Actor = None) -> dict:
    """Estimates under the published plan for every certificate of the plot in one pass (the task queue runs this).

    Steps: 1. load certificates with rooms, hardship persons and co-residents in four queries; 2. compute each
    with the same calculator as the single estimate; 3. write all estimates in one bulk insert (COPY on
    PostgreSQL), fed as they are computed so that the database stores rows while Python computes the next ones.
    A certificate whose data cannot be computed is reported by number and skipped; the rest are kept.
    """
    plan = project.published_plan()
    if plan is None:
        raise ValidationError(_("该地块尚未发布征收补偿方案，无法估算。"))
    plan.project = project
    rules = plan.rules()
    now = timezone.now()
    today = timezone.localdate(now)
    problems = []
    # read everything before COPY takes the connection
    facts = list(_certificates_with_facts(Certificate.objects.filter(project=project)))

    def rows():
        for cert, rooms, hardship, people in facts:
            cert.project = project
            try:
                result = compute(
                    cert, plan, rules=rules, rooms=rooms, hardship=hardship, co_residents=people, today=today
                )
            except compensation.CompensationError as exc:
                problems.append({"number": cert.number, "message": str(exc)})
                continue
            yield _estimate_values(cert, plan, result, by=by, kind=Estimate.Kind.ESTIMATE, now=now)

    count = sql.insert_estimates(rows())
    _audit(
        by,
        "renewal.project.estimate",
        project,
        project,
        plan_version=plan.version,
        count=count,
        problems=len(problems),
    )
    return {"count": count, "problems": problems, "plan_version": plan.version}


# The two rounds -----------------------------------------------------------------------------------------------------
def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().select_related("project__region").get(pk=certificate.pk)


@transaction.atomic
def vote_record(*, certificate: Certificate, vote: str, by: Actor, at: datetime.datetime | None = None) -> Certificate:
    if vote not in Certificate.Vote.values:
        raise ValidationError(_("请选择同意或不同意。"))
    cert = _locked(certificate)
    cert.round1_vote = vote
    cert.round1_voted_at = _minute(at or timezone.now())
    cert.save(update_fields=["round1_vote", "round1_voted_at"])
    _audit(by, "renewal.certificate.vote", cert, cert.project, vote=vote)
    return cert


@transaction.atomic
def signature_record(
    *, certificate: Certificate, choice: str, by: Actor, at: datetime.datetime | None = None
) -> Certificate:
    """Round-2 signature to the minute, with the choice and the plan version in force."""
    if choice not in Certificate.Choice.values:
        raise ValidationError(_("请选择货币补偿或产权调换。"))
    cert = _locked(certificate)
    if cert.signed_at:
        raise ValidationError(
            _("该权证已于 %(at)s 签约，不能重复登记。")
            % {"at": timezone.localtime(cert.signed_at).strftime("%Y-%m-%d %H:%M")}
        )
    project = cert.project
    at = _minute(at or timezone.now())
    if project.signing_start and at < _minute(project.signing_start):
        raise ValidationError(_("签约期尚未开始。"))
    if project.signing_end and at > project.signing_end:
        raise ValidationError(_("签约期已截止。"))
    plan = project.published_plan()
    if plan is None:
        raise ValidationError(_("该地块尚未发布征收补偿方案，不能签约。"))
    cert.signed_at, cert.choice, cert.signed_plan = at, choice, plan
    cert.not_signed_reason, cert.reason_note = "", ""
    cert.save(update_fields=["signed_at", "choice", "signed_plan", "not_signed_reason", "reason_note"])
    _audit(by, "renewal.certificate.sign", cert, project, choice=choice, plan_version=plan.version)
    return cert


@transaction.atomic
def moving_record(
    *,
    certificate: Certificate,
    by: Actor,
    moved_at: datetime.datetime | None = None,
    handed_over_at: datetime.datetime | None = None,
) -> Certificate:
    cert = _locked(certificate)
    if not cert.signed_at:
        raise ValidationError(_("尚未签约，不能登记搬离或交房。"))
    fields = []
    if moved_at:
        if moved_at < cert.signed_at:
            raise ValidationError(_("搬离时间不能早于签约时间。"))
        cert.moved_at = _minute(moved_at)
        fields.append("moved_at")
    if handed_over_at:
        if cert.moved_at is None:
            raise ValidationError(_("请先登记搬离时间。"))
        if handed_over_at < cert.moved_at:
            raise ValidationError(_("交房时间不能早于搬离时间。"))
        cert.handed_over_at = _minute(handed_over_at)
        fields.append("handed_over_at")
    if not fields:
        raise ValidationError(_("请填写搬离时间或交房时间。"))
    cert.save(update_fields=fields)
    _audit(by, "renewal.certificate.moving", cert, cert.project, fields=fields)
    return cert


@transaction.atomic
def not_signed_set(
    *, certificate: Certificate, reason: str, by: Actor, note: str = "", owner: User | None = None
) -> Certificate:
    if reason and reason not in Certificate.Reason.values:
        raise ValidationError(_("请选择未签约原因。"))
    cert = _locked(certificate)
    if cert.signed_at:
        raise ValidationError(_("该权证已签约。"))
    cert.not_signed_reason, cert.reason_note, cert.owner = reason, note, owner
    cert.save(update_fields=["not_signed_reason", "reason_note", "owner"])
    _audit(by, "renewal.certificate.reason", cert, cert.project, reason=reason, owner=owner.pk if owner else None)
    return cert


@transaction.atomic
def consultation_add(
    *,
    certificate: Certificate,
    by: Actor,
    asked: str,
    answer: str = "",
    channel: str = "visit",
    at: datetime.datetime | None = None,
) -> ConsultationEntry:
    if not (asked or "").strip():
        raise ValidationError({"asked": _("请填写居民的诉求或问题。")})
    entry = ConsultationEntry(
        certificate=certificate, by=user_of(by), asked=asked.strip(), answer=(answer or "").strip(), channel=channel
    )
    if at:
        entry.at = at
    entry.full_clean()
    entry.save()
    _audit(by, "renewal.certificate.consultation", certificate, certificate.project, channel=channel)
    return entry


# End of the signing period ------------------------------------------------------------------------------------------
@transaction.atomic
def signing_close(*, project: RenewalProject, by: Actor, at: datetime.datetime | None = None) -> dict:
    """After the signing period: fix the final ratio and whether the agreements take effect, then settle the
    day-tier and ratio rewards of every signed certificate from its recorded times (settlement estimates)."""
    at = at or timezone.now()
    project = RenewalProject.objects.select_for_update().get(pk=project.pk)
    if project.signing_end is None or at < project.signing_end:
        raise ValidationError(_("签约期尚未结束，不能结算。"))
    if project.closed_at:
        raise ValidationError(_("该地块已结算。"))
    counted = Certificate.objects.counted(project)
    total = counted.count()
    signed = counted.filter(signed_at__isnull=False, signed_at__lte=project.signing_end).count()
    project.final_ratio = ratio(signed, total)
    project.took_effect = project.final_ratio >= project.round2_threshold
    project.closed_at = at
    project.save(update_fields=["final_ratio", "took_effect", "closed_at"])
    _audit(
        by,
        "renewal.project.close",
        project,
        project,
        final_ratio=str(project.final_ratio),
        took_effect=project.took_effect,
    )
    # Each signed certificate is settled under the plan version it signed (kept on the certificate).
    settled = 0
    for plan in CompensationPlan.objects.filter(pk__in=counted.filter(signed_at__isnull=False).values("signed_plan")):
        settled += _settle(project, plan, by)
    return {"final_ratio": project.final_ratio, "took_effect": project.took_effect, "settled": settled}


def _settle(project, plan, by) -> int:
    plan.project = project
    rules = plan.rules()
    now = timezone.now()
    rows = []
    queryset = Certificate.objects.filter(project=project, signed_plan=plan)
    for cert, rooms, hardship, people in _certificates_with_facts(queryset):
        cert.project = project
        result = compute(cert, plan, rules=rules, rooms=rooms, hardship=hardship, co_residents=people)
        rows.append(_estimate_values(cert, plan, result, by=by, kind=Estimate.Kind.SETTLEMENT, now=now))
    sql.insert_estimates(rows)
    return len(rows)


# Mediation ----------------------------------------------------------------------------------------------------------
# The structured facts (parties, sessions, outcome) live here; the case timeline gets a line for each step, so
# the mediation is worked, timed and followed on the one cases workflow like every other need.
@transaction.atomic
def mediation_open(
    *, certificate: Certificate, subject: str, parties: str, by: Actor, description: str = ""
) -> Mediation:
    if subject not in Mediation.Subject.values:
        raise ValidationError({"subject": _("请选择纠纷类型。")})
    if not (parties or "").strip():
        raise ValidationError({"parties": _("请填写当事人。")})
    project = certificate.project
    label = Mediation.Subject(subject).label
    case, _created = case_create(
        title=_("旧改调解：%(number)s %(subject)s") % {"number": certificate.number, "subject": label},
        description=(description or "").strip()
        or _("%(address)s（%(number)s）%(subject)s，当事人：%(parties)s")
        % {"address": certificate.address, "number": certificate.number, "subject": label, "parties": parties.strip()},
        region=project.region,
        channel="renewal",
        category="family" if subject == Mediation.Subject.SHARES else "mediation",
        by=by,
        reporter_name=certificate.holder_name,
        source=certificate,
        location_text=certificate.address,
    )
    mediation = Mediation.objects.create(certificate=certificate, case=case, subject=subject, parties=parties.strip())
    if not certificate.signed_at and not certificate.not_signed_reason:
        reason = Certificate.Reason.FAMILY if subject == Mediation.Subject.SHARES else Certificate.Reason.AMOUNT
        Certificate.objects.filter(pk=certificate.pk, not_signed_reason="").update(not_signed_reason=reason)
    _audit(by, "renewal.mediation.open", certificate, project, case=case.number, subject=subject)
    return mediation


@transaction.atomic
def mediation_session_add(
    *, mediation: Mediation, by: User, at: datetime.datetime, notes: str, place: str = "", attendees: str = ""
) -> MediationSession:
    if mediation.outcome != Mediation.Outcome.OPEN:
        raise ValidationError(_("该调解已结束。"))
    if not (notes or "").strip():
        raise ValidationError({"notes": _("请填写调解情况。")})
    session = MediationSession.objects.create(
        mediation=mediation, at=at, place=place, mediator=by, attendees=attendees, notes=notes.strip()
    )
    case_log(
        case=mediation.case,
        by=by,
        note=_("调解会谈（%(at)s，%(place)s）：%(notes)s")
        % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), "place": place or "—", "notes": notes.strip()},
        data={"mediation": mediation.pk, "session": session.pk},
        is_public=False,
    )
    _audit(
        by, "renewal.mediation.session", mediation.certificate, mediation.certificate.project, mediation=mediation.pk
    )
    return session


@transaction.atomic
def mediation_close(*, mediation: Mediation, by: Actor, outcome: str, text: str) -> Mediation:
    """Agreement reached, referral to court, or withdrawn; the case is resolved with the same words when the
    actor may handle it (otherwise the timeline gets the note and the case goes on in the cases workflow)."""
    if outcome not in (Mediation.Outcome.AGREED, Mediation.Outcome.REFERRED, Mediation.Outcome.WITHDRAWN):
        raise ValidationError({"outcome": _("请选择调解结果。")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写调解协议要点或诉讼引导说明。")})
    fields = {"outcome": outcome, "closed_at": timezone.now()}
    fields["referral_note" if outcome == Mediation.Outcome.REFERRED else "agreement"] = text
    changed = Mediation.objects.filter(pk=mediation.pk, outcome=Mediation.Outcome.OPEN).update(**fields)
    if not changed:
        raise ValidationError(_("该调解已由他人结束，请刷新页面。"))
    mediation.refresh_from_db()
    note = _("调解结果：%(outcome)s。%(text)s") % {"outcome": mediation.get_outcome_display(), "text": text}
    case = mediation.case
    try:
        with transaction.atomic():
            case_resolve(case=case, by=by, note=note)
    except (CaseError, PermissionDenied):
        case_log(case=case, by=by, note=note, data={"mediation": mediation.pk, "outcome": outcome}, is_public=False)
    _audit(by, "renewal.mediation.close", mediation.certificate, mediation.certificate.project, outcome=outcome)
    return mediation
