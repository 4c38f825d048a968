"""Without Redis (queue and cache unreachable) intake still answers success, each case exists once, and the
sweeps deliver what the lost tasks would have done (issue 16, findings 2, 3 and 9)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import PriorityRedisStorage

from cases import open311_services
from cases.models import Case, Category, Open311Client
from insight.models import Suggestion
from insight.tasks import suggest_cases, sweep_suggestions
from notify import services as notify
from notify.models import Message

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused


@pytest.fixture
def redis_down(settings, monkeypatch):
    settings.CACHES = {
        "default": {"BACKEND": "lib.cache.FallbackRedisCache", "LOCATION": NOWHERE, "OPTIONS": {"socket_timeout": 1}}
    }
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(HUEY, "storage", PriorityRedisStorage(name="redis-down", url=NOWHERE))
    yield
    monkeypatch.undo()


def intake_form(world, key):
    return {
        "channel": "visit",
        "reporter_name": "张阿姨",
        "reporter_phone": "138 1234 5678",
        "region": world.penglai_grid.pk,
        "category": Category.objects.get(code="repair").pk,
        "urgency": "normal",
        "title": "楼道灯坏了",
        "description": f"3号楼道灯不亮 {key}",
        "idempotency_key": key,
    }


def test_intake_answers_success_once_without_redis_and_the_sweeps_finish_the_work(
    client_for, users, world, routed, redis_down, django_capture_on_commit_callbacks
):
    staff = client_for(users["worker"])
    partner = Open311Client.objects.create(name="12345热线", region=world.penglai_grid)
    api_key = open311_services.client_issue_key(client=partner, by=users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        page = staff.post(reverse("cases:new"), intake_form(world, "page-1"))
        api = staff.post(
            "/api/cases/",
            {
                "title": "路灯不亮",
                "description": "api-1",
                "region": world.penglai_grid.pk,
                "category": "repair",
                "reporter_name": "张三",
                "reporter_phone": "13812345679",
            },
            HTTP_IDEMPOTENCY_KEY="api-1",
            content_type="application/json",
        )
        open311 = staff.post(
            "/open311/v2/requests.json",
            {"api_key": api_key, "service_code": "repair", "lat": "31.218", "long": "121.489", "description": "o-1"},
        )
    assert page.status_code == 302, page.content[:300]
    assert api.status_code == 201, api.content[:300]
    assert open311.status_code in (200, 201), open311.content[:300]
    assert Case.objects.filter(description__contains="page-1").count() == 1
    assert Case.objects.filter(description="api-1").count() == 1
    assert Case.objects.filter(description="o-1").count() == 1
    # the delivery and suggestion tasks were never queued: the rows wait for the sweeps
    waiting = Message.objects.filter(status=Message.Status.QUEUED)
    assert waiting.exists()
    assert not Suggestion.objects.exists()

    later = timezone.now() + datetime.timedelta(minutes=2)
    count = waiting.count()
    assert notify.sweep(now=later) == count and notify.sweep(now=later) == 0  # each message once
    assert not Message.objects.exclude(status=Message.Status.SENT).exists()
    Case.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    sweep_suggestions.call_local()
    assert Suggestion.objects.count() == Case.objects.count() == 3


def test_the_cache_falls_back_to_memory_and_says_so(settings, redis_down):
    from django.core.cache import cache

    assert cache.add("flag", 1, 10) is True and cache.get("flag") == 1
    assert cache.degraded


def test_healthz_stays_ready_without_redis_and_names_what_is_down(client, db, redis_down):
    response = client.get("/healthz/ready")
    data = response.json()
    assert response.status_code == 200 and data["status"] == "degraded" and data["database"] == "ok"
    assert "queue" in data["down"] and "cache" in data["down"]
    assert client.get("/healthz/live").status_code == 200


def test_a_login_works_without_redis(client, users, redis_down):
    users["worker"].set_password("correct horse battery")
    users["worker"].save()
    response = client.post(
        reverse("login"), {"username": users["worker"].username, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    client.logout()
    bad = client.post(reverse("login"), {"username": users["worker"].username, "password": "wrong"})
    assert bad.status_code == 200 and "登录" in bad.content.decode()


def test_a_replayed_suggestion_task_adds_no_second_row(make_case):
    case = make_case()
    suggest_cases.call_local([case.pk])
    suggest_cases.call_local([case.pk])  # as after a Redis crash restored a snapshot holding it
    assert Suggestion.objects.filter(case=case).count() == 1


def test_queue_numbers_are_taken_without_redis(desks, redis_down, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    legal, _ = desks
    with django_capture_on_commit_callbacks(execute=True):
        token = legal.event.public_token  # the event's QR token, as the kiosk has it
        first = APIClient().post(
            f"/api/events/desks/{legal.pk}/take/", {"client_id": "kiosk-1", "event_token": token}, format="json"
        )
        second = APIClient().post(
            f"/api/events/desks/{legal.pk}/take/", {"client_id": "kiosk-2", "event_token": token}, format="json"
        )
    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["label"], second.json()["label"]] == ["A001", "A002"]
