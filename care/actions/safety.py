"""Safety: when nobody answers the door (a delivery or a visit), a SafetyAlert fires its escalation steps one by
one — the responsible worker, each emergency contact in order, then a critical case — until someone confirms the
person is safe. Also the cases opened for what a volunteer or visitor finds at the door (``open_case``)."""

import datetime

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.actions.intake import case_create
from cases.actions.workflow import case_dispatch, case_log, case_resolve
from cases.models import Case
from cases.permissions import can_handle
from notify import services as notify
from org.actors import Actor, user_of
from org.models import Membership, Unit

from ..models import CareRecipient, Delivery, EmergencyContact, EscalationStep, SafetyAlert, VisitRecord

# The family's link in the text message: signed, names the alert and the contact it was sent to, and works
# without an account while the alert is open (and for at most this long).
SAFE_LINK_SALT = "care.alert.safe-link"
SAFE_LINK_MAX_AGE = datetime.timedelta(days=2)


def step_minutes() -> int:
    """Minutes between escalation steps (worker → each emergency contact → case → reminders)."""
    return int(getattr(settings, "CARE_ESCALATION_STEP_MINUTES", 10))


def case_due_minutes() -> int:
    """Deadline of the critical case opened when nobody could confirm the person is safe."""
    return int(getattr(settings, "CARE_SAFETY_CASE_DUE_MINUTES", 30))


def open_case(
    *,
    recipient: CareRecipient,
    by: Actor,
    source: Model,
    category,
    urgency: str,
    title: str,
    description: str,
    due_minutes: int | None = None,
) -> Case:
    """What was found at the door becomes a case on the care channel, linked back to where it was found (a
    delivery, a visit, an alert): one workflow and one deadline for every need."""
    case, _created = case_create(
        title=str(title),
        description=str(description),
        region=recipient.region,
        channel="care",
        by=user_of(by),
        category=category,
        urgency=urgency,
        resident=recipient.resident,
        address=recipient.address,
        source=source,
        due_minutes=due_minutes,
    )
    return case


@transaction.atomic
def alert_open(
    *,
    recipient: CareRecipient,
    by: Actor,
    now: datetime.datetime | None = None,
    delivery: Delivery | None = None,
    visit: VisitRecord | None = None,
) -> SafetyAlert:
    """Open a safety alert and fire its first step now. A second call while one is open returns it."""
    now = now or timezone.now()
    running = (
        SafetyAlert.objects.select_for_update().filter(recipient=recipient, status=SafetyAlert.Status.OPEN).first()
    )
    if running:
        return running
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(
                region=recipient.region,
                recipient=recipient,
                delivery=delivery,
                visit=visit,
                opened_at=now,
                opened_by=user_of(by),
                next_step_at=now,
            )
    except IntegrityError:  # a second volunteer or visitor opened it a moment earlier: join that chain
        return SafetyAlert.objects.get(recipient=recipient, status=SafetyAlert.Status.OPEN)
    record(actor=by, action="care.alert.open", obj=alert)
    _fire_next_step(alert, now)
    return alert


def care_unit_for(recipient: CareRecipient) -> Unit | None:
    """The unit the care team works in, which the critical case goes to: the responsible worker's unit over the
    person's region, else the active neighbourhood committee (居委会) of the person's region or above it."""
    path = recipient.region.path
    if recipient.worker_id:
        for m in Membership.objects.filter(user_id=recipient.worker_id, unit__isnull=False).select_related(
            "region", "unit"
        ):
            if path.startswith(m.region.path) and m.unit.is_active:  # type: ignore[union-attr]  # unit__isnull=False
                return m.unit
    committees = Unit.objects.filter(kind=Unit.Kind.NEIGHBOURHOOD_COMMITTEE, is_active=True).select_related("region")
    found = list(committees.filter(region__path__in=_ancestor_paths(path)))
    return max(found, key=lambda u: u.region.depth) if found else None


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split(".") if p]
    return [".".join(parts[: i + 1]) + "." for i in range(len(parts))]


def safe_link_token(alert: SafetyAlert, contact: EmergencyContact) -> str:
    return signing.dumps({"a": alert.pk, "c": contact.pk}, salt=SAFE_LINK_SALT, compress=True)


def safe_link_url(alert: SafetyAlert, contact: EmergencyContact) -> str:
    path = reverse("care:alert_safe_link", args=[safe_link_token(alert, contact)])
    return settings.SITE_URL.rstrip("/") + path


def alert_for_safe_link(token: str):
    """(alert, contact) a family link names, or a ValidationError in Chinese for a bad or stale link."""
    try:
        data = signing.loads(token, salt=SAFE_LINK_SALT, max_age=SAFE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("链接已过期，请直接联系社区。")) from None
    except signing.BadSignature:
        raise ValidationError(_("链接无效，请核对短信中的完整链接。")) from None
    contact = (
        EmergencyContact.objects.filter(pk=data.get("c"), recipient__alerts__pk=data.get("a"))
        .select_related("recipient__resident")
        .first()
    )
    alert = SafetyAlert.objects.filter(pk=data.get("a")).select_related("recipient__resident").first()
    if contact is None or alert is None:
        raise ValidationError(_("链接无效，请核对短信中的完整链接。"))
    return alert, contact


def escalation_plan(alert: SafetyAlert) -> list[tuple[str, object]]:
    """The chain in order: the worker, each emergency contact, then a critical case."""
    steps: list[tuple[str, object]] = [(EscalationStep.Kind.WORKER, alert.recipient.worker)]
    steps += [(EscalationStep.Kind.CONTACT, c) for c in alert.recipient.contacts.all()]
    steps.append((EscalationStep.Kind.CASE, None))
    return steps


def _fire_next_step(alert, now) -> EscalationStep:
    recipient = alert.recipient
    plan = escalation_plan(alert)
    number = alert.steps_done + 1
    kind, target = plan[number - 1] if number <= len(plan) else (EscalationStep.Kind.REMINDER, recipient.worker)
    where = recipient.address.text if recipient.address else ""
    facts = {
        "name": recipient.resident.name,
        "where": where,
        "when": timezone.localtime(alert.opened_at).strftime("%H:%M"),
    }
    # The worker confirms on the alert page; a family member has no account, so their text carries a signed link.
    body = _(
        "【民呼安全提醒】%(name)s（%(where)s）%(when)s 送餐/探访无人应答，"
        "请尽快联系或上门确认，确认后请在民呼预警页点“确认安全”：%(url)s"
    ) % {**facts, "url": settings.SITE_URL.rstrip("/") + reverse("care:alert", args=[alert.pk])}
    step = EscalationStep(alert=alert, number=number, kind=kind, at=now)
    if kind in (EscalationStep.Kind.WORKER, EscalationStep.Kind.REMINDER):
        worker = target
        if worker is not None and worker.phone:
            to, channel = worker.phone, "sms"
        elif worker is not None and worker.email:
            to, channel = worker.email, "email"
        else:
            to, channel = (worker.username if worker else "care-duty"), "console"
        message = notify.send(to=to, body=body, channel=channel, purpose="care.safety", related=alert)
        step.told = _("%(name)s（责任社工）") % {"name": worker or _("值班社工")}
        step.channel, step.message_id = channel, message.pk
    elif kind == EscalationStep.Kind.CONTACT:
        family_body = _(
            "【民呼安全提醒】%(name)s（%(where)s）%(when)s 送餐/探访无人应答，请尽快联系或上门看望。"
            "确认老人安全后请打开此链接点“确认安全”（无需注册登录）：%(url)s"
        ) % {**facts, "url": safe_link_url(alert, target)}
        message = notify.send(to=target.phone, body=family_body, channel="sms", purpose="care.safety", related=alert)
        step.told = f"{target.name}（{target.relation}）{target.phone_masked}"
        step.channel, step.message_id = "sms", message.pk
    else:
        case = open_case(
            recipient=recipient,
            by=None,
            source=alert,
            category="safety",
            urgency="critical",
            due_minutes=case_due_minutes(),
            title=_("安全预警：%(name)s 无人应答，尚未确认安全") % {"name": recipient.resident.name},
            description=_(
                "%(when)s 无人应答；已通知责任社工和紧急联系人，仍未确认安全。"
                "请立即上门，必要时联系钥匙保管人（%(keys)s）或报警。"
            )
            % {
                "when": timezone.localtime(alert.opened_at).strftime("%m-%d %H:%M"),
                "keys": recipient.key_holder or "-",
            },
        )
        unit = case.main_unit
        if case.status == Case.Status.NEW:  # no routing rule took it: it goes to the care team's own unit
            unit = care_unit_for(recipient)
            if unit is not None:
                case_dispatch(
                    case=case,
                    unit=unit,
                    by=None,
                    note=_("安全预警无人确认，派给关爱团队所在的%(unit)s，%(minutes)s 分钟内处置。")
                    % {"unit": unit, "minutes": case_due_minutes()},
                )
        alert.case_id = case.pk
        step.told = _("诉求 %(number)s → %(unit)s（%(minutes)s 分钟内处置）") % {
            "number": case.number,
            "unit": unit or _("待派单"),
            "minutes": case_due_minutes(),
        }
        step.channel = "case"
    step.save()
    alert.steps_done = number
    alert.next_step_at = now + datetime.timedelta(minutes=step_minutes())
    alert.save(update_fields=["steps_done", "next_step_at", "case_id"])
    record(actor=None, action="care.alert.step", obj=alert, detail={"number": number, "kind": kind})
    return step


def escalation_advance(*, now: datetime.datetime | None = None) -> int:
    """Fire the next step of every open alert that is due. Called every minute by a periodic task;
    row locks keep two workers from firing the same step twice."""
    now = now or timezone.now()
    fired = 0
    due = SafetyAlert.objects.filter(status=SafetyAlert.Status.OPEN, next_step_at__lte=now).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            alert = (
                SafetyAlert.objects.select_for_update(of=("self",))
                .filter(pk=pk, status=SafetyAlert.Status.OPEN, next_step_at__lte=now)
                .select_related("recipient__resident", "recipient__worker")
                .first()
            )
            if alert is None:
                continue
            _fire_next_step(alert, now)
            fired += 1
    return fired


@transaction.atomic
def step_acknowledge(*, step: EscalationStep, by_name: str, now: datetime.datetime | None = None) -> EscalationStep:
    """Someone who was told answers ("我马上过去"): recorded; the chain goes on until safety is confirmed."""
    if step.acknowledged_at:
        raise ValidationError(_("此步骤已有人回应。"))
    step.acknowledged_by = (by_name or "").strip()[:100] or _("未署名")
    step.acknowledged_at = now or timezone.now()
    step.save(update_fields=["acknowledged_by", "acknowledged_at"])
    record(actor=None, action="care.alert.acknowledge", obj=step.alert, detail={"number": step.number})
    return step


@transaction.atomic
def alert_confirm_safe(*, alert: SafetyAlert, by: Actor, note, now: datetime.datetime | None = None) -> SafetyAlert:
    """Someone saw the person and they are safe: the chain stops and the case (if any) is closed."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("请写明由谁、如何确认老人安全。"))
    changed = SafetyAlert.objects.filter(pk=alert.pk, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.SAFE, closed_at=now, closed_by=by, closing_note=note[:300], next_step_at=None
    )
    if not changed:
        raise ValidationError(_("该预警已关闭，无需重复确认。"))
    alert.refresh_from_db()
    if alert.case_id:
        _close_case(alert.case_id, by=by, note=_("已确认安全：%(note)s") % {"note": note})
    record(actor=by, action="care.alert.safe", obj=alert, detail={"note": note})
    return alert


@transaction.atomic
def alert_confirm_safe_by_link(*, token: str, note: str = "", now: datetime.datetime | None = None) -> SafetyAlert:
    """A family member confirms from the link in their text message, without an account."""
    alert, contact = alert_for_safe_link(token)
    said = (note or "").strip()
    text = _("%(who)s（%(relation)s）通过短信链接确认安全") % {"who": contact.name, "relation": contact.relation}
    if said:
        text = f"{text}：{said}"
    return alert_confirm_safe(alert=alert, by=None, note=text, now=now)


def _close_case(case_id, *, by, note):
    """The case closes with the alert (办结), as the user guide says. Whoever confirmed may not be a handler of
    the case (a volunteer, the family through their link): the system resolves it then, with their words."""
    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return
    actor = by if by is not None and can_handle(by, case) else None
    try:
        case_resolve(case=case, by=actor, note=str(note))
        return
    except ValidationError:
        pass  # already resolved or not resolvable in its current state: leave a note instead
    case_log(case=case, by=actor, note=str(note))
