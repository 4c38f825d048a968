"""State changes of volunteers, organisations, tasks and the service-hour ledger.

Every function is keyword-only, runs in one transaction, takes the actor as ``by`` and writes the
audit log. Views, the API, admin actions and other apps (events) call these, nothing else writes.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record as audit
from cases.models import Case
from notify.services import send
from org.actors import Actor, user_of
from org.models import Membership, Region, Role, User
from people.models import Resident

from .models import (
    Assignment,
    Commitment,
    CommitmentDelivery,
    Organisation,
    ServiceCertificate,
    ServiceCorrection,
    ServiceRecord,
    Skill,
    Volunteer,
    hours_between,
)
from .regular_shifts import RegularShift
from .selectors import assignable_volunteers


# Volunteers -----------------------------------------------------------------------------------
@transaction.atomic
def volunteer_sign_up(
    *,
    name: str,
    region: Region,
    by: Actor = None,
    user: User | None = None,
    phone: str = "",
    id_number: str = "",
    resident: Resident | None = None,
    skills: Iterable[tuple[Skill, int]] = (),
    note: str = "",
) -> Volunteer:
    """A person signs up (or staff enter a sign-up form); staff approve it later.

    ``skills`` is a list of (Skill, level)."""
    volunteer = Volunteer(name=name.strip(), region=region, resident=resident, note=note, user=user)
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise ValidationError(_("您已经报名过志愿者。"))
    try:
        volunteer.set_id_number(id_number)
    except ValueError as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    volunteer.set_phone(phone)
    existing = (
        Volunteer.objects.filter(id_number_hash=volunteer.id_number_hash).first() if volunteer.id_number_hash else None
    )
    if existing is not None and user is None:
        # staff entering a paper form: they are named in the audit log and may be told
        raise ValidationError({"id_number": _("已有相同身份证号的志愿者。")})
    if existing is not None:
        _hold_duplicate(volunteer, existing=existing)
    volunteer.save()
    for skill, level in skills:
        volunteer.skills.create(skill=skill, level=level)
    audit(actor=by, action="volunteers.volunteer.sign_up", obj=volunteer)
    if existing is not None:
        audit(
            actor=by,
            action="volunteers.volunteer.sign_up_duplicate",
            obj=volunteer,
            detail={"身份证号相同的志愿者": existing.pk},
        )
        if existing.phone:
            send(
                to=existing.phone,
                body=_(
                    "【民呼】%(name)s您好，有人用您的身份证号报名志愿者。您已是志愿者，无需再报；如非本人操作，请联系社区。"
                )
                % {"name": existing.name},
                purpose="volunteers.duplicate_sign_up",
                related=existing,
            )
    return volunteer


def _hold_duplicate(volunteer: Volunteer, *, existing: Volunteer) -> None:
    """A resident's own sign-up with an ID number that is already a volunteer's.

    Telling the account "已有相同身份证号的志愿者" would let anyone with a login test whose ID number
    belongs to a volunteer. So the sign-up is kept like any other and answers the same:
    1. it keeps the masked number the applicant typed (their own page looks as usual) but neither the
       number nor its hash, so the number is still held by one volunteer only;
    2. it points at the existing volunteer, which staff see on its page, and it cannot be approved;
    3. the existing volunteer is told by text message on their own phone (the caller sends it)."""
    volunteer.id_number_encrypted = ""
    volunteer.id_number_hash = ""
    volunteer.duplicate_of = existing


@transaction.atomic
def volunteer_decide(*, volunteer: Volunteer, approve: bool, by: Actor) -> Volunteer:
    """Staff approve or reject a sign-up. Only a pending sign-up can be decided (conditional update)."""
    if approve and volunteer.duplicate_of_id:
        raise ValidationError(
            _("该报名的身份证号与已登记的志愿者相同，不能通过：请当面核实本人，再把账号关联到原有的志愿者记录。")
        )
    status = Volunteer.Status.APPROVED if approve else Volunteer.Status.REJECTED
    now = timezone.now()
    changed = Volunteer.objects.filter(pk=volunteer.pk, status=Volunteer.Status.PENDING).update(
        status=status, approved_by=user_of(by), approved_at=now
    )
    if not changed:
        raise ValidationError(_("该报名已被处理，请刷新页面。"))
    volunteer.refresh_from_db()
    if approve and volunteer.user_id:
        Membership.objects.get_or_create(user=volunteer.user, region=volunteer.region, role=Role.VOLUNTEER)
    audit(actor=by, action="volunteers.volunteer." + ("approve" if approve else "reject"), obj=volunteer)
    return volunteer


# Matching and tasks -------------------------------------------------------------------------
@transaction.atomic
def assignment_offer(
    *,
    volunteer: Volunteer,
    activity: str,
    region: Region,
    by: Actor,
    place: str = "",
    organisation: Organisation | None = None,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    case: Case | None = None,
    score: float | None = None,
) -> Assignment:
    if volunteer.status != Volunteer.Status.APPROVED:
        raise ValidationError(_("只有审核通过的志愿者才能接受任务。"))
    if not assignable_volunteers(region).filter(pk=volunteer.pk).exists():
        # the views already offer only these; this guards every other caller (API, commands)
        raise ValidationError(_("只能派给本街道的志愿者。"))
    assignment = Assignment(
        volunteer=volunteer,
        activity=activity,
        region=region,
        place=place,
        organisation=organisation,
        starts_at=starts_at,
        ends_at=ends_at,
        assigned_by=user_of(by),
        score=score,
    )
    if case is not None:
        assignment.case = case
    assignment.full_clean(exclude=["sign_token", "assigned_by"])
    assignment.save()
    audit(actor=by, action="volunteers.assignment.offer", obj=assignment, detail={"volunteer": volunteer.pk})
    if volunteer.phone:
        when = f"{timezone.localtime(starts_at):%m月%d日 %H:%M}" if starts_at else ""
        send(
            to=volunteer.phone,
            body=_("【民呼】%(name)s您好，邀请您参加：%(activity)s %(when)s。请在手机上确认是否接受。")
            % {"name": volunteer.name, "activity": activity, "when": when},
            purpose="volunteers.assignment",
            related=assignment,
        )
    return assignment


@transaction.atomic
def assignment_respond(*, assignment: Assignment, accept: bool, by: Actor) -> Assignment:
    """The volunteer accepts or declines on the phone. Only an open offer can be answered."""
    status = Assignment.Status.ACCEPTED if accept else Assignment.Status.DECLINED
    changed = Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.OFFERED).update(
        status=status, responded_at=timezone.now()
    )
    if not changed:
        raise ValidationError(_("这项任务已确认或已取消。"))
    assignment.refresh_from_db()
    audit(actor=by, action="volunteers.assignment." + ("accept" if accept else "decline"), obj=assignment)
    return assignment


@transaction.atomic
def shift_sign_in(
    *, assignment: Assignment, by: Actor, method: str = Assignment.SignMethod.QR, at: datetime.datetime | None = None
) -> Assignment:
    at = at or timezone.now()
    changed = Assignment.objects.filter(
        pk=assignment.pk,
        status__in=[Assignment.Status.ACCEPTED, Assignment.Status.OFFERED],
        signed_in_at__isnull=True,
    ).update(signed_in_at=at, signed_in_method=method, status=Assignment.Status.ACCEPTED)
    if not changed:
        raise ValidationError(_("已签到，或任务已取消。"))
    assignment.refresh_from_db()
    audit(actor=by, action="volunteers.shift.sign_in", obj=assignment, detail={"method": method})
    return assignment


@transaction.atomic
def shift_sign_out(
    *,
    assignment: Assignment,
    by: Actor,
    method: str = Assignment.SignMethod.QR,
    at: datetime.datetime | None = None,
    served: str = "",
    content: str = "",
):
    """Sign out and write the ledger record (source 签到签退) for the time between sign-in and sign-out."""
    at = at or timezone.now()
    changed = Assignment.objects.filter(
        pk=assignment.pk, signed_in_at__isnull=False, signed_out_at__isnull=True, signed_in_at__lte=at
    ).update(signed_out_at=at, signed_out_method=method)
    if not changed:
        raise ValidationError(_("尚未签到，或已经签退。"))
    assignment.refresh_from_db()
    audit(actor=by, action="volunteers.shift.sign_out", obj=assignment, detail={"method": method})
    return record_from_shift(assignment=assignment, by=by, served=served, content=content)


def record_from_shift(
    *, assignment: Assignment, by: Actor, served: str = "", content: str = "", end_at: datetime.datetime | None = None
) -> ServiceRecord | None:
    """The ledger record of a signed shift; once per shift (the OneToOne refuses a second one)."""
    start = assignment.signed_in_at
    end = end_at or assignment.signed_out_at
    if start is None or end is None or ServiceRecord.objects.filter(assignment=assignment).exists():
        return None
    hours = hours_between(start, end)
    if hours <= 0:
        return None
    record = ServiceRecord.objects.create(
        volunteer=assignment.volunteer,
        activity=assignment.activity,
        organisation=assignment.organisation,
        region=assignment.region,
        date=timezone.localtime(start).date(),
        place=assignment.place or "—",
        served=served or _("现场居民"),
        content=content or assignment.activity,
        started_at=start,
        ended_at=end,
        hours=hours,
        source=ServiceRecord.Source.SHIFT,
        assignment=assignment,
        recorded_by=user_of(by),
    )
    audit(actor=by, action="volunteers.record.create", obj=record, detail={"hours": str(hours), "source": "shift"})
    return record


# Ledger ---------------------------------------------------------------------------------------
def _check_times(started_at, ended_at, hours):
    if started_at >= ended_at:
        raise ValidationError(_("开始时间必须早于结束时间。"))
    if hours is None or hours <= 0:
        raise ValidationError(_("服务时长应大于0。"))
    if Decimal(hours) > hours_between(started_at, ended_at) + Decimal("0.25"):
        raise ValidationError(_("服务时长不能超过开始到结束之间的时间（交通时间不计入）。"))


@transaction.atomic
def record_add_manual(
    *,
    volunteer: Volunteer,
    activity: str,
    region: Region,
    date: datetime.date,
    place: str,
    served: str,
    content: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    hours: Decimal | float | str,
    by: Actor,
    organisation: Organisation | None = None,
) -> ServiceRecord:
    """Hours added by hand (no sign-in): marked as such in the ledger and in the export."""
    _check_times(started_at, ended_at, hours)
    record = ServiceRecord(
        volunteer=volunteer,
        activity=activity,
        region=region,
        date=date,
        place=place,
        served=served,
        content=content,
        started_at=started_at,
        ended_at=ended_at,
        hours=Decimal(hours),
        source=ServiceRecord.Source.MANUAL,
        organisation=organisation,
        recorded_by=user_of(by),
    )
    record.save()
    audit(actor=by, action="volunteers.record.create", obj=record, detail={"hours": str(hours), "source": "manual"})
    return record


@transaction.atomic
def record_verify(*, record: ServiceRecord, by: Actor) -> ServiceRecord:
    """The organiser's verification (组织方核实)."""
    changed = ServiceRecord.objects.filter(pk=record.pk, verified_at__isnull=True).update(
        verified_by=user_of(by), verified_at=timezone.now()
    )
    if not changed:
        raise ValidationError(_("这条记录已核实。"))
    record.refresh_from_db()
    audit(actor=by, action="volunteers.record.verify", obj=record)
    return record


@transaction.atomic
def correction_request(
    *,
    record: ServiceRecord,
    by: Actor,
    reason: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    hours: Decimal | float | str,
    content: str,
) -> ServiceCorrection:
    """The volunteer asks to correct one of their records. The record itself is not touched."""
    if not reason.strip():
        raise ValidationError(_("请说明更正理由。"))
    if ServiceRecord.objects.filter(pk=record.pk, superseded_by__isnull=False).exists():
        raise ValidationError(_("这条记录已被更正，请对最新记录申请。"))
    _check_times(started_at, ended_at, hours)
    if record.corrections.filter(status=ServiceCorrection.Status.PENDING).exists():
        raise ValidationError(_("这条记录已有待审核的更正申请。"))
    correction = ServiceCorrection.objects.create(
        record=record,
        requested_by=user_of(by),
        reason=reason,
        started_at=started_at,
        ended_at=ended_at,
        hours=Decimal(hours),
        content=content,
    )
    audit(actor=by, action="volunteers.correction.request", obj=record, detail={"hours": str(hours)})
    return correction


@transaction.atomic
def correction_decide(*, correction: ServiceCorrection, approve: bool, by: Actor, note: str = "") -> ServiceCorrection:
    """The organiser approves (a new record supersedes the original, which stays visible) or rejects.

    1. claim the pending request with a conditional update (two organisers cannot both decide);
    2. on approval copy the original into a new record with the corrected fields, verified by the organiser;
    3. point the original at it (``superseded_by``) and write the audit log with before and after.
    """
    status = ServiceCorrection.Status.APPROVED if approve else ServiceCorrection.Status.REJECTED
    changed = ServiceCorrection.objects.filter(pk=correction.pk, status=ServiceCorrection.Status.PENDING).update(
        status=status, decided_by=user_of(by), decided_at=timezone.now(), decision_note=note
    )
    if not changed:
        raise ValidationError(_("该更正申请已处理。"))
    correction.refresh_from_db()
    original = ServiceRecord.objects.select_for_update().get(pk=correction.record_id)
    if approve:
        if ServiceRecord.objects.filter(supersedes=original).exists():
            raise ValidationError(_("这条记录已被更正。"))
        now = timezone.now()
        ServiceRecord.objects.create(
            volunteer=original.volunteer,
            activity=original.activity,
            organisation=original.organisation,
            region=original.region,
            date=timezone.localtime(correction.started_at).date(),
            place=original.place,
            served=original.served,
            content=correction.content,
            started_at=correction.started_at,
            ended_at=correction.ended_at,
            hours=correction.hours,
            source=ServiceRecord.Source.CORRECTION,
            recorded_by=user_of(by),
            recorded_at=now,
            verified_by=user_of(by),
            verified_at=now,
            supersedes=original,
        )
    audit(
        actor=by,
        action="volunteers.correction." + ("approve" if approve else "reject"),
        obj=original,
        detail={"before_hours": str(original.hours), "after_hours": str(correction.hours), "note": note},
    )
    return correction


def totals(records, by: str):
    """Sum of hours of current records grouped by 'volunteer', 'organisation', 'activity' or 'month'."""
    records = records.current()
    if by == "volunteer":
        return records.values("volunteer__name", "volunteer_id").annotate(hours=Sum("hours")).order_by("-hours")
    if by == "organisation":
        return records.values("organisation__unit__name").annotate(hours=Sum("hours")).order_by("-hours")
    if by == "activity":
        return records.values("activity").annotate(hours=Sum("hours")).order_by("-hours")
    if by == "month":
        return records.annotate(month=TruncMonth("date")).values("month").annotate(hours=Sum("hours")).order_by("month")
    raise ValueError(by)


# Certificates ---------------------------------------------------------------------------------
@transaction.atomic
def certificate_issue(
    *,
    volunteer: Volunteer,
    period_from: datetime.date,
    period_to: datetime.date,
    issuer: str,
    issuer_contact: str,
    by: Actor,
) -> ServiceCertificate:
    """A certificate of the verified, current records in the period. The totals are computed from
    exactly the records linked to it, so the PDF and the verification page agree with the ledger."""
    if period_from > period_to:
        raise ValidationError(_("起始日期不能晚于截止日期。"))
    records = list(
        volunteer.records.current().verified().filter(date__gte=period_from, date__lte=period_to).order_by("date", "id")
    )
    if not records:
        raise ValidationError(_("该时段内没有经组织方核实的服务记录，无法出具证明。"))
    total = sum((r.hours for r in records), Decimal("0"))
    activities = []
    for r in records:
        if r.activity not in activities:
            activities.append(r.activity)
    certificate = ServiceCertificate.objects.create(
        volunteer=volunteer,
        region=volunteer.region,
        period_from=period_from,
        period_to=period_to,
        total_hours=total,
        record_count=len(records),
        content_summary="；".join(activities)[:2000],
        issuer=issuer,
        issuer_contact=issuer_contact,
        issued_by=user_of(by),
    )
    certificate.serial = f"MH{timezone.localdate():%Y}{certificate.pk:06d}"
    certificate.save(update_fields=["serial"])
    certificate.records.set(records)
    audit(actor=by, action="volunteers.certificate.issue", obj=certificate, detail={"hours": str(total)})
    return certificate


@transaction.atomic
def commitment_deliver(*, commitment: Commitment, date: datetime.date, note: str, by: Actor) -> CommitmentDelivery:
    delivery = CommitmentDelivery.objects.create(commitment=commitment, date=date, note=note, recorded_by=user_of(by))
    audit(
        actor=by,
        action="volunteers.commitment.deliver",
        obj=commitment.organisation.unit,
        detail={"commitment": commitment.title},
    )
    return delivery


@transaction.atomic
def regular_shift_create(
    *,
    volunteer: Volunteer,
    activity: str,
    region: Region,
    start_time: datetime.time,
    end_time: datetime.time,
    first_date: datetime.date,
    by: Actor,
    days: str = "workdays",
    weekdays: Iterable[int] = (),
    place: str = "",
    last_date: datetime.date | None = None,
) -> RegularShift:
    """Give a volunteer a standing duty (固定班次); its dates follow the statutory calendar."""
    shift = RegularShift(
        volunteer=volunteer,
        activity=activity,
        place=place,
        region=region,
        days=days,
        weekdays=sorted({int(d) for d in weekdays}),
        start_time=start_time,
        end_time=end_time,
        first_date=first_date,
        last_date=last_date,
        created_by=user_of(by),
    )
    if days == RegularShift.Days.WEEKLY and not shift.weekdays:
        raise ValidationError(_("请至少选择一个星期几。"))
    shift.full_clean(exclude=["created_by"])
    shift.save()
    audit(
        actor=by,
        action="volunteers.regular_shift.create",
        obj=shift,
        region=region,
        detail={"volunteer": volunteer.pk, "pattern": shift.pattern},
    )
    return shift
