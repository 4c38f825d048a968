"""From a free-text message to an approved SMS template (TemplateCode + TemplateParam).

Chinese SMS gateways send only templates approved in advance, with parameters filled in. Our
apps write whole sentences (``notify.Message.body``) with a purpose such as ``case.created``. The
bridge has two halves:

1. ``TEXTS`` (here, in code): for each purpose, the sentence(s) the apps write, copied from their
   services with the same placeholders. A message's body is matched against them and the
   placeholders become the template's parameters: the body "【民呼】您反映的诉求已受理，编号
   HP-2025-000123。可凭编号…：https://…" gives ``{"number": "HP-2025-000123", "url": "https://…"}``.
   ``notify/tests/test_sms_templates.py`` checks that every sentence here is still, word for word,
   in the app that sends it.
2. ``MINHU_SMS_TEMPLATES`` (settings, from the environment): purpose → the TemplateCode the
   gateway approved for it, e.g. ``case.created=SMS_4650123``. The template submitted for approval
   uses the same parameter names (docs/operations.md lists the suggested texts).

A message whose purpose has no code, or whose body matches none of its purpose's sentences, fails
with the reason in Chinese (``Undeliverable``): it stays in the outbox for staff to see.
"""

import functools
import re

from django.conf import settings

from .senders import Undeliverable

# purpose -> the sentences written for it (the sign 【民呼】 included; the gateway adds its own).
TEXTS: dict[str, tuple[str, ...]] = {
    "verification": ("【民呼】查询诉求 %(number)s 的验证码：%(code)s，10 分钟内有效。",),
    "case.created": ("【民呼】您反映的诉求已受理，编号 %(number)s。可凭编号和手机号查询进度：%(url)s",),
    "case.resolved": ("【民呼】您的诉求 %(number)s 已办结：%(note)s 请对办理结果进行评价：%(url)s",),
    "case.merged": ("【民呼】您反映的诉求 %(number)s 与 %(master)s 为同一事项，已合并办理，进展会继续通知您。",),
    "case.cancelled": ("【民呼】您的诉求 %(number)s 已撤销：%(reason)s",),
    "case.unit": (
        "【民呼】新派单 %(number)s：%(title)s，请及时签收。",
        "【民呼】改派 %(number)s：%(title)s，请及时签收。",
    ),
    "case.supervise": ("【民呼】督办 %(number)s：%(note)s",),
    "case.warning": ("【民呼】诉求 %(number)s 即将到期：%(left)s",),
    "case.overdue": ("【民呼】诉求 %(number)s（%(unit)s）已超期，请督办：%(title)s",),
    "events.ticket.call": ("【民呼】请 %(label)s 号到%(desk)s咨询。",),
    "resources.confirmed": ("【民呼】您预约的%(r)s %(w)s 已确认。", "【民呼】您申请的%(r)s %(w)s 已通过审批。"),
    "resources.no_show": ("【民呼】您预约的%(r)s %(w)s 超过 %(g)s 分钟未签到，已自动释放。",),
    "volunteers.assignment": ("【民呼】%(name)s您好，邀请您参加：%(activity)s %(when)s。请在手机上确认是否接受。",),
    "volunteers.duplicate_sign_up": (
        "【民呼】%(name)s您好，有人用您的身份证号报名志愿者。您已是志愿者，无需再报；如非本人操作，请联系社区。",
    ),
}


def template_codes() -> dict[str, str]:
    return dict(getattr(settings, "MINHU_SMS_TEMPLATES", {}) or {})


def template_for(purpose: str, body: str) -> tuple[str, dict[str, str]]:
    """(TemplateCode, parameters) for one message, or ``Undeliverable`` saying why not."""
    code = template_codes().get(purpose)
    if not code:
        raise Undeliverable(f"用途“{purpose or '未注明'}”没有配置短信模板（MINHU_SMS_TEMPLATES）")
    texts = TEXTS.get(purpose, ())
    for pattern in map(_pattern, texts):
        match = pattern.fullmatch(body.strip())
        if match:
            return code, {name: value.strip() for name, value in match.groupdict().items()}
    if not texts:
        raise Undeliverable(f"用途“{purpose}”的短信正文格式未登记（notify/sms_templates.py）")
    raise Undeliverable(f"正文与用途“{purpose}”的短信模板不符，无法按模板发送")


@functools.cache
def _pattern(text: str) -> re.Pattern:
    """ "编号 %(number)s。" -> r"编号\\ (?P<number>.*?)。" ; %(days)d takes digits only."""
    parts = re.split(r"%\((\w+)\)([sd])", text)
    regex = re.escape(parts[0])
    for i in range(1, len(parts), 3):
        name, kind, literal = parts[i], parts[i + 1], parts[i + 2]
        regex += f"(?P<{name}>\\d+)" if kind == "d" else f"(?P<{name}>.*?)"
        regex += re.escape(literal)
    return re.compile(regex, re.DOTALL)
