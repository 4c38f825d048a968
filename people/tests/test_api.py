from audit.models import AuditEntry
from people.models import Resident

from .conftest import id_number


def test_api_lists_masked_residents_and_filters_by_search(world, make_resident, client_for):
    make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    make_resident("李建国")
    response = client_for(world.users["worker"]).get("/api/residents/", {"q": "秀英"})
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "王秀英" and row["phone_masked"] == "139****1111"
    assert row["id_number_masked"] == id_number(1)[:4] + "*" * 10 + id_number(1)[-4:]
    assert id_number(1) not in response.content.decode() and "13900001111" not in response.content.decode()


def test_api_creates_and_updates_through_the_services(world, tags, client_for):
    client = client_for(world.users["worker"])
    payload = {"name": "张桂英", "id_number": id_number(2), "region": world.penglai_grid.pk, "tags": ["独居"]}
    response = client.post("/api/residents/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["tags"] == ["独居"]
    assert AuditEntry.objects.filter(action="people.resident.create", object_id=str(pk)).exists()

    bad = client.post("/api/residents/", {**payload, "id_number": "310101"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["id_number"] == ["身份证号应为18位，当前为6位"]
    dup = client.post("/api/residents/", payload, content_type="application/json")
    assert dup.json()["id_number"] == ["已有相同身份证号的居民。"]

    stale = "2000-01-01T00:00:00+08:00"
    response = client.patch(
        f"/api/residents/{pk}/", {"note": "腿脚不便", "expected_updated_at": stale}, content_type="application/json"
    )
    assert response.status_code == 400 and "已被他人修改" in str(response.json())
    response = client.patch(
        f"/api/residents/{pk}/", {"note": "腿脚不便", "phone": "13900003333"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["note"] == "腿脚不便"
    assert Resident.objects.get(pk=pk).phone == "13900003333"


def test_api_reveal_is_audited(world, make_resident, client_for):
    resident = make_resident("王秀英", id_number=id_number(1), phone="13900001111")
    response = client_for(world.users["staff"]).post(f"/api/residents/{resident.pk}/reveal/")
    assert response.json() == {"id_number": id_number(1), "phone": "13900001111"}
    assert AuditEntry.objects.filter(kind="view", object_id=str(resident.pk), actor=world.users["staff"]).exists()


def test_api_household_and_address_creation_stays_in_scope(world, client_for):
    client = client_for(world.users["worker"])
    response = client.post(
        "/api/addresses/",
        {"region": world.penglai_grid.pk, "road": "蓬莱路", "lane": "121"},
        content_type="application/json",
    )
    assert response.status_code == 201
    address = response.json()["id"]
    response = client.post("/api/households/", {"address": address, "name": "王家"}, content_type="application/json")
    assert response.status_code == 201 and response.json()["address"]["text"] == "蓬莱路121弄"
    other = client.post(
        "/api/addresses/", {"region": world.shaanxi_grid.pk, "road": "陕西南路"}, content_type="application/json"
    )
    assert other.status_code == 400
    assert (
        client_for(world.users["worker_tianping"]).get(f"/api/households/{response.json()['id']}/").status_code == 404
    )
