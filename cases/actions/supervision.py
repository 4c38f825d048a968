"""督办: subdistrict staff press the handling unit about a case."""

from django.db import transaction
from django.utils.translation import gettext as _

from org.actors import Actor

# cycle: cases.workflow (the step table) calls these actions; they read their from-states from it when called
from .. import workflow as steps
from ..errors import CaseError
from ..models import Case
from ..permissions import _require, can_supervise
from .base import K, _audit, _bump, notify_unit


@transaction.atomic
def case_supervise(*, case: Case, by: Actor, note: str) -> Case:
    """督办: a supervision notice from subdistrict staff to the handling unit."""
    _require(can_supervise(by, case))
    if case.status not in steps.from_states("supervise"):
        raise CaseError(_("诉求已经结束，无需督办。"))
    if not (note or "").strip():
        raise CaseError(_("请填写督办意见。"))
    _bump(case, by=by, kind=K.SUPERVISED, note=note, is_public=False)
    notify_unit(
        case.main_unit,
        _("【民呼】督办 %(number)s：%(note)s") % {"number": case.number, "note": note[:80]},
        case=case,
        purpose="case.supervise",
    )
    _audit(case, by, "supervise")
    return case
