"""Role × page/endpoint matrix for personal records (residents, households, exports, imports, API).

A worker sees only their own neighbourhood, subdistrict staff see all neighbourhoods of their
subdistrict, a leader (and every role without personal-data rights) gets no personal records at
all, and an out-of-scope id answers 404 exactly like a missing one. Every expectation below
depends on ``visible_to``/the access helpers: remove the scoping and these tests fail.
"""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from lib import idcard
from people import services
from people.models import ImportJob

# resident name -> the personas who may see that resident
PENGLAI, WENMIAO, SHAANXI = "蓬莱路居民", "文庙居民", "陕西南路居民"
SEES = {
    "worker": {PENGLAI},
    "worker_wenmiao": {WENMIAO},
    "worker_tianping": {SHAANXI},
    "staff": {PENGLAI, WENMIAO},
    "staff_tianping": {SHAANXI},
    "admin": {PENGLAI, WENMIAO},  # administrator of 黄浦区: not 徐汇区's residents
}
NO_PERSONAL_DATA = ["leader", "volunteer", "partner", "resident", "nobody"]


@pytest.fixture
def people(world):
    made = {}
    places = [
        (PENGLAI, world.penglai_grid, "蓬莱路"),
        (WENMIAO, world.wenmiao, "文庙路"),
        (SHAANXI, world.shaanxi_grid, "陕西南路"),
    ]
    for n, (name, region, road) in enumerate(places):
        admin = world.users["admin"] if region != world.shaanxi_grid else world.users["staff_tianping"]
        address = services.address_get_or_create(region=region, road=road, lane="1", number="1", by=admin)
        household = services.household_for_address(address=address, by=admin, name=name)
        made[name] = services.resident_create(
            region=region,
            name=name,
            id_number=idcard.make("310101", datetime.date(1950, 1, 1), n + 1),
            phone=f"1390000000{n}",
            household=household,
            by=admin,
        )
    return made


def names_in(text: str) -> set[str]:
    return {name for name in (PENGLAI, WENMIAO, SHAANXI) if name in text}


def export_names(response) -> set[str]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return names_in(" ".join(str(c.value) for row in sheet.iter_rows() for c in row))


@pytest.mark.parametrize("persona", sorted(SEES))
def test_personal_data_roles_see_exactly_their_regions(persona, world, people, client_for):
    client = client_for(world.users[persona])
    expected = SEES[persona]
    assert names_in(client.get(reverse("people:resident_list")).content.decode()) == expected
    assert export_names(client.get(reverse("people:export"))) == expected
    api = client.get("/api/residents/").json()
    assert {r["name"] for r in api["results"]} == expected
    assert {h["name"] for h in client.get("/api/households/").json()["results"]} == expected
    for name, resident in people.items():
        visible = name in expected
        urls = [
            reverse("people:resident_detail", args=[resident.pk]),
            reverse("people:resident_edit", args=[resident.pk]),
            reverse("people:household_detail", args=[resident.household_id]),
            f"/api/residents/{resident.pk}/",
            f"/api/households/{resident.household_id}/",
            f"/api/addresses/{resident.household.address_id}/",
        ]
        for url in urls:
            assert client.get(url).status_code == (200 if visible else 404), (persona, name, url)
        reveal = client.post(reverse("people:resident_reveal", args=[resident.pk]))
        assert reveal.status_code == (200 if visible else 404), (persona, name)
        assert client.post(f"/api/residents/{resident.pk}/reveal/").status_code == (200 if visible else 404)
        # searching by the full ID number does not find someone else's resident either
        found = client.get(reverse("people:resident_list"), {"q": resident.id_number}).content.decode()
        assert (name in found) == visible


@pytest.mark.parametrize("persona", NO_PERSONAL_DATA)
def test_other_roles_get_no_personal_records(persona, world, people, client_for):
    client = client_for(world.users[persona])
    resident = people[PENGLAI]
    for url in [
        reverse("people:resident_list"),
        reverse("people:export"),
        reverse("people:import"),
        reverse("people:resident_detail", args=[resident.pk]),
        reverse("people:household_detail", args=[resident.household_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 403, (persona, url)
        assert not names_in(response.content.decode())
    for url in ["/api/residents/", f"/api/residents/{resident.pk}/", "/api/households/", "/api/addresses/"]:
        response = client.get(url)
        assert response.status_code == 403, (persona, url)
        assert not names_in(response.content.decode())
    assert client.post(f"/api/residents/{resident.pk}/reveal/").status_code == 403


def test_anonymous_visitors_are_sent_to_login_and_refused_by_the_api(world, people, client):
    response = client.get(reverse("people:resident_list"))
    assert response.status_code == 302 and reverse("login") in response.url
    assert client.get("/api/residents/").status_code in (401, 403)


def test_import_jobs_and_region_filters_do_not_cross_neighbourhoods(world, people, client_for):
    job = ImportJob.objects.create(
        kind="people.residents", file="imports/x.xlsx", region=world.shaanxi, created_by=world.users["worker_tianping"]
    )
    client = client_for(world.users["worker"])
    assert client.get(reverse("people:import_status", args=[job.pk])).status_code == 404
    assert (
        client_for(world.users["staff_tianping"]).get(reverse("people:import_status", args=[job.pk])).status_code == 200
    )
    # asking the list for another subdistrict's grid is not a way around the scope
    client = client_for(world.users["worker"])
    html = client.get(reverse("people:resident_list"), {"region": world.shaanxi_grid.pk}).content.decode()
    assert not names_in(html)
    api = client.get("/api/residents/", {"region": world.shaanxi_grid.pk})
    assert api.status_code == 400 or not api.json()["results"]


def test_writes_cannot_target_another_neighbourhood(world, people, client_for):
    client = client_for(world.users["worker"])
    other = people[SHAANXI]
    assert client.post(reverse("people:resident_edit", args=[other.pk]), {"name": "改名"}).status_code == 404
    assert (
        client.patch(f"/api/residents/{other.pk}/", {"note": "x"}, content_type="application/json").status_code == 404
    )
    payload = {
        "name": "新居民",
        "region": world.shaanxi_grid.pk,
        "id_number": idcard.make("310104", datetime.date(1960, 1, 1), 3),
    }
    assert client.post("/api/residents/", payload, content_type="application/json").status_code == 400
    payload.update(region=world.penglai_grid.pk, household=other.household_id)
    response = client.post("/api/residents/", payload, content_type="application/json")
    assert response.status_code == 400 and "household" in response.json()
    other.refresh_from_db()
    assert other.name == SHAANXI
