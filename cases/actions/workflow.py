"""The main line of a case, from 派单 to 归档, and the dispatcher's 改分类, 合并 and 撤销. Which action may start
from which status, and who may take it, is the table in cases/workflow.py.

The workflow::

    受理(new) → 派单(dispatched) → 签收(accepted) → 先行联系(contacted) → 处理中(in_progress)
      → 办结(resolved) → 回访(visited: 满意/基本满意/不满意) → 归档(archived)
    不满意 → 重办 (back to the same unit, dispatched, shorter deadline)
    合并 (merged);  撤销 (cancelled);  退单/改派/延期/复杂: cases.actions.requests;  督办: cases.actions.supervision
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from lib.workdays import add_working_time
from org.actors import RESIDENT, Actor, user_of
from org.models import Unit

from .. import deadlines

# cycle: cases.workflow (the step table) calls these actions; they read their from-states from it when called
from .. import workflow as steps
from ..errors import CaseError
from ..models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    Satisfaction,
)
from ..permissions import _require, can_accept, can_dispatch, can_handle
from ..routing import find_routing_rule, resolve_category
from .base import (
    K,
    S,
    _add_search_text,
    _audit,
    _bump,
    _check_unit,
    _event,
    _notify,
    _now,
    _transition,
    _unpause_changes,
    attachment_add,
    notify_reporter,
    notify_unit,
)
from .tracking import tracking_url


@transaction.atomic
def case_categorize(*, case: Case, category: Category, by: Actor, note: str = "") -> Case:
    """改分类: the dispatcher (or insight's suggestion, see insight.services) sets another category
    on an open case. The suggested unit follows the new category's routing rule; deadlines stay as
    set at intake. Written as an internal timeline entry with the old and new category."""
    _require(can_dispatch(by, case))
    category = resolve_category(category)
    if category.pk == case.category_id:
        return case
    if not case.is_open:
        raise CaseError(_("诉求已经结束，不能再改分类。"))
    old = case.category
    rule = find_routing_rule(category, case.region)
    change = _("分类由“%(a)s”改为“%(b)s”。") % {"a": old.name, "b": category.name}
    _bump(
        case,
        by=by,
        kind=K.NOTE,
        note=f"{note} {change}".strip(),
        data={"category_from": old.code, "category_to": category.code},
        changes={"category": category, "suggested_unit": rule.main_unit if rule else None},
        is_public=False,
    )
    _audit(case, by, "categorize", category=category.code, previous=old.code)
    return case


@transaction.atomic
def case_log(
    *, case: Case, by: Actor, note: str, kind: str = "note", data: dict | None = None, is_public: bool = True
) -> CaseEvent:
    """Append a timeline entry without changing the status (e.g. "资源已批准")."""
    note = (note or "").strip()
    if not note and kind == K.NOTE:
        raise CaseError(_("请填写办理记录内容。"))
    event = _event(case, by=by, kind=kind, note=note, data=data, is_public=is_public)
    _audit(case, by, "log", kind=kind)
    return event


@transaction.atomic
def case_dispatch(*, case: Case, unit: Unit, by: Actor, co_units: Iterable[Unit] = (), note: str = "") -> Case:
    """派单: give a waiting case to a main unit (and co-units). (A routing rule's dispatch at intake is written
    by cases.actions.intake with the case itself.)"""
    _require(can_dispatch(by, case))
    _check_unit(unit)
    co_units = [u for u in co_units if u.pk != unit.pk]
    _transition(
        case,
        allowed=steps.from_states("dispatch"),
        to=S.DISPATCHED,
        by=by,
        kind=K.DISPATCHED,
        note=note or _("派给%(unit)s。") % {"unit": unit},
        data={"unit": unit.pk, "unit_name": unit.name, "co_units": [u.name for u in co_units]},
        changes={"main_unit": unit, "dispatched_at": _now()},
    )
    case.co_units.set(co_units)
    _audit(case, by, "dispatch", unit=unit.name)
    notify_unit(
        unit,
        _("【民呼】新派单 %(number)s：%(title)s，请及时签收。") % {"number": case.number, "title": case.title},
        case=case,
    )
    return case


@transaction.atomic
def case_accept(*, case: Case, by: Actor, note: str = "") -> Case:
    """签收: the main unit takes the case — only its own members (or the system), not a dispatcher above it."""
    _require(can_accept(by, case))
    _transition(
        case,
        allowed=steps.from_states("accept"),
        to=S.ACCEPTED,
        by=by,
        kind=K.ACCEPTED,
        note=note,
        changes={"accepted_at": _now()},
    )
    _audit(case, by, "accept")
    return case


@transaction.atomic
def case_contact(*, case: Case, by: Actor, note: str) -> Case:
    """先行联系: the handler has reached the resident (counts for the response rate)."""
    _require(can_handle(by, case))
    if not (note or "").strip():
        raise CaseError(_("请记录先行联系的情况（如电话联系了谁、约定了什么）。"))
    now = _now()
    changes = {"first_contacted_at": now}
    if case.accepted_at is None:
        changes["accepted_at"] = now
    _transition(
        case, allowed=steps.from_states("contact"), to=S.CONTACTED, by=by, kind=K.CONTACTED, note=note, changes=changes
    )
    _audit(case, by, "contact")
    return case


@transaction.atomic
def case_start(*, case: Case, by: Actor, note: str = "") -> Case:
    """处理中."""
    _require(can_handle(by, case))
    changes = {}
    if case.accepted_at is None:
        changes["accepted_at"] = _now()
    _transition(
        case,
        allowed=steps.from_states("start"),
        to=S.IN_PROGRESS,
        by=by,
        kind=K.STARTED,
        note=note,
        changes=changes,
    )
    _audit(case, by, "start")
    return case


@transaction.atomic
def case_resolve(*, case: Case, by: Actor, note: str, before_photos=(), after_photos=()) -> Case:
    """办结 with the result and optional before/after photos; the resident is asked for a verdict."""
    _require(can_handle(by, case))
    note = (note or "").strip()
    if not note:
        raise CaseError(_("请填写办理结果。"))
    now = _now()
    changes = {"resolved_at": now, "resolution": note, **_unpause_changes(case, now)}
    if case.accepted_at is None:
        changes["accepted_at"] = now
    if case.first_contacted_at is None:
        # the answer itself reaches the resident: it is the first response (docs/cases-metrics.md)
        changes["first_contacted_at"] = now
    event = _transition(
        case,
        allowed=steps.from_states("resolve"),
        to=S.RESOLVED,
        by=by,
        kind=K.RESOLVED,
        note=note,
        changes=changes,
    )
    for upload in before_photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.BEFORE, by=by, event=event)
    for upload in after_photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.AFTER, by=by, event=event)
    _audit(case, by, "resolve")
    notify_reporter(
        case,
        _("【民呼】您的诉求 %(number)s 已办结：%(note)s 请对办理结果进行评价：%(url)s")
        % {"number": case.number, "note": note[:60], "url": tracking_url(case)},
        purpose="case.resolved",
    )
    return case


@transaction.atomic
def case_pause(*, case: Case, by: Actor, reason: str) -> Case:
    """Stop the clock while waiting on the resident (补充材料, 约定时间)."""
    _require(can_handle(by, case))
    if case.paused_at is not None:
        raise CaseError(_("计时已经暂停。"))
    if not (reason or "").strip():
        raise CaseError(_("请说明暂停计时的原因（等待居民什么）。"))
    _transition(
        case, allowed=steps.from_states("pause"), by=by, kind=K.PAUSED, note=reason, changes={"paused_at": _now()}
    )
    _audit(case, by, "pause")
    return case


@transaction.atomic
def case_resume(*, case: Case, by: Actor, note: str = "") -> Case:
    if case.paused_at is None:
        raise CaseError(_("计时没有暂停。"))
    _transition(
        case,
        allowed=steps.from_states("resume"),
        by=by,
        kind=K.RESUMED,
        note=note,
        changes=_unpause_changes(case, _now()),
    )
    _audit(case, by, "resume")
    return case


@transaction.atomic
def case_visit(
    *, case: Case, by: Actor, verdict: str, note: str = "", channel: str = Satisfaction.Channel.PHONE
) -> Case:
    """回访: record the resident's verdict. 不满意 sends the case back to the same unit (重办)."""
    if by is not RESIDENT:
        _require(can_handle(by, case))
    if verdict not in (Case.Verdict.SATISFIED, Case.Verdict.BASIC, Case.Verdict.UNSATISFIED):
        raise CaseError(_("请选择满意、基本满意或不满意。"))
    if verdict == Case.Verdict.UNSATISFIED and not (note or "").strip():
        raise CaseError(_("请记下居民不满意的原因，重办时要交给承办单位。"))
    round_no = case.satisfactions.count() + 1
    now = _now()
    _transition(
        case,
        allowed=steps.from_states("visit"),
        to=S.VISITED,
        by=by,
        kind=K.VISITED,
        note=note,
        data={"verdict": verdict, "channel": channel},
        changes={"verdict": verdict, "visited_at": now},
    )
    Satisfaction.objects.create(
        case=case,
        round=round_no,
        verdict=verdict,
        note=note or "",
        channel=channel,
        at=now,
        recorded_by=user_of(by),
    )
    _audit(case, by, "visit", verdict=verdict)
    if verdict == Case.Verdict.UNSATISFIED:
        case_rehandle(case=case, by=by, note=note)
    return case


@transaction.atomic
def case_rehandle(*, case: Case, by: Actor, note: str) -> Case:
    """重办: back to the same main unit with the category's shorter re-handling deadline; the
    resident's words go to the handler."""
    if user_of(by) is not None:  # a resident's verdict, or the system's, reopens it without a staff check
        _require(can_handle(by, case))
    if case.main_unit_id is None:
        raise CaseError(_("这件诉求没有主办单位，无法重办，请重新派单。"))
    now = _now()
    due = add_working_time(now, days=case.category.rehandle_days)
    changes = {
        "resolved_at": None,
        "visited_at": None,
        "verdict": "",
        "rehandle_count": case.rehandle_count + 1,
        "dispatched_at": now,
        "accepted_at": None,
    }
    probe = Case(due_at=None)
    changes.update({f: getattr(probe, f) for f in deadlines.set_deadline(probe, start=now, due=due)})
    _transition(
        case,
        allowed=(S.VISITED, S.RESOLVED),
        to=S.DISPATCHED,
        by=by,
        kind=K.REHANDLED,
        note=note,
        data={"round": case.rehandle_count + 1, "due_at": due.isoformat()},
        changes=changes,
    )
    _audit(case, by, "rehandle")
    notify_unit(
        case.main_unit,
        _("【民呼】诉求 %(number)s 居民不满意，需重办（%(days)d 个工作日内）。居民意见：%(note)s")
        % {"number": case.number, "days": case.category.rehandle_days, "note": (note or "")[:80]},
        case=case,
        purpose="case.rehandle",
    )
    return case


@transaction.atomic
def case_archive(*, case: Case, by: Actor, note: str = "") -> Case:
    """归档. A case archived without the resident's verdict is marked 未回访, never 满意."""
    _require(can_dispatch(by, case))
    changes = {"closed_at": _now()}
    if not case.verdict:
        changes["verdict"] = Case.Verdict.NOT_VISITED
    _transition(
        case, allowed=steps.from_states("archive"), to=S.ARCHIVED, by=by, kind=K.ARCHIVED, note=note, changes=changes
    )
    _audit(case, by, "archive", verdict=case.verdict)
    return case


@transaction.atomic
def case_merge(*, case: Case, into: Case, by: Actor, note: str = "") -> Case:
    """合并: a duplicate joins its master case; its reporter is told now and at every later update
    of the master (notify_reporter reaches merged reporters)."""
    _require(can_dispatch(by, case))
    if case.pk == into.pk:
        raise CaseError(_("不能把诉求合并到它自己。"))
    if into.status in (S.CANCELLED, S.MERGED):
        raise CaseError(_("主诉求 %(number)s 已撤销或已合并，请选择其他诉求。") % {"number": into.number})
    if into.merged_into_id:
        raise CaseError(_("主诉求本身已被合并。"))
    _transition(
        case,
        allowed=steps.from_states("merge"),
        to=S.MERGED,
        by=by,
        kind=K.MERGED,
        note=note or _("与 %(number)s 为同一诉求，已合并办理。") % {"number": into.number},
        data={"into": into.pk, "into_number": into.number},
        changes={"merged_into": into, "closed_at": _now()},
    )
    case.merged_cases.update(merged_into=into)  # earlier duplicates follow the master too
    _event(
        into,
        by=by,
        kind=K.MERGED,
        note=_("并入重复诉求 %(number)s（反映人：%(name)s）。")
        % {"number": case.number, "name": case.reporter_name or _("匿名")},
        data={"from": case.pk},
    )
    _add_search_text(into, f"{case.title} {case.description}")
    if case.reporter_phone_encrypted:
        _notify(
            case.reporter_phone,
            _("【民呼】您反映的诉求 %(number)s 与 %(master)s 为同一事项，已合并办理，进展会继续通知您。")
            % {"number": case.number, "master": into.number},
            purpose="case.merged",
            related=case,
        )
    _audit(case, by, "merge", into=into.number)
    return case


@transaction.atomic
def case_cancel(*, case: Case, by: Actor, reason: str) -> Case:
    """撤销 (resident withdrew, invalid, or out of scope), with a reason the reporter is told."""
    _require(can_dispatch(by, case))
    if not (reason or "").strip():
        raise CaseError(_("请说明撤销原因。"))
    _transition(
        case,
        allowed=steps.from_states("cancel"),
        to=S.CANCELLED,
        by=by,
        kind=K.CANCELLED,
        note=reason,
        changes={"closed_at": _now()},
    )
    _audit(case, by, "cancel")
    notify_reporter(
        case,
        _("【民呼】您的诉求 %(number)s 已撤销：%(reason)s") % {"number": case.number, "reason": reason},
        purpose="case.cancelled",
    )
    return case


@transaction.atomic
def case_add_info(*, case: Case, note: str, by: Actor = None, photos=(), data: dict | None = None) -> CaseEvent:
    """居民补充: more information (and photos) from the resident; a paused clock restarts.
    ``data`` is kept on the timeline entry (Open311 keeps the partner's update_id there)."""
    note = (note or "").strip()
    if not note and not photos:
        raise CaseError(_("请填写补充内容或上传照片。"))
    if case.status in (S.ARCHIVED, S.CANCELLED, S.MERGED):
        raise CaseError(_("诉求已结束，不能再补充。如有新情况请重新反映。"))
    if case.paused_at is not None and case.status in Case.HANDLING_STATUSES:
        case_resume(case=case, by=by, note=_("居民已补充信息，恢复计时。"))
    event = _event(case, by=by, kind=K.INFO_ADDED, note=note, data=data)
    for upload in photos or ():
        attachment_add(case=case, file=upload, kind=Attachment.Kind.INFO, by=by, event=event)
    _audit(case, by, "add_info")
    return event
