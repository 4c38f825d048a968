"""The scope rule in hand-written SQL (``region_visible_sql``) sees exactly the regions ``visible_regions`` sees."""

from django.contrib.auth.models import AnonymousUser
from django.db import connection

from org.models import PERSONAL_DATA_ROLES, STAFF_ROLES, Region, Role
from org.scoping import region_visible_sql, visible_regions
from org.testing import make_user


def regions_by_sql(user, roles):
    scope, params = region_visible_sql(user, roles=roles, path="region.path")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT region.id FROM org_region region WHERE {scope}", params)
        return {row[0] for row in cursor.fetchall()}


def test_region_visible_sql_agrees_with_visible_regions(world):
    root = make_user("root", role=Role.STAFF, region=world.laoximen, name="超级管理员", superuser=True)
    people = [*world.users.values(), root, AnonymousUser()]
    for user in people:
        for roles in (STAFF_ROLES, PERSONAL_DATA_ROLES, {Role.VOLUNTEER}):
            expected = set(visible_regions(user, roles=roles).values_list("id", flat=True))
            assert regions_by_sql(user, roles) == expected, (user, roles)
    assert regions_by_sql(root, STAFF_ROLES) == set(Region.objects.values_list("id", flat=True))
    assert regions_by_sql(world.users["staff"], STAFF_ROLES) == set(
        Region.objects.filter(path__startswith=world.laoximen.path).values_list("id", flat=True)
    )
