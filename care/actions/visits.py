"""Visits: a visitor paired with a person (老伙伴计划, about five each), the visits they record, and a need found
on a visit turned into a case in one tap. 无人应答 on a visit starts the same safety chain as on a delivery."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.models import Case
from org.actors import Actor
from org.models import User

from ..models import CareRecipient, CareVolunteer, VisitPlan, VisitRecord, WellState
from . import safety


@transaction.atomic
def visit_plan_create(
    *,
    recipient: CareRecipient,
    visitor: User,
    by: Actor,
    every_days: int = 7,
    first_due: datetime.date | None = None,
) -> VisitPlan:
    """Pair a visitor with a person; a volunteer takes about five (老伙伴计划)."""
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    if every_days < 1:
        raise ValidationError(_("周期至少 1 天。"))
    limit = CareVolunteer.objects.filter(user=visitor).values_list("visit_partners", flat=True).first() or 5
    if VisitPlan.objects.filter(visitor=visitor, is_active=True).count() >= limit:
        raise ValidationError(_("%(name)s 已结对 %(n)s 人，达到上限。") % {"name": visitor, "n": limit})
    if VisitPlan.objects.filter(visitor=visitor, recipient=recipient, is_active=True).exists():
        raise ValidationError(_("该探访人已与此人结对。"))
    plan = VisitPlan.objects.create(
        region=recipient.region,
        recipient=recipient,
        visitor=visitor,
        every_days=every_days,
        next_due=first_due or timezone.localdate(),
    )
    record(actor=by, action="care.visit_plan.create", obj=plan)
    return plan


@transaction.atomic
def visit_plan_end(*, plan: VisitPlan, by: Actor) -> VisitPlan:
    """Unpair: the visitor frees a place (a person now has meals, or the pairing changes)."""
    if not VisitPlan.objects.filter(pk=plan.pk, is_active=True).update(is_active=False):
        raise ValidationError(_("该探访安排已停止。"))
    plan.is_active = False
    record(actor=by, action="care.visit_plan.end", obj=plan)
    return plan


@transaction.atomic
def visit_record(
    *,
    recipient: CareRecipient,
    visitor: User,
    state: str,
    by: Actor,
    needs: str = "",
    note: str = "",
    plan: VisitPlan | None = None,
    now: datetime.datetime | None = None,
) -> VisitRecord:
    now = now or timezone.now()
    if state not in WellState.values:
        raise ValidationError(_("请选择老人的状态。"))
    if recipient.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束。"))
    visit = VisitRecord.objects.create(
        region=recipient.region,
        plan=plan,
        recipient=recipient,
        visitor=visitor,
        visited_at=now,
        state=state,
        needs=(needs or "").strip(),
        note=(note or "").strip()[:300],
    )
    if plan is not None:
        plan.next_due = timezone.localdate(now) + datetime.timedelta(days=plan.every_days)
        plan.save(update_fields=["next_due"])
    record(actor=by, action="care.visit.record", obj=visit, detail={"state": state})
    if state == WellState.NO_ANSWER:
        safety.alert_open(recipient=recipient, by=by, now=now, visit=visit)
    elif state == WellState.UNWELL:
        visit_need_to_case(visit=visit, by=by, urgency="high")
    return visit


@transaction.atomic
def visit_need_to_case(*, visit: VisitRecord, by: Actor, urgency: str = "normal") -> Case:
    """One tap: the need found on a visit becomes a case linked back to the visit."""
    visit = VisitRecord.objects.select_for_update().get(pk=visit.pk)
    if visit.case_id:
        raise ValidationError(_("该探访发现的需求已转为诉求 #%(id)s。") % {"id": visit.case_id})
    name = visit.recipient.resident.name
    case = safety.open_case(
        recipient=visit.recipient,
        by=by,
        source=visit,
        category="elderly",
        urgency=urgency,
        title=_("探访发现需求：%(name)s") % {"name": name},
        description=visit.needs or visit.get_state_display(),
    )
    visit.case_id = case.pk
    visit.save(update_fields=["case_id"])
    record(actor=by, action="care.visit.to_case", obj=visit, detail={"case": case.pk})
    return case
