"""Input no person types answers 4xx with a Chinese reason, never 500: non-numeric ids, NUL characters, huge
fields and descriptions, pages far past the end."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cases.models import Case

ID_ADDRESSES = [
    "/api/residents/abc/",
    "/api/residents/abc/reveal/",
    "/api/households/abc/",
    "/api/addresses/1e5/",
    "/api/tags/abc/",
    "/api/cases/abc/",
    "/api/regions/abc/",
    "/api/units/-1/",
    "/api/resources/abc/",
    "/api/bookings/abc/",
    "/api/audit/entries/abc/",
    "/api/public-stories/abc/",
    "/api/residents/99999999999999999999999/",
]


@pytest.fixture
def api(users):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=users['admin']).key}")
    return client


@pytest.mark.parametrize("address", ID_ADDRESSES)
def test_an_id_that_is_not_a_number_is_a_json_404(api, address):
    response = api.get(address)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


def test_an_unknown_api_address_is_a_json_404(api):
    response = api.get("/api/no-such-thing/")
    assert response.status_code == 404 and response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize(
    "method, address, data",
    [
        ("get", "/api/residents/", {"search": "王\x00"}),
        ("get", "/cases/", {"q": "灯\x00"}),
        ("post", "/cases/public/track/", {"step": "find", "number": "MH\x00", "phone": "13812345678"}),
        ("post", "/accounts/login/", {"username": "admin\x00", "password": "x"}),
    ],
)
def test_a_nul_character_is_a_chinese_400(client_for, users, method, address, data):
    client = client_for(users["admin"])
    response = getattr(client, method)(address, data)
    assert response.status_code == 400 and "空字符" in response.content.decode()


def test_a_nul_character_in_a_json_body_is_a_chinese_400(api, world):
    body = {"title": "灯\u0000", "description": "楼道灯坏了", "category": "repair", "region": world.penglai.pk}
    response = api.post("/api/cases/", body, format="json")
    assert response.status_code == 400 and "空字符" in response.json()["detail"]


def test_a_three_megabyte_description_is_refused(api, world, shipped_data):
    body = {"title": "长文", "description": "a" * 3_000_000, "category": "repair", "region": world.penglai.pk}
    response = api.post("/api/cases/", body, format="json")
    assert response.status_code == 400 and "description" in response.json()
    assert not Case.objects.exists()


def test_a_description_at_the_limit_of_one_long_word_is_stored_and_searchable(api, world, shipped_data):
    body = {"title": "长文", "description": "a" * 5000, "category": "repair", "region": world.penglai.pk}
    response = api.post("/api/cases/", body, format="json")
    assert response.status_code == 201, response.content
    assert api.get("/api/cases/", {"search": "a" * 60}).status_code == 200


def test_a_field_longer_than_anyone_types_is_refused_everywhere(client, world, shipped_data):
    data = {"name": "张阿姨", "phone": "13812345678", "region": world.penglai.pk, "description": "灯" * 60_000}
    response = client.post(reverse("cases:public_new"), data)
    assert response.status_code == 400 and "太长" in response.content.decode()


def test_the_public_form_says_how_long_a_description_may_be(client, world, shipped_data):
    data = {"name": "张阿姨", "phone": "13812345678", "region": world.penglai.pk, "description": "灯" * 5001}
    response = client.post(reverse("cases:public_new"), data)
    assert response.status_code == 400 and "5000" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize("page", ["99999999999999999999999", "-1", "abc", "1e9", "0"])
@pytest.mark.parametrize("address", ["/api/residents/", "/api/cases/", "/api/audit/entries/", "/api/public-stories/"])
def test_a_page_far_past_the_end_is_a_404_not_a_500(api, address, page):
    response = api.get(address, {"page": page})
    assert response.status_code == 404


@pytest.mark.parametrize("address", ["/cases/", "/people/", "/audit/", "/deeds/", "/volunteers/"])
def test_html_lists_survive_a_huge_page(client_for, users, address):
    response = client_for(users["admin"]).get(address, {"page": "99999999999999999999999"})
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    "address, params",
    [
        ("/care/figures/", {"month": "9999-12"}),
        ("/insight/hotspots/", {"week": "9999-12-31"}),
        ("/dashboard/", {"start": "9999-12-25", "end": "9999-12-31"}),
        ("/dashboard/", {"start": "0001-01-01", "end": "0001-01-02", "period": "week"}),
        ("/cases/", {"created_after": "9999-12-31", "created_before": "0001-01-01"}),
        ("/audit/", {"since": "0001-01-01", "until": "9999-12-31"}),
    ],
)
def test_extreme_dates_are_clamped_not_a_500(client_for, users, address, params):
    response = client_for(users["admin"]).get(address, params)
    assert response.status_code in (200, 302, 400, 404)


def test_a_booking_start_at_the_end_of_time_is_not_a_500(client_for, users, world):
    from resources.models import Resource

    resource = Resource.objects.create(name="活动室", region=world.penglai) if not Resource.objects.exists() else None
    resource = resource or Resource.objects.first()
    response = client_for(users["admin"]).get(f"/resources/{resource.pk}/book/", {"start": "9999-12-31T23:59:59-12:00"})
    assert response.status_code in (200, 404)
