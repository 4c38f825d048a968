"""API intake with an idempotency key, and scoped reads."""

from django.urls import reverse

from cases.models import Case


def payload(world, **extra):
    return {
        "title": "楼道灯坏了",
        "description": "3号楼道灯不亮",
        "region": world.penglai_grid.pk,
        "category": "repair",
        "reporter_name": "张三",
        "reporter_phone": "13812345678",
        **extra,
    }


def test_same_request_twice_creates_one_case(client_for, users, world):
    client = client_for(users["worker"])
    first = client.post("/api/cases/", payload(world), HTTP_IDEMPOTENCY_KEY="abc-1", content_type="application/json")
    again = client.post("/api/cases/", payload(world), HTTP_IDEMPOTENCY_KEY="abc-1", content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["number"] == again.json()["number"] and Case.objects.count() == 1
    assert first.json()["reporter_phone_masked"] == "138****5678"
    assert Case.objects.get().channel == "api"


def test_bad_input_answers_400_in_chinese(client_for, users, world):
    client = client_for(users["worker"])
    response = client.post(
        "/api/cases/", payload(world, region=world.shaanxi_grid.pk, category="nope"), content_type="application/json"
    )
    assert response.status_code == 400
    body = response.json()
    assert "不在您的范围内" in str(body["region"]) and "category" in body
    assert not Case.objects.exists()


def test_list_is_scoped_like_the_pages(client_for, users, world, make_case):
    mine = make_case()
    make_case(region=world.shaanxi_grid, by=users["worker_tianping"])
    numbers = [c["number"] for c in client_for(users["worker"]).get("/api/cases/").json()["results"]]
    assert numbers == [mine.number]
    detail = client_for(users["worker"]).get(f"/api/cases/{mine.pk}/").json()
    assert detail["events"][0]["kind"] == "created"


def test_resident_cannot_create_through_the_api(client_for, users, world):
    response = client_for(users["resident"]).post("/api/cases/", payload(world), content_type="application/json")
    assert response.status_code == 403
    assert reverse("case-list") == "/api/cases/"
