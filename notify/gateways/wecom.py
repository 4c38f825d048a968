"""WeCom (企业微信) group robots: a 居委's staff group told in the chat its people already read.

A robot added to a group chat has a webhook ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``
(企业微信开发者中心, "群机器人配置说明"). We POST ``{"msgtype": "text", "text": {"content": …}}`` —
or ``markdown`` when the message has a subject — and the robot answers ``{"errcode": 0, "errmsg":
"ok"}``. That answer is the whole receipt: the text is in the group, so errcode 0 records the
message as delivered. The key is a secret (whoever has it can post to the group): it comes from
the environment (``MINHU_WECOM_ROBOTS``, unit id → key) and never appears in a log or an error.
"""

import json
import urllib.parse

from django.conf import settings

from .. import receipts
from ..senders import Undeliverable
from .http import GatewayError, post

GATEWAY = "wecom"
TEXT_LIMIT = 2048  # bytes of UTF-8, as the robot documents for text; markdown allows 4096
MARKDOWN_LIMIT = 4096
# The robot's own limit is 20 messages a minute; errcode 45009 is "too many", worth a retry later.
PERMANENT_ERRCODES = {93000, 40058, 300005}  # invalid webhook key, bad content, robot removed


def unit_address(unit) -> str:
    """The ``to`` of a message for a unit's staff group."""
    return f"unit:{unit.pk}"


def robot_key(address: str) -> str:
    unit_id = address.removeprefix("unit:")
    key = (getattr(settings, "MINHU_WECOM_ROBOTS", {}) or {}).get(unit_id, "")
    if not key:
        raise Undeliverable(f"单位 {unit_id} 没有配置企业微信群机器人（MINHU_WECOM_ROBOTS）")
    return key


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, never cutting a character in half."""
    return text.encode()[:limit].decode("utf-8", errors="ignore")


def payload(message) -> dict:
    if message.subject:
        content = f"**{message.subject}**\n{message.body}"
        return {"msgtype": "markdown", "markdown": {"content": _clip(content, MARKDOWN_LIMIT)}}
    return {"msgtype": "text", "text": {"content": _clip(message.body, TEXT_LIMIT)}}


class WeComRobotSender:
    """``MINHU_WECOM_SENDER=notify.gateways.wecom.WeComRobotSender`` (channel ``wecom``)."""

    def send(self, message) -> None:
        key = robot_key(message.to)
        attempt = receipts.this_attempt(message)
        url = f"{settings.MINHU_WECOM_ENDPOINT}?{urllib.parse.urlencode({'key': key})}"
        body = json.dumps(payload(message), ensure_ascii=False).encode()
        _, answer = post(url, body=body, content_type="application/json")
        errcode, errmsg = answer.get("errcode"), str(answer.get("errmsg", ""))
        if errcode == 0:
            receipts.record_answer(message=message, gateway=GATEWAY, attempt=attempt, ok=True, code="0", detail=errmsg)
            receipts.record_delivery(message=message, gateway=GATEWAY, attempt=attempt, delivered=True, code="0")
            return
        receipts.record_answer(
            message=message, gateway=GATEWAY, attempt=attempt, ok=False, code=str(errcode), detail=errmsg
        )
        error = Undeliverable if errcode in PERMANENT_ERRCODES else GatewayError
        raise error(f"企业微信群机器人拒绝：{errcode} {errmsg}".strip())
