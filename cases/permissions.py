"""Who may do what to a case (the ``can_*`` checks). The workflow table (cases/workflow.py) names one of these
for each step; the actions call them again, so an API client or a task is held to the same rule as the page.

Each takes an actor (``org.actors``): the system may do everything (tasks, other apps' automations), a resident or
a partner system without an account nothing, a superuser everything, anyone else by their memberships."""

from django.utils.translation import gettext as _

from org.actors import SYSTEM, user_of
from org.models import Role
from org.scoping import is_within

from .errors import CaseError

DISPATCH_ROLES = {Role.WORKER, Role.STAFF, Role.ADMIN}
SUPERVISE_ROLES = {Role.STAFF, Role.ADMIN}


def _settled(by) -> bool | None:
    """The answer every check gives without looking at memberships, or None when they decide."""
    if by is SYSTEM:
        return True
    user = user_of(by)
    if user is None:
        return False
    return True if user.is_superuser else None


def _region_paths(user, roles) -> list[str]:
    return [m.region.path for m in user.memberships.select_related("region") if m.role in roles]


def can_dispatch(user, case) -> bool:
    """Dispatcher actions (派单, 改派, 审核退单/延期, 撤销, 合并, 归档): staff roles over the case's region."""
    settled = _settled(user)
    if settled is not None:
        return settled
    return is_within(case.region_path, _region_paths(user, DISPATCH_ROLES))


def can_supervise(user, case) -> bool:
    """督办: subdistrict staff (and admins) over the case's region."""
    settled = _settled(user)
    if settled is not None:
        return settled
    return is_within(case.region_path, _region_paths(user, SUPERVISE_ROLES))


def can_handle(user, case) -> bool:
    """Handler actions (先行联系, 处理, 办结, 退单/延期申请): members of the main unit, or dispatchers."""
    settled = _settled(user)
    if settled is not None:
        return settled
    if case.main_unit_id and any(m.unit_id == case.main_unit_id for m in user.memberships.all()):
        return True
    return can_dispatch(user, case)


def can_accept(user, case) -> bool:
    """签收: the main unit's own members (or the system) — a dispatcher above the unit, or a superuser, does not
    take a case in the unit's name."""
    if user is SYSTEM:
        return True
    person = user_of(user)
    if person is None or not case.main_unit_id:
        return False
    return any(m.unit_id == case.main_unit_id for m in person.memberships.all())


def _require(ok: bool) -> None:
    if not ok:
        raise CaseError(_("您没有权限对这件诉求执行此操作。"))
