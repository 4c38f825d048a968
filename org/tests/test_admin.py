"""The back office in Chinese: regions, units, users and memberships."""

import pytest


@pytest.fixture
def root(client, db, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="pw-root")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", ["region", "unit", "user", "membership"])
def test_admin_pages_open_in_chinese(root, world, model):
    listing = root.get(f"/admin/org/{model}/")
    assert listing.status_code == 200
    assert "后台管理" in listing.content.decode() or "民呼" in listing.content.decode()
    assert root.get(f"/admin/org/{model}/add/").status_code == 200


def test_region_list_shows_the_tree_and_users_their_roles(root, world):
    regions = root.get("/admin/org/region/").content.decode()
    assert "　　蓬莱路居委" in regions  # indented under its subdistrict
    users = root.get("/admin/org/user/").content.decode()
    assert "蓬莱路居委·居委干部/网格员" in users


def test_admin_adds_a_region_with_its_path(root, world):
    from org.models import Region

    response = root.post(
        "/admin/org/region/add/",
        {
            "name": "学宫居委",
            "kind": "neighbourhood",
            "parent": world.laoximen.pk,
            "code": "",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    region = Region.objects.get(name="学宫居委")
    assert region.path.startswith(world.laoximen.path) and region.depth == 2


def test_non_staff_users_cannot_open_the_back_office(client_for, users):
    response = client_for(users["worker"]).get("/admin/org/region/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
