"""Aliyun SMS (阿里云短信服务, dysmsapi ``SendSms``, API version 2017-05-25) and its delivery reports.

Requests are signed as the vendor documents in "HTTP协议及签名" / "签名机制" (RPC style, signature
version 1.0): the parameters sorted by name, each name and value percent-encoded per RFC 3986
(space → %20, ``~`` kept), joined into the canonical query; the string to sign is
``METHOD&%2F&`` + the percent-encoded canonical query; the signature is Base64(HMAC-SHA1) with the
AccessKey secret plus ``&`` as the key. ``notify/tests/test_aliyun_sms.py`` reproduces the vendor's
published example (AccessKeyId ``testId``, secret ``testSecret`` → ``zJDF+Lrzhj/ThnlvIToysFRq6t4=``).

Each attempt sends ``OutId = "<message id>.<attempt>"``; the vendor echoes it in its delivery
report (SmsReport, HTTP batch push to our receipt URL), so a report finds its attempt even when the
answer to the send request was lost.
"""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import uuid

from django.conf import settings

from .. import receipts
from ..senders import Undeliverable
from ..sms_templates import template_for
from .http import GatewayError, post

GATEWAY = "aliyun_sms"
API_VERSION = "2017-05-25"
# Refusals that no retry can cure: the number, the template or its parameters are wrong.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
}


def percent_encode(value) -> str:
    """RFC 3986: unreserved characters kept, everything else %XY of its UTF-8 bytes (space is %20)."""
    return urllib.parse.quote(str(value), safe="-_.~")


def canonical_query(params: dict) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def string_to_sign(params: dict, method: str = "POST") -> str:
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"


def signature(params: dict, secret: str, method: str = "POST") -> str:
    """The ``Signature`` of a request whose other parameters are ``params``."""
    params = {k: v for k, v in params.items() if k != "Signature"}
    digest = hmac.new(f"{secret}&".encode(), string_to_sign(params, method).encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _config() -> dict:
    conf = getattr(settings, "MINHU_ALIYUN_SMS", {}) or {}
    missing = [name for name in ("access_key_id", "access_key_secret", "sign_name") if not conf.get(name)]
    if missing:
        names = {
            "access_key_id": "MINHU_ALIYUN_ACCESS_KEY_ID",
            "access_key_secret": "MINHU_ALIYUN_ACCESS_KEY_SECRET",
            "sign_name": "MINHU_SMS_SIGN_NAME",
        }
        raise GatewayError("阿里云短信未配置：缺少 " + "、".join(names[m] for m in missing))
    return conf


class AliyunSmsSender:
    """``MINHU_SMS_SENDER=notify.gateways.aliyun_sms.AliyunSmsSender``."""

    def send(self, message) -> None:
        conf = _config()
        code, values = template_for(message.purpose, message.body)
        attempt = receipts.this_attempt(message)
        params = {
            "AccessKeyId": conf["access_key_id"],
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": receipts.out_id(message, attempt),
            "PhoneNumbers": message.to,
            "RegionId": conf.get("region") or "cn-hangzhou",
            "SignName": conf["sign_name"],
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": code,
            "TemplateParam": json.dumps(values, ensure_ascii=False, separators=(",", ":")),
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
        }
        params["Signature"] = signature(params, conf["access_key_secret"], "POST")
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in params.items()).encode()
        _, answer = post(conf["endpoint"], body=body, content_type="application/x-www-form-urlencoded")
        result, text = str(answer.get("Code", "")), str(answer.get("Message", ""))
        if result == "OK":
            receipts.record_answer(
                message=message, gateway=GATEWAY, attempt=attempt, ok=True, vendor_id=str(answer.get("BizId", ""))
            )
            return
        receipts.record_answer(message=message, gateway=GATEWAY, attempt=attempt, ok=False, code=result, detail=text)
        error = Undeliverable if result in PERMANENT_CODES else GatewayError
        raise error(f"阿里云短信拒绝发送：{result or '无代码'} {text}".strip())


def record_reports(items) -> int:
    """Record SmsReport items (the JSON array the vendor posts); returns how many were new.
    Reports of messages we do not know are skipped: answering an error would only make the
    vendor push them again."""
    recorded = 0
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        vendor_id = str(item.get("biz_id") or "")
        found = receipts.find_message(out_id=str(item.get("out_id") or ""), vendor_id=vendor_id)
        if found is None:
            continue
        message, attempt = found
        success = item.get("success")
        delivered = success is True or str(success).lower() == "true"
        receipt = receipts.record_delivery(
            message=message,
            gateway=GATEWAY,
            attempt=attempt,
            delivered=delivered,
            vendor_id=vendor_id,
            code=str(item.get("err_code") or ""),
            detail=str(item.get("err_msg") or ""),
            at=receipts.shanghai_time(str(item.get("report_time") or "")),
        )
        recorded += receipt is not None
    return recorded
