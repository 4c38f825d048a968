"""What every case action shares: the compare-and-set transition, the timeline entry, the audit entry and the
messages to the reporter and the handling unit.

Each action is keyword-only, atomic, takes the actor as ``by=`` (``org.actors``: a User, SYSTEM for tasks and other
apps' automations, RESIDENT on the public pages), writes the timeline (CaseEvent) and the audit log in the same
transaction, and tells the people concerned through ``notify``.

Concurrency: transitions are conditional updates on (pk, status, version). The caller passes the case as it saw it;
if someone else changed it in between, nothing is written and ``CaseConflict`` says so in Chinese. Views show that
message; nothing is silently overwritten."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib.workdays import working_time_between
from notify.contact import channel_of
from notify.services import send
from org.actors import Actor, actor_name, user_of
from org.models import Membership, Role, Unit, User

from .. import attachments as photo
from .. import deadlines, search
from ..errors import CaseConflict, CaseError
from ..models import (
    Attachment,
    Case,
    CaseEvent,
)
from ..routing import ancestor_paths, unit_contacts

S = Case.Status


K = CaseEvent.Kind


def _now():
    return timezone.now()


def _event_row(case, *, by, kind, note="", data=None, is_public=True, at=None) -> CaseEvent:
    return CaseEvent(
        case=case,
        at=at or _now(),
        actor=user_of(by),
        actor_name=actor_name(by),
        kind=kind,
        note=note or "",
        data=data or {},
        is_public=is_public,
    )


def _event(case, *, by, kind, note="", data=None, is_public=True, at=None) -> CaseEvent:
    event = _event_row(case, by=by, kind=kind, note=note, data=data, is_public=is_public, at=at)
    event.save()
    if note:
        _add_search_text(case, note)
    return event


def _add_search_text(case, text: str) -> None:
    have = case.search_tokens.split()
    known = set(have)
    new = [tok for tok in search.tokens(text) if tok not in known]
    if not new:
        return
    merged = f" {' '.join((have + new)[: search.MAX_TOKENS])} "
    # search_tokens is derived data: a plain update, not part of the version check
    Case.objects.filter(pk=case.pk).update(search_tokens=merged)
    case.search_tokens = merged


def _audit(case, by, verb, **detail):
    record(actor=by, action=f"cases.case.{verb}", obj=case, region=case.region, detail=detail)


def conflict_message(number, current_status) -> str:
    label = S(current_status).label if current_status else _("已删除")
    return _("诉求 %(number)s 刚刚已被其他人处理（现在是“%(status)s”），您的操作没有保存。请刷新页面后再试。") % {
        "number": number,
        "status": label,
    }


def _transition(case, *, allowed, to=None, by, kind, note="", data=None, changes=None, is_public=True) -> CaseEvent:
    """Conditional update on (pk, status, version); raises CaseConflict for the loser of a race.

    1. check the in-memory status is one the step starts from (clear message otherwise);
    2. UPDATE ... WHERE pk AND status AND version — exactly one concurrent caller matches;
    3. mirror the change on the instance and write the timeline entry.
    """
    if case.status not in allowed:
        raise CaseError(
            _("诉求 %(number)s 当前为“%(status)s”，不能执行此操作。")
            % {"number": case.number, "status": case.get_status_display()}
        )
    changes = dict(changes or {})
    if to is not None:
        changes["status"] = to
    now = _now()
    changed = Case.objects.filter(pk=case.pk, status=case.status, version=case.version).update(
        version=F("version") + 1, updated_at=now, **changes
    )
    if changed != 1:
        current = Case.objects.filter(pk=case.pk).values_list("status", flat=True).first()
        raise CaseConflict(conflict_message(case.number, current))
    for field, value in changes.items():
        setattr(case, field, value)
    case.version += 1
    case.updated_at = now
    return _event(case, by=by, kind=kind, note=note, data=data, is_public=is_public)


def _bump(case, *, by, kind, note="", data=None, changes=None, is_public=True) -> CaseEvent:
    """A change that keeps the status (deadline moves, supervision): still version-checked."""
    return _transition(
        case, allowed=(case.status,), by=by, kind=kind, note=note, data=data, changes=changes, is_public=is_public
    )


def _notify(to: str, body: str, *, purpose: str, related) -> None:
    if not to:
        return
    send(to=to, body=body, channel=channel_of(to), purpose=purpose, related=related)


def notify_reporter(case: Case, body: str, *, purpose: str = "case.update") -> None:
    """Tell the person who raised the case (and, for a master case, everyone whose duplicate was merged)."""
    phones = []
    if case.reporter_phone_encrypted:
        phones.append(case.reporter_phone)
    for dup in case.merged_cases.exclude(reporter_phone_encrypted=""):
        phones.append(dup.reporter_phone)
    for phone in dict.fromkeys(phones):
        _notify(phone, body, purpose=purpose, related=case)


def notify_unit(unit: Unit | None, body: str, *, case: Case, purpose: str = "case.unit") -> int:
    """Tell the members of a unit who have a phone or e-mail; returns how many were told."""
    if unit is None:
        return 0
    contacts = unit_contacts(unit.pk)
    for to in contacts:
        _notify(to, body, purpose=purpose, related=case)
    return len(contacts)


def supervisors_for(case: Case) -> set[User]:
    """Subdistrict staff over the case's region (the people an overdue case escalates to)."""
    paths = ancestor_paths(case.region_path)
    return {
        m.user for m in Membership.objects.filter(role__in=[Role.STAFF], region__path__in=paths).select_related("user")
    }


@transaction.atomic
def attachment_add(
    *, case: Case, file, kind: str = Attachment.Kind.INTAKE, by: Actor = None, event: CaseEvent | None = None
) -> Attachment:
    fields = photo.process(file)
    return Attachment.objects.create(case=case, kind=kind, uploaded_by=user_of(by), event=event, **fields)


def _check_unit(unit) -> None:
    if unit is None:
        raise CaseError(_("请选择主办单位。"))
    if isinstance(unit, Unit) and not unit.is_active:
        raise CaseError(_("单位“%(u)s”已停用，不能派单。") % {"u": unit})


def _unpause_changes(case, now) -> dict:
    if case.paused_at is None:
        return {}
    paused = working_time_between(case.paused_at, now)
    deadlines.shift_for_pause(case, paused)
    return {
        "paused_at": None,
        "paused_seconds": case.paused_seconds + int((now - case.paused_at).total_seconds()),
        "due_at": case.due_at,
        "warn_at": case.warn_at,
        "first_contact_due_at": case.first_contact_due_at,
    }
