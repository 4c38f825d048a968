"""The one place that decides what a user may see.

Every region-owned model's queryset mixes in ``RegionScopedQuerySet`` and every list, export and
API query calls ``visible_to(user)``. Access helpers for single objects call
``get_visible_or_404`` so that an out-of-scope id answers exactly like a missing one.
"""

from django.db import models
from django.http import Http404

from .models import PERSONAL_DATA_ROLES, Region, region_q


class RegionScopedQuerySet(models.QuerySet):
    #: the lookup from this model to its Region (override: "household__region", ...)
    region_field = "region"
    #: roles whose memberships grant sight of these rows
    visible_roles = PERSONAL_DATA_ROLES

    def visible_to(self, user, *, roles=None) -> "RegionScopedQuerySet":
        return self.filter(region_q(user, roles=roles or self.visible_roles, field=self.region_field))

    def in_region(self, region: Region) -> "RegionScopedQuerySet":
        return self.filter(**{f"{self.region_field}__path__startswith": region.path})


def visible_regions(user, *, roles=PERSONAL_DATA_ROLES):
    """Regions the user may see records of (their membership regions and everything under them)."""
    if not user or not user.is_authenticated:
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    paths = list(user.memberships.filter(role__in=list(roles)).values_list("region__path", flat=True))
    if not paths:
        return Region.objects.none()
    q = models.Q()
    for path in paths:
        q |= models.Q(path__startswith=path)
    return Region.objects.filter(q)


def region_visible_sql(user, *, roles, path: str) -> tuple[str, list]:
    """``region_q``'s rule as a condition for hand-written SQL: the region whose path is the SQL expression ``path``
    lies under one of the user's regions held with ``roles``. The user's regions are looked up inside the
    statement (one round trip fewer than region_q, which reads them first); returns (sql, params)."""
    if not user or not user.is_authenticated:
        return "1 = 0", []
    if user.is_superuser:
        return "1 = 1", []
    roles = sorted(roles)
    sql = (
        # aliases of their own, so a caller's table called m or r is not shadowed inside
        "EXISTS (SELECT 1 FROM org_membership scope_m JOIN org_region scope_r ON scope_r.id = scope_m.region_id"
        f" WHERE scope_m.user_id = %s AND scope_m.role IN ({', '.join(['%s'] * len(roles))})"
        f" AND substr({path}, 1, length(scope_r.path)) = scope_r.path)"
    )
    return sql, [user.pk, *roles]


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one object through ``visible_to(user)``; out of scope and missing both raise Http404."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None
