"""Who may do what to a case (the ``can_*`` checks). The workflow table (cases/workflow.py) names one of these
for each action; the actions call them again, so an API client or a task is held to the same rule as the page."""

from django.utils.translation import gettext as _

from org.models import Role
from org.scoping import is_within

from .errors import CaseError


def _user_units(user) -> set[int]:
    return {m.unit_id for m in user.memberships.all() if m.unit_id}


def _region_paths(user, roles) -> list[str]:
    return [m.region.path for m in user.memberships.select_related("region") if m.role in roles]


def can_dispatch(user, case) -> bool:
    """Dispatcher actions (派单, 改派, 审核退单/延期, 撤销, 合并, 归档): staff roles over the case's region."""
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    roles = {Role.WORKER, Role.STAFF, Role.ADMIN}
    return is_within(case.region_path, _region_paths(user, roles))


def can_supervise(user, case) -> bool:
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return is_within(case.region_path, _region_paths(user, {Role.STAFF, Role.ADMIN}))


def can_handle(user, case) -> bool:
    """Handler actions (签收, 先行联系, 处理, 办结, 退单/延期申请): members of the main unit, or dispatchers."""
    if user is None:
        return True  # the system (tasks, other apps' automations)
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if case.main_unit_id and case.main_unit_id in _user_units(user):
        return True
    return can_dispatch(user, case)


def _require(ok: bool) -> None:
    if not ok:
        raise CaseError(_("您没有权限对这件诉求执行此操作。"))
