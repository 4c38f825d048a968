"""The exceptional paths a handling unit asks for and a dispatcher decides: 退单 (return), 延期 (extension),
复杂诉求 (complex), and the dispatcher's 改派 (reassign)."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from lib.workdays import add_working_time
from org.actors import Actor, user_of
from org.models import Unit

from .. import deadlines

# cycle: cases.workflow (the step table) calls these actions; they read their from-states from it when called
from .. import workflow as steps
from ..errors import CaseConflict, CaseError
from ..models import (
    Case,
    CaseRequest,
)
from ..permissions import _require, can_dispatch, can_handle
from .base import K, S, _audit, _bump, _check_unit, _now, _transition, _unpause_changes, notify_unit


def _claim_request(request, *, by, approve: bool, note: str) -> None:
    changed = CaseRequest.objects.filter(pk=request.pk, state=CaseRequest.State.PENDING).update(
        state=CaseRequest.State.APPROVED if approve else CaseRequest.State.REJECTED,
        decided_by=user_of(by),
        decided_at=_now(),
        decision_note=note or "",
    )
    if changed != 1:
        raise CaseConflict(_("这条申请已经被其他人审核过了，请刷新页面。"))
    request.refresh_from_db()


@transaction.atomic
def case_request_return(*, case: Case, by: Actor, reason_code: str, reason: str) -> CaseRequest:
    """退单: the unit says the case is not theirs, with a standard reason."""
    _require(can_handle(by, case))
    if case.status not in steps.from_states("return"):
        raise CaseError(_("只有派单后、办结前的诉求可以申请退单。"))
    if reason_code not in CaseRequest.ReturnReason.values:
        raise CaseError(_("请选择退单原因。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明退单理由。"))
    if case.requests.filter(kind=CaseRequest.Kind.RETURN, state=CaseRequest.State.PENDING).exists():
        raise CaseError(_("该诉求已有退单申请在等待审核。"))
    request = CaseRequest.objects.create(
        case=case,
        kind=CaseRequest.Kind.RETURN,
        reason_code=reason_code,
        reason=reason,
        unit=case.main_unit,
        requested_by=user_of(by),
    )
    _bump(
        case,
        by=by,
        kind=K.RETURN_REQUESTED,
        note=f"{request.get_reason_code_display()}：{reason}",
        data={"request": request.pk},
        is_public=False,
    )
    _audit(case, by, "return_request", reason=reason_code)
    return request


@transaction.atomic
def case_return_decide(*, request: CaseRequest, by: Actor, approve: bool, note: str = "") -> Case:
    """The dispatcher approves a return (the case goes back to the inbox, 待派单) or rejects it
    (the unit keeps the case)."""
    case = request.case
    _require(can_dispatch(by, case))
    if request.kind != CaseRequest.Kind.RETURN:
        raise CaseError(_("这不是退单申请。"))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回退单时请写明理由，承办单位会看到。"))
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        _transition(
            case,
            allowed=steps.from_states("return"),  # the request was made from these
            to=S.NEW,
            by=by,
            kind=K.RETURN_APPROVED,
            note=note,
            data={"unit": request.unit.name if request.unit else ""},
            changes={"main_unit": None, "dispatched_at": None, "accepted_at": None, **_unpause_changes(case, _now())},
            is_public=False,
        )
        case.co_units.clear()
    else:
        _bump(case, by=by, kind=K.RETURN_REJECTED, note=note, is_public=False)
        notify_unit(
            request.unit,
            _("【民呼】诉求 %(number)s 的退单申请被驳回：%(note)s") % {"number": case.number, "note": note},
            case=case,
        )
    _audit(case, by, "return_" + ("approve" if approve else "reject"))
    return case


@transaction.atomic
def case_reassign(*, case: Case, unit: Unit, by: Actor, co_units: Iterable[Unit] = (), note: str) -> Case:
    """改派: move a case being handled to another unit (pending return requests are settled)."""
    _require(can_dispatch(by, case))
    _check_unit(unit)
    if not (note or "").strip():
        raise CaseError(_("请说明改派理由。"))
    if unit.pk == case.main_unit_id:
        raise CaseError(_("新单位与当前主办单位相同。"))
    old = case.main_unit
    for pending in case.requests.filter(kind=CaseRequest.Kind.RETURN, state=CaseRequest.State.PENDING):
        _claim_request(pending, by=by, approve=True, note=_("已改派。"))
    co_units = [u for u in co_units if u.pk != unit.pk]
    _transition(
        case,
        allowed=steps.from_states("reassign"),
        to=S.DISPATCHED,
        by=by,
        kind=K.REASSIGNED,
        note=note,
        data={"from": old.name if old else "", "to": unit.name},
        changes={"main_unit": unit, "dispatched_at": _now(), "accepted_at": None},
    )
    case.co_units.set(co_units)
    _audit(case, by, "reassign", to=unit.name)
    notify_unit(
        unit,
        _("【民呼】改派 %(number)s：%(title)s，请及时签收。") % {"number": case.number, "title": case.title},
        case=case,
    )
    return case


@transaction.atomic
def case_request_extension(*, case: Case, by: Actor, days: int, reason: str) -> CaseRequest:
    """延期 request with a reason; the dispatcher decides."""
    _require(can_handle(by, case))
    if case.status not in steps.from_states("extension"):
        raise CaseError(_("只有办理中的诉求可以申请延期。"))
    try:
        days = int(days)
    except (TypeError, ValueError):
        raise CaseError(_("请填写延期的工作日数。"))
    if not 1 <= days <= 30:
        raise CaseError(_("延期天数应在 1 到 30 个工作日之间。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明延期理由。"))
    if case.requests.filter(kind=CaseRequest.Kind.EXTENSION, state=CaseRequest.State.PENDING).exists():
        raise CaseError(_("该诉求已有延期申请在等待审核。"))
    request = CaseRequest.objects.create(
        case=case,
        kind=CaseRequest.Kind.EXTENSION,
        reason=reason,
        days=days,
        unit=case.main_unit,
        requested_by=user_of(by),
    )
    _bump(
        case,
        by=by,
        kind=K.EXTENSION_REQUESTED,
        note=reason,
        data={"days": days, "request": request.pk},
        is_public=False,
    )
    _audit(case, by, "extension_request", days=days)
    return request


@transaction.atomic
def case_extension_decide(
    *, request: CaseRequest, by: Actor, approve: bool, note: str = "", days: int | None = None
) -> Case:
    case = request.case
    _require(can_dispatch(by, case))
    if request.kind != CaseRequest.Kind.EXTENSION:
        raise CaseError(_("这不是延期申请。"))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回延期时请写明理由。"))
    days = int(days or request.days or 0)
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        due = add_working_time(case.due_at or _now(), days=days)
        probe = Case()
        changes = {f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=_now(), due=due)}
        _bump(
            case,
            by=by,
            kind=K.EXTENSION_APPROVED,
            note=note,
            data={"days": days, "due_at": due.isoformat()},
            changes=changes,
        )
    else:
        _bump(case, by=by, kind=K.EXTENSION_REJECTED, note=note, is_public=False)
    _audit(case, by, "extension_" + ("approve" if approve else "reject"), days=days)
    return case


@transaction.atomic
def case_request_complex(*, case: Case, by: Actor, reason: str) -> CaseRequest:
    """Ask that a case be treated as complex (复杂诉求: the category's complex deadline, 15 days)."""
    _require(can_handle(by, case))
    if case.is_complex:
        raise CaseError(_("这件诉求已认定为复杂诉求。"))
    if case.status not in steps.from_states("complex"):
        raise CaseError(_("只有办理中的诉求可以申请认定为复杂诉求。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明为何属于复杂诉求。"))
    request = CaseRequest.objects.create(
        case=case, kind=CaseRequest.Kind.COMPLEX, reason=reason, unit=case.main_unit, requested_by=user_of(by)
    )
    _audit(case, by, "complex_request")
    return request


@transaction.atomic
def case_complex_decide(*, request: CaseRequest, by: Actor, approve: bool, note: str = "") -> Case:
    case = request.case
    _require(can_dispatch(by, case))
    if not approve and not (note or "").strip():
        raise CaseError(_("驳回时请写明理由。"))
    _claim_request(request, by=by, approve=approve, note=note)
    if approve:
        start = case.dispatched_at or case.created_at
        due = add_working_time(start, days=case.category.complex_days)
        if case.paused_seconds:
            due = add_working_time(due, minutes=case.paused_seconds // 60)
        probe = Case()
        changes = {f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=start, due=due)}
        changes["is_complex"] = True
        _bump(case, by=by, kind=K.COMPLEX_APPROVED, note=note, data={"due_at": due.isoformat()}, changes=changes)
    _audit(case, by, "complex_" + ("approve" if approve else "reject"))
    return case
