"""Open311 GeoReport v2 conformance: every method in both formats, element names parsed with
ElementTree, JSON shapes, error codes, filters, pagination, the alias, empty parameters, media
upload, Chinese names, and the servicerequestupdates extension (GET and POST)."""

import datetime
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from audit.models import AuditEntry
from cases import open311_services
from cases.actions.workflow import case_cancel, case_dispatch, case_resolve
from cases.models import Attachment, Case, CaseEvent, Category, Open311Attribute, Open311Client, Open311Request
from cases.open311_services import join_name, split_name
from org.models import Unit, User
from people.models import Address

BASE = "/open311/v2"


@pytest.fixture
def partner(world, users, categories):
    """A partner system (a city-wide app) with its key, landing cases in 老西门街道."""
    client = Open311Client(name="随申办对接", region=world.laoximen)
    key = open311_services.client_issue_key(client=client, by=users["admin"])
    return client, key


@pytest.fixture
def lamp_question(repair):
    return Open311Attribute.objects.create(
        category=repair,
        code="facility",
        description="设施类型",
        datatype="singlevaluelist",
        required=True,
        order=1,
        values=[{"key": "lamp", "name": "路灯"}, {"key": "drain", "name": "下水道"}],
    )


def xml(response):
    assert response["Content-Type"].startswith("text/xml"), response["Content-Type"]
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def js(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return json.loads(response.content)


def post(client, key, fmt="json", headers=None, **fields):
    data = {"api_key": key, "service_code": "repair", "lat": "31.218000", "long": "121.489000", **fields}
    return client.post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None}, headers=headers)


def png(name="photo.png"):
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 60)).save(buf, format="PNG")
    buf.seek(0)
    buf.name = name
    return buf


def assert_error(response, status, fmt):
    assert response.status_code == status
    if fmt == "xml":
        root = xml(response)
        assert root.tag == "errors"
        err = root.find("error")
        assert err.findtext("code") == str(status) and err.findtext("description")
        return err.findtext("description")
    body = js(response)
    assert isinstance(body, list) and body[0]["code"] == status and body[0]["description"]
    return body[0]["description"]


# ----------------------------------------------------------------------------------------------
# discovery, services, service definitions
# ----------------------------------------------------------------------------------------------
def test_discovery_in_both_formats(client, db):
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.findtext("changeset") and root.findtext("contact")
    ep = root.find("endpoints/endpoint")
    assert ep.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert ep.findtext("url") == "http://testserver/open311/v2"
    assert ep.findtext("type") == "production"
    assert [f.text for f in ep.findall("formats/format")] == ["text/xml", "application/json"]
    body = js(client.get(f"{BASE}/discovery.json"))
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"] and "key_service" in body


def test_services_list_in_both_formats(client, categories, lamp_question):
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services_ = {s.findtext("service_code"): s for s in root.findall("service")}
    assert set(services_) == set(Category.objects.filter(is_active=True).values_list("code", flat=True))
    repair = services_["repair"]
    assert [child.tag for child in repair] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    ]  # fmt: skip
    assert repair.findtext("service_name") == "物业与设施报修" and repair.findtext("metadata") == "true"
    assert repair.findtext("type") == "realtime"
    assert services_["legal"].findtext("metadata") == "false"
    body = js(client.get(f"{BASE}/services.json"))
    assert isinstance(body, list)
    item = next(s for s in body if s["service_code"] == "repair")
    assert item["metadata"] is True and item["type"] == "realtime" and "物业与设施报修" in item["keywords"]


def test_service_definition_both_formats_and_the_alias(client, lamp_question):
    for path in ("services", "service"):
        root = xml(client.get(f"{BASE}/{path}/repair.xml"))
        assert root.tag == "service_definition" and root.findtext("service_code") == "repair"
        attr = root.find("attributes/attribute")
        assert [c.tag for c in attr] == [
            "variable", "code", "datatype", "required", "datatype_description", "order", "description", "values",
        ]  # fmt: skip
        assert attr.findtext("variable") == "true" and attr.findtext("required") == "true"
        assert attr.findtext("datatype") == "singlevaluelist" and attr.findtext("order") == "1"
        values = [(v.findtext("key"), v.findtext("name")) for v in attr.findall("values/value")]
        assert values == [("lamp", "路灯"), ("drain", "下水道")]
    body = js(client.get(f"{BASE}/service/repair.json"))
    assert body["service_code"] == "repair"
    assert body["attributes"][0]["values"][1] == {"key": "drain", "name": "下水道"}
    assert body["attributes"][0]["datatype_description"] is None


def test_unknown_service_is_404_in_both_formats(client, categories):
    assert "nope" in assert_error(client.get(f"{BASE}/services/nope.xml"), 404, "xml")
    assert_error(client.get(f"{BASE}/services/nope.json"), 404, "json")


def test_unsupported_format_and_method(client, categories):
    assert_error(client.get(f"{BASE}/services.csv"), 400, "xml")
    response = client.delete(f"{BASE}/services.json")
    assert_error(response, 405, "json")
    assert response["Allow"] == "GET"
    # no suffix means XML
    assert xml(client.get(f"{BASE}/services")).tag == "services"


# ----------------------------------------------------------------------------------------------
# POST requests
# ----------------------------------------------------------------------------------------------
def test_post_creates_a_case_through_the_workflow(client, partner, routed, world):
    api, key = partner
    response = post(client, key, "xml", description="蓬莱路100弄门口路灯不亮", first_name="张三", phone="13812345678")
    assert response.status_code == 201
    req = xml(response).find("request")
    assert [c.tag for c in req] == ["service_request_id", "token", "service_notice", "account_id"]
    case = Case.objects.get(number=req.findtext("service_request_id"))
    assert case.channel == "open311" and case.category.code == "repair"
    assert case.reporter_name == "张三" and case.phone_matches("13812345678")
    assert case.region == world.laoximen and case.title == "蓬莱路100弄门口路灯不亮"
    assert case.events.filter(kind="created").exists()
    o = case.open311
    assert o.client == api and str(o.latitude) == "31.218000" and req.findtext("token") == o.token
    assert AuditEntry.objects.filter(action="cases.case.open311_create", object_id=str(case.pk)).exists()


def test_post_json_and_the_map_point_lands_in_the_nearest_known_grid(client, partner, world):
    Address.objects.create(
        region=world.penglai_grid, road="蓬莱路", lane="100", number="3", latitude="31.218100", longitude="121.489100"
    )
    body = js(post(client, partner[1], "json", description="井盖松动"))
    assert body[0]["service_request_id"].startswith("MH") and body[0]["token"]
    assert Case.objects.get(number=body[0]["service_request_id"]).region == world.penglai_grid


def test_post_errors(client, partner, categories):
    _api, key = partner
    assert "api_key" in assert_error(post(client, None, "xml", description="x"), 403, "xml")
    assert_error(post(client, "o311_wrong", "json", description="x"), 403, "json")
    assert_error(post(client, key, "xml", service_code="", description="x"), 400, "xml")
    assert_error(post(client, key, "json", service_code="nope", description="x"), 404, "json")
    assert "位置" in assert_error(post(client, key, "json", lat="", long="", description="x"), 400, "json")
    assert_error(post(client, key, "json", lat="91", description="x"), 400, "json")
    assert_error(post(client, key, "json", lat="31.2", long=None, description="x"), 400, "json")
    assert_error(post(client, key, "json", media_url="javascript:alert(1)", description="x"), 400, "json")
    assert_error(post(client, key, "json", address_id="999999", lat="", long="", description="x"), 400, "json")
    api = Open311Client.objects.get()
    api.is_active = False
    api.save()
    assert_error(post(client, key, "json", description="x"), 403, "json")
    assert not Case.objects.exists()


def test_address_string_or_address_id_are_enough(client, partner, world):
    _api, key = partner
    body = js(post(client, key, lat="", long="", address_string="蓬莱路100弄", description="垃圾没清"))
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert case.location_text == "蓬莱路100弄" and case.region == world.laoximen
    addr = Address.objects.create(region=world.penglai_grid, road="蓬莱路", lane="100", number="5", room="201")
    body = js(post(client, key, lat="", long="", address_id=str(addr.pk), description="水管漏水"))
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert case.address == addr and case.region == world.penglai_grid
    # an address outside the partner's region is refused like a missing one
    far = Address.objects.create(region=world.shaanxi_grid, road="陕西南路", lane="582", number="11")
    assert_error(post(client, key, lat="", long="", address_id=str(far.pk), description="x"), 400, "json")


def test_attributes_are_checked_and_written_into_the_description(client, partner, lamp_question):
    _api, key = partner
    assert "facility" in assert_error(post(client, key, description="灯坏了"), 400, "json")
    assert_error(post(client, key, description="灯坏了", **{"attribute[facility]": "tree"}), 400, "json")
    body = js(post(client, key, description="灯坏了", **{"attribute[facility]": "lamp", "attribute[title]": "路灯"}))
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert "设施类型：路灯" in case.description and case.title == "路灯"
    assert case.open311.attributes["facility"] == ["lamp"]


@pytest.mark.parametrize(
    ("first", "last", "whole"),
    [
        ("张三", "", "张三"),
        ("", "张三", "张三"),
        ("三", "张", "张三"),
        ("娜娜", "欧阳", "欧阳娜娜"),
        ("张三", "张", "张三"),
        ("San", "Zhang", "San Zhang"),
        ("", "", ""),
    ],
)
def test_names_join_sensibly(first, last, whole):
    assert join_name(first, last) == whole


def test_names_split_without_cutting_chinese_names():
    assert split_name("张三") == ("张三", "")
    assert split_name("欧阳娜娜") == ("欧阳娜娜", "")
    assert split_name("Zhang San") == ("Zhang", "San")
    assert split_name("") == ("", "")


def test_chinese_name_in_one_field_is_kept_whole(client, partner):
    body = js(post(client, partner[1], description="路灯坏了", first_name="", last_name="张三"))
    assert Case.objects.get(number=body[0]["service_request_id"]).reporter_name == "张三"
    body = js(post(client, partner[1], description="路灯坏了", name="李四"))
    assert Case.objects.get(number=body[0]["service_request_id"]).reporter_name == "李四"


def test_idempotency_key_creates_one_case_per_partner(client, partner, world, users):
    api, key = partner
    headers = {"Idempotency-Key": "fms-report-42"}
    first = post(client, key, headers=headers, description="路灯坏了")
    again = post(client, key, headers=headers, description="路灯坏了")
    assert first.status_code == 201 and again.status_code == 200
    assert js(first) == js(again) and Case.objects.count() == 1
    other = Open311Client(name="另一个系统", region=world.laoximen)
    other_key = open311_services.client_issue_key(client=other, by=users["admin"])
    assert post(client, other_key, headers=headers, description="路灯坏了").status_code == 201
    # without the header each POST is a new report
    post(client, key, description="路灯坏了")
    assert Case.objects.count() == 3


def test_multipart_media_upload_goes_through_the_photo_checks(client, partner):
    _api, key = partner
    response = post(client, key, description="下水道堵了", media=png())
    assert response.status_code == 201
    case = Case.objects.get(number=js(response)[0]["service_request_id"])
    att = Attachment.objects.get(case=case)
    assert att.kind == "intake" and att.original_name == "photo.png"
    item = js(client.get(f"{BASE}/requests/{case.number}.json"))[0]
    assert item["media_url"].startswith("http://testserver/media/cases/")
    bad = io.BytesIO(b"not an image at all")
    bad.name = "virus.exe"
    message = assert_error(post(client, key, description="下水道堵了", media=bad), 400, "json")
    assert "图片" in message and Case.objects.count() == 1


# ----------------------------------------------------------------------------------------------
# GET requests, request, tokens
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def some_cases(make_case, routed, users):
    """Three repair cases (one resolved) and a family case that must never be listed publicly."""
    a = make_case(description="蓬莱路100弄路灯不亮，联系13812345678")
    b = make_case(title="垃圾", description="垃圾桶满了")
    c = make_case(title="井盖", description="井盖松了")
    case_resolve(case=c, by=users["worker"], note="已更换井盖，已告知张阿姨")
    family = make_case(title="家庭纠纷", description="老人与儿子为房子争吵", category="family")
    return a, b, c, family


def test_get_requests_in_both_formats(client, some_cases):
    a, b, c, family = some_cases
    root = xml(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    items = root.findall("request")
    assert [r.findtext("service_request_id") for r in items] == [c.number, b.number, a.number]
    assert [child.tag for child in items[0]] == [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
        "address", "address_id", "zipcode", "lat", "long", "media_url",
    ]  # fmt: skip
    assert items[0].findtext("status") == "closed" and items[1].findtext("status") == "open"
    assert items[0].findtext("agency_responsible") == "蓬莱路居委会"
    assert items[1].findtext("requested_datetime").endswith("+08:00")
    assert items[1].findtext("expected_datetime").endswith("+08:00")
    body = js(client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in body] == [c.number, b.number, a.number]
    assert body[0]["lat"] is None and body[0]["media_url"] is None


def test_get_output_never_carries_personal_data(client, some_cases):
    a, _b, c, family = some_cases
    for fmt in ("xml", "json"):
        text = client.get(f"{BASE}/requests.{fmt}").content.decode()
        assert "13812345678" not in text and "138****5678" in text  # the number inside the description
        assert "张阿姨" not in text  # neither the reporter name nor the resolution that names her
        assert family.number not in text and "争吵" not in text
    assert_error(client.get(f"{BASE}/requests/{family.number}.json"), 404, "json")


def test_filters_empty_params_and_the_id_list(client, some_cases):
    a, b, c, _family = some_cases
    ids = lambda r: [x["service_request_id"] for x in js(r)]  # noqa: E731
    assert ids(client.get(f"{BASE}/requests.json?status=open")) == [b.number, a.number]
    assert ids(client.get(f"{BASE}/requests.json?status=closed")) == [c.number]
    assert ids(client.get(f"{BASE}/requests.json?status=open,closed")) == [c.number, b.number, a.number]
    assert ids(client.get(f"{BASE}/requests.json?service_code=sanitation")) == []
    # empty parameters count as absent
    assert ids(client.get(f"{BASE}/requests.json?status=&service_code=&start_date=&page=")) == [
        c.number, b.number, a.number,
    ]  # fmt: skip
    # with service_request_id every other filter is ignored
    got = ids(client.get(f"{BASE}/requests.json?service_request_id={a.number},{c.number}&status=open"))
    assert got == [c.number, a.number]
    assert_error(client.get(f"{BASE}/requests.json?status=pending"), 400, "json")


def test_date_window(client, some_cases):
    a, b, c, _family = some_cases
    Case.objects.filter(pk=a.pk).update(created_at=timezone.now() - datetime.timedelta(days=100))
    ids = lambda r: [x["service_request_id"] for x in js(r)]  # noqa: E731
    assert a.number not in ids(client.get(f"{BASE}/requests.json"))  # the 90-day default window
    start = (timezone.localtime() - datetime.timedelta(days=120)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    # an unencoded "+" arrives as a space and is still understood
    got = ids(client.get(f"{BASE}/requests.json?start_date={start}"))
    assert got == [a.number]
    assert ids(client.get(f"{BASE}/requests.json?start_date={start.replace('+', '%2B')}")) == [a.number]
    today = timezone.localdate().isoformat()
    assert set(ids(client.get(f"{BASE}/requests.json?start_date={today}"))) == {b.number, c.number}
    too_long = (timezone.localdate() - datetime.timedelta(days=200)).isoformat()
    assert_error(client.get(f"{BASE}/requests.xml?start_date={too_long}&end_date={today}"), 400, "xml")
    assert_error(client.get(f"{BASE}/requests.json?start_date=yesterday"), 400, "json")
    assert_error(client.get(f"{BASE}/requests.json?start_date={today}&end_date=2000-01-01"), 400, "json")


def test_pagination(client, some_cases):
    a, b, c, _family = some_cases
    ids = lambda r: [x["service_request_id"] for x in js(r)]  # noqa: E731
    assert ids(client.get(f"{BASE}/requests.json?page_size=2")) == [c.number, b.number]
    assert ids(client.get(f"{BASE}/requests.json?page_size=2&page=2")) == [a.number]
    assert ids(client.get(f"{BASE}/requests.json?page_size=2&page=3")) == []
    assert_error(client.get(f"{BASE}/requests.json?page=0"), 400, "json")
    assert_error(client.get(f"{BASE}/requests.json?page_size=5000"), 400, "json")


def test_list_query_count_is_fixed(client, make_case, routed, django_assert_max_num_queries):
    for i in range(3):
        make_case(title=f"路灯{i}")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{BASE}/requests.json")
    for i in range(10):
        make_case(title=f"路灯{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(js(client.get(f"{BASE}/requests.json"))) == 13
    assert len(many) == len(few) <= 3


def test_single_request_is_a_one_element_array_and_404(client, some_cases):
    a, *_ = some_cases
    root = xml(client.get(f"{BASE}/requests/{a.number}.xml"))
    assert root.tag == "service_requests" and len(root.findall("request")) == 1
    assert root.find("request").findtext("service_request_id") == a.number
    body = js(client.get(f"{BASE}/requests/{a.number}.json"))
    assert isinstance(body, list) and len(body) == 1 and body[0]["status"] == "open"
    assert_error(client.get(f"{BASE}/requests/MH1999-000001.xml"), 404, "xml")


def test_partner_reads_its_own_private_requests_with_fuller_notes(client, partner, users):
    api, key = partner
    body = js(post(client, key, service_code="family", description="邻居噪音纠纷，请调解", first_name="王五"))
    number = body[0]["service_request_id"]
    assert_error(client.get(f"{BASE}/requests/{number}.json"), 404, "json")
    mine = js(client.get(f"{BASE}/requests/{number}.json?api_key={key}"))
    assert mine[0]["service_code"] == "family" and "王五" not in json.dumps(mine, ensure_ascii=False)
    case = Case.objects.get(number=number)
    case_dispatch(case=case, unit=case.suggested_unit or _unit(), by=users["staff"])
    case_resolve(case=case, by=users["staff"], note="已组织双方调解，达成一致")
    assert "达成一致" in js(client.get(f"{BASE}/requests/{number}.json?api_key={key}"))[0]["status_notes"]
    assert_error(client.get(f"{BASE}/requests.json?api_key=o311_wrong"), 403, "json")


def _unit():
    return Unit.objects.get(name="老西门街道社区服务办")


def test_token_lookup(client, partner):
    body = js(post(client, partner[1], description="路灯坏了"))
    token, number = body[0]["token"], body[0]["service_request_id"]
    root = xml(client.get(f"{BASE}/tokens/{token}.xml"))
    req = root.find("request")
    assert root.tag == "service_requests" and req.findtext("service_request_id") == number
    assert req.findtext("token") == token
    assert js(client.get(f"{BASE}/tokens/{token}.json")) == [{"service_request_id": number, "token": token}]
    assert_error(client.get(f"{BASE}/tokens/nope.json"), 404, "json")


# ----------------------------------------------------------------------------------------------
# servicerequestupdates
# ----------------------------------------------------------------------------------------------
def test_get_updates_in_both_formats(client, some_cases):
    a, _b, c, family = some_cases
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    updates = root.findall("request_update")
    assert [child.tag for child in updates[0]] == [
        "update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
    ]  # fmt: skip
    of_c = [u for u in updates if u.findtext("service_request_id") == c.number]
    assert [u.findtext("status") for u in of_c] == ["open", "open", "closed"]  # created, dispatched, resolved
    assert of_c[-1].findtext("description") == "办结" and of_c[-1].findtext("updated_datetime").endswith("+08:00")
    assert family.number not in client.get(f"{BASE}/servicerequestupdates.xml").content.decode()
    body = js(client.get(f"{BASE}/servicerequestupdates.json?service_request_id={a.number}"))
    assert {u["service_request_id"] for u in body} == {a.number} and body[0]["update_id"].isdigit()
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert js(client.get(f"{BASE}/servicerequestupdates.json?start_date={future}")) == []
    assert len(js(client.get(f"{BASE}/servicerequestupdates.json?page_size=1&page=2"))) == 1


def test_post_update_appends_once_per_update_id(client, partner, users):
    api, key = partner
    number = js(post(client, key, description="路灯坏了"))[0]["service_request_id"]
    case = Case.objects.get(number=number)
    fields = {
        "api_key": key,
        "service_request_id": number,
        "update_id": "fms-9",
        "description": "灯杆也歪了",
        "status": "OPEN",
        "updated_datetime": "2026-10-08T09:30:00+08:00",
        "first_name": "三",
        "last_name": "张",
    }
    first = client.post(f"{BASE}/servicerequestupdates.xml", fields)
    assert first.status_code == 201
    update_id = xml(first).find("request_update").findtext("update_id")
    updated = xml(first).find("request_update").findtext("updated_datetime")
    again = client.post(f"{BASE}/servicerequestupdates.json", fields)
    assert again.status_code == 200 and js(again) == [{"update_id": update_id, "updated_datetime": updated}]
    event = CaseEvent.objects.get(pk=update_id)
    assert event.case == case and event.kind == "info_added" and event.note == "灯杆也歪了"
    assert event.data["open311_update_id"] == "fms-9" and "张三" in event.actor_name
    assert case.events.filter(kind="info_added").count() == 1
    # the partner's own update comes back in its GET, with the photo it posted
    photo = client.post(f"{BASE}/servicerequestupdates.json", {**fields, "update_id": "fms-10", "media": png()})
    assert photo.status_code == 201
    mine = js(client.get(f"{BASE}/servicerequestupdates.json?service_request_id={number}&api_key={key}"))
    assert "灯杆也歪了" in [u["description"] for u in mine]
    assert any((u["media_url"] or "").startswith("http://testserver/media/") for u in mine)
    # "closed" from the partner is recorded, not applied
    client.post(f"{BASE}/servicerequestupdates.json", {**fields, "update_id": "fms-11", "status": "CLOSED"})
    case.refresh_from_db()
    assert case.status != "resolved" and "对方系统标记" in case.events.last().note


def test_post_update_errors(client, partner, some_cases, users):
    api, key = partner
    a, _b, c, family = some_cases
    url = f"{BASE}/servicerequestupdates.json"
    assert_error(client.post(url, {"service_request_id": a.number, "description": "x"}), 403, "json")
    assert_error(client.post(url, {"api_key": key, "description": "x"}), 400, "json")
    assert_error(client.post(url, {"api_key": key, "service_request_id": "MH1999-1", "description": "x"}), 404, "json")
    private = client.post(url, {"api_key": key, "service_request_id": family.number, "description": "x"})
    assert_error(private, 404, "json")
    assert_error(client.post(url, {"api_key": key, "service_request_id": a.number, "description": ""}), 400, "json")
    case_cancel(case=a, by=users["staff"], reason="重复反映")
    a.refresh_from_db()
    closed = client.post(url, {"api_key": key, "service_request_id": a.number, "description": "还没修"})
    message = assert_error(closed, 400, "json")
    assert "已结束" in message


# ----------------------------------------------------------------------------------------------
# keys in the back office
# ----------------------------------------------------------------------------------------------
def test_staff_issue_and_reissue_keys_in_the_admin(client, world, categories):
    boss = User.objects.create_superuser(username="root", password="pw-root")
    client.force_login(boss)
    response = client.post(
        "/admin/cases/open311client/add/",
        {"name": "12345热线", "contact": "", "region": world.laoximen.pk, "is_active": "on", "note": ""},
        follow=True,
    )
    assert response.status_code == 200
    api = Open311Client.objects.get(name="12345热线")
    shown = [str(m) for m in response.context["messages"]]
    key = next(re.search(r"o311_[-\w]+", m).group(0) for m in shown if "o311_" in m)
    assert Open311Client.digest(key) == api.key_hash and key not in (api.key_hash, api.key_prefix)
    assert post(client, key, description="路灯坏了").status_code == 201
    client.post(
        "/admin/cases/open311client/",
        {"action": "reissue_keys", "_selected_action": [api.pk]},
        follow=True,
    )
    assert_error(post(client, key, description="路灯坏了"), 403, "json")
    assert AuditEntry.objects.filter(action="cases.open311client.issue_key").count() == 2
    assert Open311Request.objects.count() == 1
