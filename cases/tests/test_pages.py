"""Staff pages: intake, inbox, list with filters, detail actions over htmx, export."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cases.actions.consent import consent_round_open
from cases.models import Case, SavedView


def test_intake_form_records_a_case_in_one_post(client_for, users, world, categories):
    client = client_for(users["worker"])
    assert client.get(reverse("cases:new")).status_code == 200
    response = client.post(
        reverse("cases:new"),
        {
            "channel": "visit",
            "reporter_name": "张阿姨",
            "reporter_phone": "138 1234 5678",
            "region": world.penglai_grid.pk,
            "category": Case.objects.none()
            .model._meta.get_field("category")
            .related_model.objects.get(code="repair")
            .pk,
            "urgency": "normal",
            "title": "楼道灯坏了",
            "description": "3号楼道灯不亮",
            "idempotency_key": "form-1",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.channel == "visit" and case.reporter_phone == "13812345678" and case.created_by == users["worker"]


def test_intake_rejects_bad_phone_with_a_chinese_message_and_keeps_input(client_for, users, world, categories):
    client = client_for(users["worker"])
    response = client.post(reverse("cases:new"), {"channel": "desk", "reporter_phone": "12ab", "title": "标题x"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "请填写正确的电话号码" in text and "标题x" in text
    assert not Case.objects.exists()


def test_dispatch_from_the_case_page_over_htmx(client_for, users, world, make_case):
    case = make_case()
    client = client_for(users["staff"])
    response = client.post(
        reverse("cases:act", args=[case.pk, "dispatch"]),
        {"unit": world.penglai_committee.pk, "version": case.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "已派单" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "dispatched"


def test_stale_page_gets_the_conflict_message(client_for, users, world, make_case):
    case = make_case()
    client = client_for(users["staff"])
    url = reverse("cases:act", args=[case.pk, "dispatch"])
    client.post(url, {"unit": world.penglai_committee.pk, "version": case.version})
    response = client.post(url, {"unit": world.laoximen_office.pk, "version": case.version}, HTTP_HX_REQUEST="true")
    assert "刚刚已被其他人处理" in response.content.decode()
    case.refresh_from_db()
    assert case.main_unit == world.penglai_committee


def test_case_page_says_time_left_in_plain_words(client_for, users, make_case):
    case = make_case()
    text = client_for(users["worker"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "还剩" in text and "个工作日" in text


def test_inbox_shows_what_rules_could_not_decide(client_for, users, make_case, routed):
    routed_case = make_case(title="楼道灯坏了")
    waiting = make_case(category="legal", title="遗产继承咨询")
    text = client_for(users["staff"]).get(reverse("cases:inbox")).content.decode()
    assert waiting.number in text and routed_case.number not in text.split("本单位在办")[0]


def test_list_filters_by_status_and_search_and_overdue(client_for, users, make_case, routed):
    a = make_case(title="粪管改道", description="陕西南路582弄11号粪管改道")
    b = make_case(category="legal", title="遗产继承咨询")
    client = client_for(users["staff"])
    text = client.get(reverse("cases:list"), {"q": "粪管"}).content.decode()
    assert a.number in text and b.number not in text
    text = client.get(reverse("cases:list"), {"status": "new"}).content.decode()
    assert b.number in text and a.number not in text
    Case.objects.filter(pk=a.pk).update(due_at="2020-01-01T00:00:00+08:00")
    text = client.get(reverse("cases:list"), {"overdue": "true"}).content.decode()
    assert a.number in text and b.number not in text


def test_list_query_count_is_fixed(client_for, users, make_case):
    client = client_for(users["staff"])
    make_case()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("cases:list"))
    for _ in range(5):
        make_case()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("cases:list"))
    assert len(few) == len(many) <= 14


def test_saved_view_appears_as_a_preset(client_for, users, make_case):
    client = client_for(users["staff"])
    client.post(reverse("cases:saved_view_create"), {"name": "紧急在办", "query": "open=true&q=灯"})
    assert SavedView.objects.get(user=users["staff"]).query == "open=true&q=灯"
    text = client.get(reverse("cases:list")).content.decode()
    assert "紧急在办" in text and "我单位在办" in text


def test_excel_export_of_the_filtered_list(client_for, users, make_case):
    a = make_case(title="粪管改道")
    make_case(title="楼道灯")
    response = client_for(users["staff"]).get(reverse("cases:export"), {"q": "粪管"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "编号" and len(rows) == 2 and rows[1][0] == a.number
    assert "13812345678" not in str(rows)


@pytest.mark.parametrize("action", ["accept", "contact", "resolve"])
def test_handler_actions_from_the_page(client_for, users, make_case, routed, action):
    case = make_case()
    client = client_for(users["worker"])
    client.post(reverse("cases:act", args=[case.pk, action]), {"note": "已处理好", "version": case.version})
    case.refresh_from_db()
    assert case.status == {"accept": "accepted", "contact": "contacted", "resolve": "resolved"}[action]


def test_return_request_decided_from_the_inbox(client_for, users, make_case, routed):
    case = make_case()
    worker = client_for(users["worker"])
    worker.post(
        reverse("cases:act", args=[case.pk, "return"]),
        {"reason_code": "not_our_duty", "reason": "属于物业", "version": case.version},
    )
    request = case.requests.get()
    staff = client_for(users["staff"])
    text = staff.get(reverse("cases:inbox")).content.decode()
    assert "属于物业" in text
    staff.post(reverse("cases:request_decide", args=[request.pk]), {"decision": "approve", "next": "inbox"})
    case.refresh_from_db()
    assert case.status == "new"


def test_consent_recorded_from_the_page(client_for, users, make_case, routed):
    case = make_case()
    rnd = consent_round_open(case=case, by=users["worker"], title="粪管改道方案")
    client = client_for(users["worker"])
    client.post(
        reverse("cases:consent_add", args=[rnd.pk]),
        {"name": "李阿婆", "address_text": "101室", "agrees": "1", "channel": "in_person"},
    )
    assert rnd.consents.get().agrees is True
    text = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "李阿婆" in text and "当面签字" in text
