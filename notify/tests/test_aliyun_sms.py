import json
import urllib.parse

import pytest
from django.utils import timezone

from notify import services
from notify.gateways import aliyun_sms
from notify.models import Message, Receipt

from .fake_gateways import ACCESS_KEY_ID, ACCESS_KEY_SECRET, aliyun_server, vendor_signature

# The example of Aliyun SMS "HTTP协议及签名" (help.aliyun.com/document_detail/101343.html), as published.
VENDOR_EXAMPLE = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
VENDOR_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="
VENDOR_URL = (
    "http://dysmsapi.aliyuncs.com/?Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&AccessKeyId=testId&Action=SendSms"
    "&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
    "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
    "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0"
    "&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z"
    "&Version=2017-05-25"
)
CREATED = "【民呼】您反映的诉求已受理，编号 HP-2025-000123。可凭编号和手机号查询进度：https://minhu.example/t/abc"


def test_signature_reproduces_the_vendors_published_example():
    assert aliyun_sms.signature(VENDOR_EXAMPLE, "testSecret", "GET") == VENDOR_SIGNATURE
    encoded = aliyun_sms.percent_encode(VENDOR_SIGNATURE)
    assert (
        f"http://dysmsapi.aliyuncs.com/?Signature={encoded}&{aliyun_sms.canonical_query(VENDOR_EXAMPLE)}" == VENDOR_URL
    )
    # the stand-in gateway's own implementation agrees, so it can judge our real requests
    assert vendor_signature(VENDOR_EXAMPLE, "testSecret", "GET") == VENDOR_SIGNATURE


def test_percent_encoding_follows_rfc3986_as_the_vendor_asks():
    assert aliyun_sms.percent_encode("a b*c~d+e/") == "a%20b%2Ac~d%2Be%2F"


@pytest.fixture
def gateway(settings):
    with aliyun_server() as server:
        settings.MINHU_NOTIFY_SENDERS = {
            **settings.MINHU_NOTIFY_SENDERS,
            "sms": "notify.gateways.aliyun_sms.AliyunSmsSender",
        }
        settings.MINHU_ALIYUN_SMS = {
            "access_key_id": ACCESS_KEY_ID,
            "access_key_secret": ACCESS_KEY_SECRET,
            "sign_name": "民呼",
            "region": "cn-hangzhou",
            "endpoint": server.url,
        }
        settings.MINHU_SMS_TEMPLATES = {"case.created": "SMS_4650123"}
        settings.MINHU_NOTIFY_RECEIPT_TOKEN = "receipt-secret-0123"
        yield server


def test_a_message_goes_out_signed_with_its_template_and_records_the_biz_id(db, gateway):
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    assert message.status == Message.Status.SENT
    [request] = gateway.requests
    assert request["_signature_ok"] is True
    assert request["PhoneNumbers"] == "13900001234" and request["SignName"] == "民呼"
    assert request["TemplateCode"] == "SMS_4650123"
    assert json.loads(request["TemplateParam"]) == {"number": "HP-2025-000123", "url": "https://minhu.example/t/abc"}
    assert request["OutId"] == f"{message.pk}.1"
    assert message.vendor_id == "9006197469364984401^0"
    answer = message.receipts.get()
    assert (answer.kind, answer.ok, answer.attempt, answer.vendor_id) == ("answer", True, 1, message.vendor_id)


def test_a_refusal_fails_the_message_with_the_vendors_code_and_keeps_a_receipt(db, gateway):
    gateway.answers.append((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发天级流控Permits:10"}))
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    assert message.status == Message.Status.FAILED
    assert "isv.BUSINESS_LIMIT_CONTROL" in message.error and "流控" in message.error
    assert message.receipts.get().code == "isv.BUSINESS_LIMIT_CONTROL"
    # the retry is a new attempt with its own OutId and receipt
    message = services.deliver(message=message)
    assert message.status == Message.Status.SENT and message.attempts == 2
    assert gateway.requests[-1]["OutId"] == f"{message.pk}.2"
    assert list(message.receipts.values_list("attempt", "ok")) == [(1, False), (2, True)]


def test_a_wrong_secret_is_refused_by_the_gateway_and_never_written_down(db, gateway, settings, caplog):
    settings.MINHU_ALIYUN_SMS = {**settings.MINHU_ALIYUN_SMS, "access_key_secret": "not-the-secret"}
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    assert gateway.requests[0]["_signature_ok"] is False
    assert message.status == Message.Status.FAILED and "SignatureDoesNotMatch" in message.error
    assert "not-the-secret" not in message.error and "not-the-secret" not in caplog.text


def test_a_purpose_without_a_template_fails_with_the_reason_and_sends_nothing(db, gateway):
    message = services.send(to="13900001234", body="【民呼】请 A012 号到法律咨询台咨询。", purpose="events.ticket.call")
    message = services.deliver(message=message)
    assert message.status == Message.Status.FAILED
    assert message.error == "用途“events.ticket.call”没有配置短信模板（MINHU_SMS_TEMPLATES）"
    assert gateway.requests == []


def test_a_body_the_template_cannot_carry_fails_with_the_reason(db, gateway):
    message = services.deliver(message=services.send(to="13900001234", body="随便写的一句话", purpose="case.created"))
    assert message.status == Message.Status.FAILED and "模板不符" in message.error
    assert gateway.requests == []


def test_an_unconfigured_gateway_names_what_is_missing(db, gateway, settings):
    settings.MINHU_ALIYUN_SMS = {**settings.MINHU_ALIYUN_SMS, "access_key_secret": ""}
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    assert message.status == Message.Status.FAILED and "MINHU_ALIYUN_ACCESS_KEY_SECRET" in message.error


def _report(client, token, items):
    return client.post(
        f"/notify/receipts/aliyun-sms/{token}/",
        data=json.dumps(items, ensure_ascii=False),
        content_type="application/json",
    )


def _sms_report(message, *, success=True, code="DELIVERED", out_id=None, biz_id=None):
    return {
        "phone_number": "13900001234",
        "send_time": "2025-09-28 09:00:00",
        "report_time": "2025-09-28 09:00:05",
        "success": success,
        "err_code": code,
        "err_msg": "用户接收成功" if success else "用户关机",
        "sms_size": "1",
        "biz_id": biz_id if biz_id is not None else message.vendor_id,
        "out_id": out_id if out_id is not None else f"{message.pk}.1",
    }


def test_a_delivery_report_is_recorded_on_the_message(db, gateway, client):
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    response = _report(client, "receipt-secret-0123", [_sms_report(message)])
    assert response.status_code == 200 and response.json() == {"code": 0, "msg": "接收成功"}
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED and message.delivery_code == "DELIVERED"
    assert timezone.localtime(message.delivery_at).isoformat() == "2025-09-28T09:00:05+08:00"
    # the vendor pushes again when unsure: the second copy changes nothing
    assert _report(client, "receipt-secret-0123", [_sms_report(message)]).status_code == 200
    assert message.receipts.filter(kind=Receipt.Kind.REPORT).count() == 1


def test_a_report_found_by_biz_id_alone_and_a_failed_delivery(db, gateway, client):
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    _report(client, "receipt-secret-0123", [_sms_report(message, success=False, code="MK:0001", out_id="")])
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.UNDELIVERED and message.delivery_code == "MK:0001"
    assert message.status == Message.Status.SENT  # handed over; the handset was off


def test_a_late_failure_report_for_an_earlier_attempt_does_not_undo_a_delivery(db, gateway, client):
    message = services.send(to="13900001234", body=CREATED, purpose="case.created")
    gateway.answers.append((500, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"}))
    message = services.deliver(message=message)
    message = services.deliver(message=message)  # attempt 2 accepted
    _report(client, "receipt-secret-0123", [_sms_report(message, out_id=f"{message.pk}.2")])
    _report(
        client, "receipt-secret-0123", [_sms_report(message, success=False, code="MK:0005", out_id=f"{message.pk}.1")]
    )
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.DELIVERED
    assert sorted(message.receipts.filter(kind="report").values_list("attempt", "ok")) == [(1, False), (2, True)]


def test_the_receipt_url_needs_its_secret(db, gateway, client, settings):
    message = services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    assert _report(client, "guessed", [_sms_report(message)]).status_code == 404
    settings.MINHU_NOTIFY_RECEIPT_TOKEN = ""
    assert _report(client, "", [_sms_report(message)]).status_code == 404
    message.refresh_from_db()
    assert message.delivery == ""


def test_unknown_reports_are_acknowledged_and_garbage_is_refused(db, gateway, client):
    assert _report(client, "receipt-secret-0123", [{"out_id": "999999.1", "success": True}]).json()["code"] == 0
    bad = client.post("/notify/receipts/aliyun-sms/receipt-secret-0123/", data=b"{", content_type="application/json")
    assert bad.status_code == 400


def test_the_request_body_is_form_encoded_like_the_signature(db, gateway):
    services.deliver(message=services.send(to="13900001234", body=CREATED, purpose="case.created"))
    request = gateway.requests[0]
    assert request["Action"] == "SendSms" and request["Version"] == "2017-05-25" and request["Format"] == "JSON"
    assert urllib.parse.quote(request["SignName"]) == "%E6%B0%91%E5%91%BC"
