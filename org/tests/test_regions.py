"""The region tree and the one scoping rule every list relies on."""

import pytest
from django.http import Http404

from org.models import Region, Role
from org.scoping import get_visible_or_404, region_q, visible_regions
from people.models import Address


def test_path_is_parent_path_plus_own_padded_id(world):
    assert world.huangpu.path == f"{world.huangpu.pk:05d}."
    assert world.penglai_grid.path == f"{world.penglai.path}{world.penglai_grid.pk:05d}."
    assert [world.huangpu.depth, world.laoximen.depth, world.penglai.depth, world.penglai_grid.depth] == [0, 1, 2, 3]


def test_subtree_holds_the_region_and_everything_under_it(world):
    subtree = set(Region.objects.subtree(world.laoximen))
    assert {world.laoximen, world.penglai, world.penglai_grid, world.wenmiao} == subtree


def test_ancestors_full_name_and_contains(world):
    assert list(world.penglai_grid.ancestors()) == [world.huangpu, world.laoximen, world.penglai, world.penglai_grid]
    assert world.penglai_grid.full_name == "黄浦区 › 老西门街道 › 蓬莱路居委 › 蓬莱路第一网格"
    assert world.penglai_grid.ancestor_of_kind(Region.Kind.SUBDISTRICT) == world.laoximen
    assert world.laoximen.contains(world.penglai_grid) and not world.tianping.contains(world.penglai_grid)


def test_within_is_the_region_and_everything_under_it_whatever_the_rows_are(world):
    from org.models import Unit
    from org.scoping import is_within, within

    assert set(Region.objects.filter(within([world.penglai, world.shaanxi], field=""))) == {
        world.penglai,
        world.penglai_grid,
        world.shaanxi,
        *world.shaanxi.children.all(),
    }
    units = set(Unit.objects.filter(within(world.laoximen.path)).values_list("name", flat=True))
    assert {"老西门街道社区服务办", "蓬莱路居委会", "文庙律师事务所"} <= units and "天平街道管理办" not in units
    assert not Region.objects.filter(within([], field="")).exists()
    assert is_within(world.penglai_grid, [world.tianping, world.laoximen])
    assert not is_within(world.laoximen, world.penglai)


def test_region_name_is_unique_under_one_parent(world):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Region.objects.create(name="蓬莱路居委", kind=Region.Kind.NEIGHBOURHOOD, parent=world.laoximen)
    # the same name elsewhere is fine
    Region.objects.create(name="蓬莱路居委", kind=Region.Kind.NEIGHBOURHOOD, parent=world.tianping)


def test_visible_regions_follow_memberships(users, world):
    assert set(visible_regions(users["worker"])) == {world.penglai, world.penglai_grid}
    assert world.wenmiao in set(visible_regions(users["staff"]))
    assert world.shaanxi not in set(visible_regions(users["staff"]))
    # a leader holds no personal-data role: no regions for personal records
    assert not visible_regions(users["leader"]).exists()
    assert world.penglai in set(visible_regions(users["leader"], roles={Role.LEADER}))
    assert not visible_regions(users["nobody"]).exists()


@pytest.fixture
def addresses(world):
    return {
        "penglai": Address.objects.create(region=world.penglai_grid, road="蓬莱路", lane="303", number="5", room="201"),
        "wenmiao": Address.objects.create(region=world.wenmiao, road="文庙路", lane="215", number="3", room="101"),
        "shaanxi": Address.objects.create(region=world.shaanxi_grid, road="陕西南路", lane="582", number="11"),
    }


def test_visible_to_scopes_rows_by_region_subtree(users, addresses):
    assert set(Address.objects.visible_to(users["worker"])) == {addresses["penglai"]}
    assert set(Address.objects.visible_to(users["staff"])) == {addresses["penglai"], addresses["wenmiao"]}
    assert set(Address.objects.visible_to(users["staff_tianping"])) == {addresses["shaanxi"]}
    assert set(Address.objects.visible_to(users["admin"])) == {addresses["penglai"], addresses["wenmiao"]}
    for persona in ["leader", "volunteer", "partner", "resident", "nobody"]:
        assert not Address.objects.visible_to(users[persona]).exists(), persona


def test_superuser_sees_everything_and_anonymous_nothing(addresses, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    root = django_user_model.objects.create_superuser("root", password="pw-root")
    assert Address.objects.visible_to(root).count() == 3
    assert Address.objects.visible_to(AnonymousUser()).count() == 0
    assert region_q(None, roles={Role.WORKER}) is not None


def test_access_helper_answers_404_out_of_scope_exactly_like_missing(users, addresses):
    assert get_visible_or_404(Address.objects, users["worker"], pk=addresses["penglai"].pk) == addresses["penglai"]
    with pytest.raises(Http404):
        get_visible_or_404(Address.objects, users["worker"], pk=addresses["shaanxi"].pk)
    with pytest.raises(Http404):
        get_visible_or_404(Address.objects, users["worker"], pk=999_999)


def test_region_page_shows_the_users_tree_with_units(client_for, users, world):
    page = client_for(users["staff"]).get("/org/regions/").content.decode()
    assert "老西门街道" in page and "蓬莱路第一网格" in page and "蓬莱路居委会" in page
    assert "天平街道" not in page and "陕西南路" not in page
    assert client_for(users["worker_tianping"]).get("/org/regions/").content.decode().count("陕西南路第一网格") == 1


def test_region_page_refuses_residents(client_for, users):
    assert client_for(users["resident"]).get("/org/regions/").status_code == 403


def test_region_api_is_scoped(client_for, users, world):
    data = client_for(users["worker"]).get("/api/regions/").json()
    assert {r["name"] for r in data["results"]} == {"蓬莱路居委", "蓬莱路第一网格"}
