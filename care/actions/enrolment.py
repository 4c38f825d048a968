"""Enrolment: a resident becomes a care recipient with their consent, their facts and emergency contacts (in the
order they are to be called), and leaves the service again (moved, in a home, death)."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from org.actors import Actor, user_of
from people.models import Resident

from ..models import CareRecipient, Delivery, EmergencyContact, MealSubscription, SafetyAlert, VisitPlan

# What staff may edit on a recipient's page; status, end reason and dates change only through
# meals.pause_add / meals.pause_end / recipient_end.
RECIPIENT_FIELDS = (
    "living",
    "mobility",
    "care_level",
    "low_salt",
    "low_sugar",
    "soft",
    "liquid",
    "halal",
    "allergies",
    "key_holder",
    "door_note",
    "worker",
    "consent",
    "consent_date",
    "note",
)


def _check_fields(fields) -> None:
    unknown = sorted(set(fields) - set(RECIPIENT_FIELDS))
    if unknown:
        raise TypeError(f"not editable on a care recipient: {', '.join(unknown)}")


@transaction.atomic
def recipient_create(
    *, resident: Resident, by: Actor, contacts: Iterable[tuple[str, str, str]] = (), **fields
) -> CareRecipient:
    """Enrol a resident, with their consent. The region is the resident's, never typed in.
    ``contacts``: (name, relation, phone) in the order they are to be called."""
    _check_fields(fields)
    if not fields.get("consent"):
        raise ValidationError(_("须经本人（或监护人）同意后才能纳入关爱服务。"))
    if CareRecipient.objects.filter(resident=resident).exists():
        raise ValidationError(_("该居民已是关爱对象。"))
    recipient = CareRecipient(resident=resident, region=resident.region, **fields)
    recipient.full_clean(exclude=["resident", "region"])
    recipient.save()
    for order, (name, relation, phone) in enumerate(contacts, start=1):
        contact_add(recipient=recipient, name=name, relation=relation, phone=phone, order=order, by=by)
    record(actor=by, action="care.recipient.create", obj=recipient)
    return recipient


@transaction.atomic
def recipient_update(*, recipient: CareRecipient, by: Actor, **fields: Any) -> CareRecipient:
    """Change the recipient's facts (diet, mobility, key holder, responsible worker …).
    Only the fields that differ are written; the audit entry names them."""
    _check_fields(fields)
    current = CareRecipient.objects.select_for_update().get(pk=recipient.pk)
    if current.status == CareRecipient.Status.ENDED:
        raise ValidationError(_("该关爱对象的服务已结束，不能修改。"))
    if "consent" in fields and not fields["consent"]:
        raise ValidationError(_("本人不再同意接受服务时，请“结束服务”并选择“本人不再需要”。"))
    changed = sorted(name for name, value in fields.items() if getattr(current, name) != value)
    for name in changed:
        setattr(current, name, fields[name])
    if changed:
        current.full_clean(exclude=["resident", "region"])
        current.save(update_fields=changed)
        record(actor=by, action="care.recipient.update", obj=current, detail={"fields": changed})
    for name in RECIPIENT_FIELDS:
        setattr(recipient, name, getattr(current, name))
    return current


@transaction.atomic
def contact_add(
    *, recipient: CareRecipient, name: str, relation: str, phone: str, by: Actor, order: int | None = None
) -> EmergencyContact:
    if not (name or "").strip() or not (phone or "").strip():
        raise ValidationError(_("紧急联系人须填写姓名和电话。"))
    if order is None:
        order = (recipient.contacts.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    contact = EmergencyContact(recipient=recipient, name=name.strip(), relation=relation.strip(), order=order)
    contact.set_phone(phone)
    contact.save()
    record(actor=by, action="care.contact.add", obj=recipient, detail={"order": order})
    return contact


@transaction.atomic
def contact_update(
    *, contact: EmergencyContact, by: Actor, name: str, relation: str, phone: str = ""
) -> EmergencyContact:
    """Correct a contact; an empty ``phone`` keeps the stored number (the page shows it masked only)."""
    if not (name or "").strip():
        raise ValidationError(_("紧急联系人须填写姓名。"))
    contact = EmergencyContact.objects.select_for_update().get(pk=contact.pk)
    contact.name, contact.relation = name.strip(), (relation or "").strip()
    fields = ["name", "relation"]
    if (phone or "").strip():
        contact.set_phone(phone)
        fields += ["phone_encrypted", "phone_masked"]
    contact.save(update_fields=fields)
    record(
        actor=by,
        action="care.contact.update",
        obj=contact.recipient,
        detail={"order": contact.order, "phone_changed": "phone_masked" in fields},
    )
    return contact


@transaction.atomic
def contact_remove(*, contact: EmergencyContact, by: Actor) -> None:
    """Remove a contact; the others keep their order, renumbered 1, 2, …"""
    recipient = contact.recipient
    EmergencyContact.objects.filter(pk=contact.pk).delete()
    _renumber(list(recipient.contacts.order_by("order", "id")))
    record(actor=by, action="care.contact.remove", obj=recipient, detail={"name": contact.name})


@transaction.atomic
def contact_move(*, contact: EmergencyContact, by: Actor, up: bool) -> None:
    """Call this contact one place earlier (``up``) or later in the escalation chain."""
    recipient = contact.recipient
    ordered = list(EmergencyContact.objects.select_for_update().filter(recipient=recipient).order_by("order", "id"))
    at = next(i for i, c in enumerate(ordered) if c.pk == contact.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(ordered):
        return
    ordered[at], ordered[other] = ordered[other], ordered[at]
    _renumber(ordered)
    record(
        actor=by,
        action="care.contact.reorder",
        obj=recipient,
        detail={"order": [c.name for c in ordered]},
    )


def _renumber(ordered) -> None:
    for number, c in enumerate(ordered, start=1):
        if c.order != number:
            EmergencyContact.objects.filter(pk=c.pk).update(order=number)
            c.order = number


@transaction.atomic
def recipient_end(
    *,
    recipient: CareRecipient,
    reason: str,
    on: datetime.date,
    by: Actor,
    note: str = "",
    now: datetime.datetime | None = None,
) -> CareRecipient:
    """End the service (moved, in a home, or death). Stops everything at once: meals from ``on``,
    today's undelivered stops, visit plans and any running safety escalation."""
    now = now or timezone.now()
    if reason not in CareRecipient.EndReason.values:
        raise ValidationError(_("请选择结束原因。"))
    updated = CareRecipient.objects.filter(pk=recipient.pk).exclude(status=CareRecipient.Status.ENDED)
    if not updated.update(status=CareRecipient.Status.ENDED, end_reason=reason, ended_on=on):
        raise ValidationError(_("该关爱对象的服务已结束。"))
    recipient.refresh_from_db()
    label = recipient.get_end_reason_display()
    MealSubscription.objects.filter(recipient=recipient).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=on)).update(
        ends_on=on
    )
    # Today's stop stays on the volunteer's list, marked cancelled, so nobody knocks in vain.
    today = timezone.localdate(now)
    Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__lte=today).update(
        state=Delivery.State.CANCELLED, note=_("服务已结束：%(reason)s") % {"reason": label}
    )
    Delivery.objects.filter(recipient=recipient, state=Delivery.State.PENDING, round__date__gt=today).delete()
    VisitPlan.objects.filter(recipient=recipient, is_active=True).update(is_active=False)
    SafetyAlert.objects.filter(recipient=recipient, status=SafetyAlert.Status.OPEN).update(
        status=SafetyAlert.Status.CLOSED,
        closed_at=now,
        closed_by=user_of(by),
        closing_note=_("服务已结束：%(reason)s") % {"reason": label},
        next_step_at=None,
    )
    record(actor=by, action="care.recipient.end", obj=recipient, detail={"reason": reason, "on": str(on), "note": note})
    return recipient
