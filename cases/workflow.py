"""The case workflow, defined once: every step a person takes on the case page, as one row of ``STEPS``.

A row says the step's name (the URL and the form's id prefix), its label, its form, the statuses it starts from,
who may take it (a ``cases.permissions`` check), and how the form's data calls the action. Three readers:
1. the actions (``cases.actions.*``) take their allowed statuses from here (``from_states``), so a step refused on
   the page is refused to the API and to other apps too;
2. the case page offers exactly the steps ``offered(user, case)`` gives: the first step of the main line as the one
   primary button, the rest under "更多";
3. a POST to ``/cases/<pk>/act/<name>/`` goes through ``perform``: the same checks, then the row's action.

The main line (``main=True``), in order::

    派单 → 签收 → 先行联系 → 开始处理 → 办结 → 回访 → 归档

Around it: 记录进展, 暂停/恢复计时, 退单/延期/复杂 requests, 改派, 督办, 方案征询, 合并, 撤销.
Steps that no person takes from the page (重办 after an unsatisfied verdict, the sweeps, intake) are not rows;
their actions state their own statuses.

Cycle: ``cases.actions`` modules read ``from_states`` from this module, and this module's ``run`` functions call
those actions; both sides only look the other up when called, so either may be imported first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import forms
from .actions import consent, requests, supervision
from .actions import workflow as handling
from .errors import CaseError
from .models import Case
from .permissions import can_accept, can_dispatch, can_handle, can_supervise

S = Case.Status
OPEN = Case.OPEN_STATUSES
HANDLING = Case.HANDLING_STATUSES
CLOCK = Case.CLOCK_STATUSES


# who may take a step: any one of these checks (cases.permissions) passing
DISPATCHER = (can_dispatch,)
HANDLER = (can_handle,)
ACCEPTER = (can_accept,)
SUPERVISOR = (can_supervise,)
HANDLER_OR_SUPERVISOR = (can_handle, can_supervise)
CHECKS = (can_dispatch, can_accept, can_handle, can_supervise)


def _merge(case, by, d, files):
    into = Case.objects.visible_to(by).filter(number=d["into"].strip().upper()).first()
    if into is None:
        raise CaseError(_("找不到编号为 %(n)s 的诉求。") % {"n": d["into"]})
    return handling.case_merge(case=case, into=into, by=by, note=d["note"])


@dataclass(frozen=True)
class Step:
    name: str
    label: str | Promise
    form: type
    from_states: tuple
    may: tuple  # checks (user, case) -> bool; any one passing lets the person take the step
    run: Callable  # (case, by, cleaned_data, files) -> the action's result
    main: bool = False  # on the main line: the first one offered is the page's primary button
    danger: bool = False
    when: Callable = field(default=lambda case: True)  # a condition beyond the status (the clock paused or not)

    def allows(self, case) -> bool:
        return case.status in self.from_states and self.when(case)

    def form_for(self, case, *args, **kwargs):
        """The step's form, its element ids prefixed by the step's name (the page holds many forms)."""
        if self.form in (forms.DispatchForm, forms.ReassignForm):
            kwargs["case"] = case
        return self.form(*args, auto_id=f"id_{self.name}_%s", **kwargs)


L = gettext_lazy


def _steps() -> dict[str, Step]:
    # A function, not a module-level literal, only so that the type checker can wait for the actions' types: this
    # module and cases.actions import each other.
    return {
        s.name: s
        for s in [
            Step("dispatch", L("派单"), forms.DispatchForm, (S.NEW,), DISPATCHER, main=True,
                 run=lambda case, by, d, files: handling.case_dispatch(
                     case=case, unit=d["unit"], co_units=list(d["co_units"]), by=by, note=d["note"])),
            Step("accept", L("签收"), forms.NoteForm, (S.DISPATCHED,), ACCEPTER, main=True,
                 run=lambda case, by, d, files: handling.case_accept(case=case, by=by, note=d["note"])),
            Step("contact", L("先行联系"), forms.RequiredNoteForm, (S.DISPATCHED, S.ACCEPTED), HANDLER, main=True,
                 run=lambda case, by, d, files: handling.case_contact(case=case, by=by, note=d["note"])),
            Step("start", L("开始处理"), forms.NoteForm, (S.DISPATCHED, S.ACCEPTED, S.CONTACTED), HANDLER, main=True,
                 run=lambda case, by, d, files: handling.case_start(case=case, by=by, note=d["note"])),
            Step("resolve", L("办结"), forms.ResolveForm, HANDLING, HANDLER, main=True,
                 run=lambda case, by, d, files: handling.case_resolve(
                     case=case, by=by, note=d["note"], before_photos=files.getlist("before_photos"),
                     after_photos=files.getlist("after_photos"))),
            Step("visit", L("回访"), forms.VisitForm, (S.RESOLVED,), HANDLER, main=True,
                 run=lambda case, by, d, files: handling.case_visit(
                     case=case, by=by, verdict=d["verdict"], note=d["note"], channel=d["channel"])),
            Step("archive", L("归档"), forms.NoteForm, (S.RESOLVED, S.VISITED), DISPATCHER, main=True,
                 run=lambda case, by, d, files: handling.case_archive(case=case, by=by, note=d["note"])),
            Step("log", L("记录进展"), forms.RequiredNoteForm, OPEN, HANDLER_OR_SUPERVISOR,
                 run=lambda case, by, d, files: handling.case_log(case=case, by=by, note=d["note"])),
            Step("pause", L("暂停计时（等待居民）"), forms.RequiredNoteForm, HANDLING, HANDLER,
                 when=lambda case: case.paused_at is None,
                 run=lambda case, by, d, files: handling.case_pause(case=case, by=by, reason=d["note"])),
            Step("resume", L("恢复计时"), forms.NoteForm, HANDLING, HANDLER,
                 when=lambda case: case.paused_at is not None,
                 run=lambda case, by, d, files: handling.case_resume(case=case, by=by, note=d["note"])),
            Step("return", L("申请退单"), forms.ReturnForm, HANDLING, HANDLER,
                 run=lambda case, by, d, files: requests.case_request_return(
                     case=case, by=by, reason_code=d["reason_code"], reason=d["reason"])),
            Step("extension", L("申请延期"), forms.ExtensionForm, CLOCK, HANDLER,
                 run=lambda case, by, d, files: requests.case_request_extension(
                     case=case, by=by, days=d["days"], reason=d["reason"])),
            Step("complex", L("申请认定复杂诉求"), forms.ComplexForm, CLOCK, HANDLER,
                 when=lambda case: not case.is_complex,
                 run=lambda case, by, d, files: requests.case_request_complex(case=case, by=by, reason=d["reason"])),
            Step("reassign", L("改派"), forms.ReassignForm, (S.NEW, *HANDLING), DISPATCHER,
                 run=lambda case, by, d, files: requests.case_reassign(
                     case=case, unit=d["unit"], co_units=list(d["co_units"]), by=by, note=d["note"])),
            Step("supervise", L("督办"), forms.RequiredNoteForm, OPEN, SUPERVISOR,
                 run=lambda case, by, d, files: supervision.case_supervise(case=case, by=by, note=d["note"])),
            Step("consent", L("发起方案征询"), forms.ConsentRoundForm, OPEN, HANDLER,
                 run=lambda case, by, d, files: consent.consent_round_open(
                     case=case, by=by, title=d["title"], description=d["description"])),
            Step("merge", L("合并到其他诉求"), forms.MergeForm, OPEN, DISPATCHER, danger=True, run=_merge),
            Step("cancel", L("撤销"), forms.RequiredNoteForm, OPEN, DISPATCHER, danger=True,
                 run=lambda case, by, d, files: handling.case_cancel(case=case, by=by, reason=d["note"])),
        ]
    }  # fmt: skip


STEPS: dict[str, Step] = _steps()


def from_states(name: str) -> tuple:
    """The statuses the step ``name`` starts from: what its action passes as ``allowed``."""
    return STEPS[name].from_states


def answers(user, case) -> dict:
    """Each check of ``CHECKS`` answered once for ``user`` and ``case`` (each may cost a query)."""
    return {check: check(user, case) for check in CHECKS}


def offered(user, case, may: dict | None = None) -> list[Step]:
    """The steps ``user`` may take on ``case`` now, in the table's order (``may``: ``answers``, if already known)."""
    may = may if may is not None else answers(user, case)
    return [s for s in STEPS.values() if s.allows(case) and any(may[check] for check in s.may)]


def perform(name: str, *, case, by, data: dict, files):
    """Run the step ``name`` with a form's cleaned data, after the table's own checks (the action checks again)."""
    step = STEPS[name]
    if not any(check(by, case) for check in step.may):
        raise CaseError(_("您没有权限对这件诉求执行此操作。"))
    if case.status not in step.from_states:  # the rest (the clock paused or not …) the action says in its words
        raise CaseError(
            _("诉求 %(number)s 当前为“%(status)s”，不能执行此操作。")
            % {"number": case.number, "status": case.get_status_display()}
        )
    return step.run(case, by, data, files)
