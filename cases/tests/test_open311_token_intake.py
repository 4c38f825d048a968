"""Open311 intake for partners with ``answer_with_token`` (bulk transfer, e.g. the 12345 hotline):
the POST answers with a token at once, the intake worker makes the cases in batches with the same
timeline, audit log and messages as intake one by one, and the partner gets its case number from
``tokens/<token>`` (made on the spot when the worker has not got to it yet)."""

import json

import pytest

from audit.models import AuditEntry
from cases import deadlines, open311_services, search, tasks
from cases.models import Case, Category, Open311Client, Open311Request
from cases.tests.test_open311 import png
from lib import crypto
from notify.models import Message
from people.models import Address

BASE = "/open311/v2"


@pytest.fixture
def hotline(world, users, routed):
    client = Open311Client(name="12345热线转派", region=world.penglai_grid, answer_with_token=True)
    key = open311_services.client_issue_key(client=client, by=users["admin"])
    return client, key


def post(client, key, headers=None, **fields):
    data = {"api_key": key, "service_code": "repair", "address_string": "蓬莱路100弄3号", **fields}
    return client.post(f"{BASE}/requests.json", data, headers=headers)


def test_post_answers_with_a_token_and_keeps_the_phone_encrypted_until_the_case_exists(client, hotline):
    response = post(client, hotline[1], description="路灯不亮", first_name="张三", phone="13812345678")
    assert response.status_code == 201
    body = json.loads(response.content)
    assert list(body[0]) == ["token", "service_notice", "account_id"] and body[0]["token"]
    assert Case.objects.count() == 0
    o = Open311Request.objects.get(token=body[0]["token"])
    assert o.case is None and o.pending["reporter_name"] == "张三"
    assert "13812345678" not in json.dumps(o.pending) and crypto.decrypt(o.pending["reporter_phone"]) == "13812345678"


def test_token_lookup_makes_a_waiting_case_at_once(client, hotline, world):
    token = json.loads(post(client, hotline[1], description="路灯不亮", phone="13812345678").content)[0]["token"]
    body = json.loads(client.get(f"{BASE}/tokens/{token}.json").content)
    case = Case.objects.get()
    assert body == [{"service_request_id": case.number, "token": token}]
    o = Open311Request.objects.get(token=token)
    assert o.case == case and o.pending == {}
    assert case.status == Case.Status.DISPATCHED and case.main_unit == world.penglai_committee
    assert case.phone_matches("13812345678") and case.created_at == o.created_at  # the moment it was received
    # and the request reads like any other
    item = json.loads(client.get(f"{BASE}/requests/{case.number}.json?api_key={hotline[1]}").content)[0]
    assert item["service_request_id"] == case.number and item["service_code"] == "repair"


def test_the_worker_makes_a_batch_like_intake_one_by_one(client, hotline, world):
    tokens = [
        json.loads(post(client, hotline[1], description=f"路灯不亮 {i}", phone="1381234567" + str(i)).content)[0][
            "token"
        ]
        for i in range(5)
    ]
    assert tasks.take_open311_requests.call_local() == 5
    cases = list(Case.objects.order_by("pk"))
    assert [c.open311.token for c in cases] == tokens and len({c.number for c in cases}) == 5
    # the same request through a partner answered at once, for comparison
    api, key = hotline
    Open311Client.objects.filter(pk=api.pk).update(answer_with_token=False)
    number = json.loads(post(client, key, description="路灯不亮 5", phone="13812345675").content)[0][
        "service_request_id"
    ]
    single = Case.objects.get(number=number)

    def shape(case):
        return (
            case.status,
            case.main_unit_id,
            case.version,
            [(e.kind, e.actor_name, e.note) for e in case.events.order_by("at", "pk")],
            sorted(a.action for a in AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))),
            sorted(m.purpose for m in Message.objects.filter(related_id=str(case.pk))),
            # deadlines count from the case's own receipt
            case.first_contact_due_at == deadlines.first_contact_due(case.category, case.created_at),
            case.due_at == deadlines.resolve_due(case.category, case.urgency, case.created_at),
        )

    for case in cases:
        assert shape(case) == shape(single)
        assert case.search_tokens == search.document(
            case.title, case.description, "经Open311受理。", "按派单规则自动派单。"
        )
    assert tasks.take_open311_requests.call_local() == 0


def test_a_replay_answers_with_the_same_request_before_and_after_the_worker(client, hotline):
    headers = {"Idempotency-Key": "hotline-1"}
    first = post(client, hotline[1], headers=headers, description="路灯不亮")
    again = post(client, hotline[1], headers=headers, description="路灯不亮")
    assert (first.status_code, again.status_code) == (201, 200)
    token = json.loads(first.content)[0]["token"]
    assert json.loads(again.content)[0]["token"] == token and Open311Request.objects.count() == 1
    tasks.take_open311_requests.call_local()
    later = json.loads(post(client, hotline[1], headers=headers, description="路灯不亮").content)[0]
    assert later["service_request_id"] == Case.objects.get().number and later["token"] == token
    assert Case.objects.count() == 1


def test_a_request_the_workflow_refuses_keeps_its_reason_and_the_others_become_cases(client, hotline):
    good = json.loads(post(client, hotline[1], description="路灯不亮").content)[0]["token"]
    bad = json.loads(post(client, hotline[1], description="井盖松动").content)[0]["token"]
    # what the POST checked no longer holds when the worker comes: here, the title is gone
    o = Open311Request.objects.get(token=bad)
    Open311Request.objects.filter(pk=o.pk).update(pending={**o.pending, "title": ""})
    assert open311_services.take_pending() == 2
    assert Open311Request.objects.get(token=good).case is not None
    refused = Open311Request.objects.get(token=bad)
    assert refused.case is None and "标题" in refused.error
    response = client.get(f"{BASE}/tokens/{bad}.json")
    assert response.status_code == 400 and "未能登记" in json.loads(response.content)[0]["description"]
    assert open311_services.take_pending() == 0  # not tried again


def test_a_request_with_a_photo_is_made_at_once(client, hotline):
    response = post(client, hotline[1], description="井盖松动", media=png())
    body = json.loads(response.content)
    assert response.status_code == 201 and body[0]["service_request_id"].startswith("MH")
    assert Case.objects.get().attachments.count() == 1


def test_inactive_category_at_post_is_refused_at_once(client, hotline):
    Category.objects.filter(code="repair").update(is_active=False)
    assert post(client, hotline[1], description="路灯不亮").status_code == 404
    assert Open311Request.objects.count() == 0


def test_a_batch_places_each_point_in_the_grid_of_its_nearest_known_address(client, world, users, categories):
    partner = Open311Client(name="热线转派（街道）", region=world.laoximen, answer_with_token=True)
    key = open311_services.client_issue_key(client=partner, by=users["admin"])
    Address.objects.create(
        region=world.penglai_grid, road="蓬莱路", lane="100", number="3", latitude="31.218100", longitude="121.489100"
    )
    near = post(client, key, description="井盖松动", lat="31.218000", long="121.489000", address_string="")
    far = post(client, key, description="井盖松动", lat="31.250000", long="121.489000", address_string="")
    assert open311_services.take_pending() == 2
    by_token = {o.token: o.case for o in Open311Request.objects.select_related("case")}
    assert by_token[json.loads(near.content)[0]["token"]].region == world.penglai_grid
    assert by_token[json.loads(far.content)[0]["token"]].region == world.laoximen
