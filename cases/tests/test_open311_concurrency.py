"""Open311 retries racing each other on PostgreSQL: real concurrent transactions, one connection
per thread. The same Idempotency-Key sent at once creates one case; the same update_id posted at
once appends one timeline entry."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from cases import open311_services, tasks
from cases.models import Case, CaseEvent, Open311Client, Open311Request

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(n, action):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(action(i))
        except Exception as exc:  # reported by the assertions below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.fixture
def partner(world, users, categories):
    client = Open311Client(name="并发测试系统", region=world.laoximen)
    open311_services.client_issue_key(client=client, by=users["admin"])
    return client


def test_same_idempotency_key_at_once_creates_one_case(partner):
    def post(i):
        return open311_services.request_create(
            client=partner,
            service_code="repair",
            description="路灯不亮",
            address_string="蓬莱路100弄",
            phone="13900000001",
            idempotency_key="retry-1",
        )

    results, errors = race(4, post)
    assert not errors, errors
    assert Case.objects.count() == 1 and Open311Request.objects.count() == 1
    assert {o.case.pk for o, _created in results} == {Case.objects.get().pk}
    assert sorted(created for _o, created in results) == [False, False, False, True]


def test_same_update_id_at_once_appends_one_entry(partner):
    o, _ = open311_services.request_create(
        client=partner, service_code="repair", description="路灯不亮", address_string="蓬莱路100弄"
    )
    case = o.case

    def update(i):
        return open311_services.update_create(
            client=partner, case=Case.objects.get(pk=case.pk), description="灯杆也歪了", update_id="u-1"
        )

    results, errors = race(4, update)
    assert not errors, errors
    assert CaseEvent.objects.filter(case=case, kind="info_added").count() == 1
    assert len({event.pk for event, _created in results}) == 1


def test_rest_retries_at_once_create_one_case_and_only_the_first_answers_201(world, users, categories):
    body = {"title": "路灯不亮", "description": "蓬莱路100弄路灯不亮", "region": world.penglai_grid.pk,
            "category": "repair", "reporter_phone": "13900000001"}  # fmt: skip

    def post(i):
        client = APIClient()
        client.force_authenticate(users["worker"])
        response = client.post("/api/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="rest-retry-1")
        return response.status_code, response.json()["number"]

    results, errors = race(4, post)
    assert not errors, errors
    assert Case.objects.count() == 1
    assert sorted(code for code, _ in results) == [200, 200, 200, 201]
    assert {number for _, number in results} == {Case.objects.get().number}


def test_intake_workers_at_once_make_each_waiting_request_into_one_case(world, users, categories):
    """answer_with_token: four workers taking the queue together (SKIP LOCKED) make 60 requests into 60 cases."""
    client = Open311Client(name="热线批量转派", region=world.laoximen, answer_with_token=True)
    open311_services.client_issue_key(client=client, by=users["admin"])
    cache.set(tasks.INTAKE_FLAG, 1, timeout=60)  # a worker task counts as due: nothing is taken on commit
    for i in range(60):
        open311_services.request_create(
            client=client, service_code="repair", description=f"路灯不亮 {i}", address_string="蓬莱路100弄"
        )
    assert Case.objects.count() == 0

    def work(i):
        taken = 0
        while n := open311_services.take_pending(limit=7):
            taken += n
        return taken

    results, errors = race(4, work)
    cache.delete(tasks.INTAKE_FLAG)
    assert not errors, errors
    assert sum(results) == 60 and Case.objects.count() == 60
    assert not Open311Request.objects.filter(case__isnull=True).exists()
    assert len(set(Open311Request.objects.values_list("case_id", flat=True))) == 60
