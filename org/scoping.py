"""The one place that decides what a user may see.

Every region-owned model's queryset mixes in ``RegionScopedQuerySet`` and every list, export and
API query calls ``visible_to(user)``. Access helpers for single objects call
``get_visible_or_404`` so that an out-of-scope id answers exactly like a missing one.

"This region and everything under it" is ``within`` (a Q), ``is_within`` (for rows already loaded) and, for the
few statements written by hand, ``region_visible_sql``; nothing else spells out the path prefix.
"""

import functools
import operator
from typing import Self

from django.db.models import Field, Q, QuerySet
from django.http import Http404

from .models import PERSONAL_DATA_ROLES, Membership, Region


def _paths(regions) -> list[str]:
    if isinstance(regions, Region | str):
        regions = [regions]
    return sorted({r if isinstance(r, str) else r.path for r in regions})


def within(regions, field: str = "region") -> Q:
    """Rows whose region is one of ``regions`` or lies under one of them.

    ``regions``: a Region, a materialised path, or several of them (none: the Q matches nothing). ``field``: the
    lookup from the rows to their Region ("region", "household__region"; "" for Regions themselves) or, when it
    ends in ``path``, to a copy of the region's path (cases keep ``region_path``)."""
    if not field:
        lookup = "path__startswith"
    elif field.endswith("path"):
        lookup = f"{field}__startswith"
    else:
        lookup = f"{field}__path__startswith"
    return functools.reduce(operator.or_, (Q(**{lookup: p}) for p in _paths(regions)), Q(pk__in=[]))


def is_within(region, regions) -> bool:
    """``within`` for a row already loaded: ``region`` (a Region or its path) is one of ``regions`` or under one."""
    path = region if isinstance(region, str) else region.path
    return any(path.startswith(p) for p in _paths(regions))


def region_q(user, *, roles, field: str = "region") -> Q:
    """Rows whose ``field`` region lies under one of the user's regions held with ``roles``.

    Always false when the user holds none of those roles (or is anonymous); always true for a superuser."""
    if not user or not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    return within(user.memberships.filter(role__in=list(roles)).values_list("region__path", flat=True), field)


class RegionScopedQuerySet(QuerySet):
    #: the lookup from this model to its Region (override: "household__region", ...)
    region_field = "region"
    #: roles whose memberships grant sight of these rows
    visible_roles = PERSONAL_DATA_ROLES

    def visible_to(self, user, *, roles=None) -> Self:
        return self.filter(region_q(user, roles=roles or self.visible_roles, field=self.region_field))

    def in_region(self, region: Region) -> Self:
        return self.filter(within(region, self.region_field))


def visible_regions(user, *, roles=PERSONAL_DATA_ROLES):
    """Regions the user may see records of (their membership regions and everything under them)."""
    if not user or not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.filter(region_q(user, roles=roles, field=""))


def region_visible_sql(user, *, roles, path: str) -> tuple[str, list]:
    """``region_q``'s rule as a condition for hand-written SQL: the region whose path is the SQL expression ``path``
    lies under one of the user's regions held with ``roles``. The user's regions are looked up inside the
    statement (one round trip fewer than region_q, which reads them first); returns (sql, params)."""
    if not user or not user.is_authenticated:
        return "1 = 0", []
    if user.is_superuser:
        return "1 = 1", []
    roles = sorted(roles)
    region = Region._meta
    membership = Membership._meta
    region_path = _column(region, "path")
    sql = (
        # aliases of their own, so a caller's table called m or r is not shadowed inside
        f"EXISTS (SELECT 1 FROM {membership.db_table} scope_m JOIN {region.db_table} scope_r"
        f" ON scope_r.{region.pk.column} = scope_m.{_column(membership, 'region')}"
        f" WHERE scope_m.{_column(membership, 'user')} = %s"
        f" AND scope_m.{_column(membership, 'role')} IN ({', '.join(['%s'] * len(roles))})"
        f" AND substr({path}, 1, length(scope_r.{region_path})) = scope_r.{region_path})"
    )
    return sql, [user.pk, *roles]


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one object through ``visible_to(user)``; out of scope and missing both raise Http404."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def _column(meta, name: str) -> str:
    """The database column of a model field, by its name in the model."""
    field = meta.get_field(name)
    if not isinstance(field, Field) or field.column is None:
        raise TypeError(f"{meta.label}.{name} is not a concrete field")
    return field.column


def chosen_or_404(queryset, pk):
    """The object a POST names by id, taken only from ``queryset`` (what this user may choose there).

    Writes that name another object (a volunteer to assign, a unit, a resource) use it so that an id outside the
    choices — another subdistrict's volunteer, a typo, ``abc`` — answers 404 exactly like a missing one."""
    if pk is None or not str(pk).strip().isdigit():
        raise Http404
    try:
        return queryset.get(pk=int(pk))
    except queryset.model.DoesNotExist:
        raise Http404 from None
