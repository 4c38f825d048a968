"""The back office keeps the pages' rules: a staff account with every view permission still sees only its regions'
cases, care recipients, residents, memberships and users; roles are granted only by an administrator of the region
above and never to oneself; permission tables, API tokens, the outbox and Open311 keys are for superusers."""

import datetime

import pytest
from django.contrib.auth.models import Permission

from cases.actions.intake import case_create
from lib import idcard
from org.models import Membership, Role
from people import services as people


def give(user, *codenames):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


@pytest.fixture
def records(world, shipped_data):
    """A case and a resident in each subdistrict, and a care recipient in 天平街道."""
    made = {}
    for key, region, by in [
        ("laoximen", world.penglai_grid, world.users["worker"]),
        ("tianping", world.shaanxi_grid, world.users["worker_tianping"]),
    ]:
        made[f"case_{key}"], _created = case_create(
            title=f"{key}楼道灯坏了",
            description="楼道灯不亮。",
            region=region,
            channel="desk",
            category="repair",
            by=by,
        )
        made[f"resident_{key}"] = people.resident_create(
            region=region,
            name=f"{key}居民",
            id_number=idcard.make("310101", datetime.date(1950, 1, 1), 10 if key == "laoximen" else 11),
            by=by,
        )
    return made


VIEW_ALL = ["view_case", "view_resident", "view_membership", "view_user", "view_carerecipient", "view_auditentry"]


def test_a_staff_account_sees_only_its_regions_in_the_back_office(world, records, client_for):
    staff = world.users["staff"]
    give(staff, *VIEW_ALL)
    client = client_for(staff)
    cases_page = client.get("/admin/cases/case/").content.decode()
    assert "laoximen楼道灯坏了" in cases_page and "tianping楼道灯坏了" not in cases_page
    residents = client.get("/admin/people/resident/").content.decode()
    assert "laoximen居民" in residents and "tianping居民" not in residents
    memberships = client.get("/admin/org/membership/").content.decode()
    assert "王芳" in memberships and "陈静" not in memberships  # 蓬莱路's worker, not 天平街道's
    users = client.get("/admin/org/user/").content.decode()
    assert "worker_tianping" not in users and "staff_tianping" not in users and ">worker<" in users
    # another subdistrict's objects by id: not shown, like missing ones
    for url in [
        f"/admin/cases/case/{records['case_tianping'].pk}/change/",
        f"/admin/people/resident/{records['resident_tianping'].pk}/change/",
        f"/admin/org/user/{world.users['worker_tianping'].pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "tianping" not in client.get(response.url).content.decode(), url


def test_no_staff_account_grants_itself_a_role(world, client_for):
    staff = world.users["staff"]
    give(staff, "add_membership", "change_membership", "view_membership", "change_user", "view_user")
    client = client_for(staff)
    response = client.post(
        "/admin/org/membership/add/", {"user": staff.pk, "region": world.laoximen.pk, "role": Role.ADMIN}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=staff, role=Role.ADMIN).exists()
    # nor through the user page: its own account is read-only, and the permission flags are not in the form
    own = client.post(f"/admin/org/user/{staff.pk}/change/", {"username": "staff", "is_superuser": "on"})
    assert own.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser


def test_an_administrator_grants_roles_only_below_their_region_and_never_to_themselves(world, client_for):
    admin = world.users["admin"]  # 黄浦区's administrator
    give(admin, "add_membership", "change_membership", "view_membership", "delete_membership", "view_user")
    client = client_for(admin)
    volunteer = world.users["volunteer"]

    def grant(user, region, role=Role.WORKER):
        client.post("/admin/org/membership/add/", {"user": user.pk, "region": region.pk, "role": role})
        return Membership.objects.filter(user=user, region=region, role=role).exists()

    assert grant(volunteer, world.penglai)  # below 黄浦区: yes
    assert not grant(volunteer, world.huangpu)  # their own region: only the region above may
    assert not grant(admin, world.laoximen, Role.STAFF)  # themselves: never
    assert not grant(volunteer, world.shaanxi)  # 徐汇区: not theirs, not even a choice
    leader = Membership.objects.get(user=world.users["staff_tianping"])
    client.post(f"/admin/org/membership/{leader.pk}/delete/", {"post": "yes"})
    assert Membership.objects.filter(pk=leader.pk).exists()


@pytest.mark.parametrize(
    ("url", "codenames"),
    [
        ("/admin/cases/open311client/", ["view_open311client", "add_open311client", "change_open311client"]),
        ("/admin/auth/group/", ["view_group", "add_group", "change_group"]),
        ("/admin/authtoken/tokenproxy/", ["view_tokenproxy", "add_tokenproxy"]),
        ("/admin/notify/message/", ["view_message"]),
    ],
)
def test_keys_tokens_permissions_and_the_outbox_are_for_superusers_only(url, codenames, world, client_for, client):
    staff = world.users["staff"]
    give(staff, *codenames)
    assert client_for(staff).get(url).status_code == 403
    assert client_for(staff).get(url + "add/").status_code == 403
    root = world.users["admin"]
    root.is_superuser = root.is_staff = True
    root.save()
    assert client_for(root).get(url).status_code == 200
