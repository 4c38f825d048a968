import pathlib

import pytest

from notify.senders import Undeliverable
from notify.sms_templates import TEXTS, template_for

ROOT = pathlib.Path(__file__).resolve().parents[2]
# where apps write their messages: services.py, or an actions/ package and its neighbours (cases: sweeps.py)
SOURCES = [
    p
    for p in [*ROOT.glob("*/services.py"), *ROOT.glob("*/actions/*.py"), *ROOT.glob("*/sweeps.py")]
    if p.parent.name != "notify"
]


@pytest.mark.parametrize("purpose", sorted(TEXTS))
def test_every_registered_sentence_is_still_written_by_its_app(purpose):
    code = "\n".join(p.read_text() for p in SOURCES)
    for text in TEXTS[purpose]:
        assert text in code, f"{purpose}: the app no longer writes {text!r}; update notify/sms_templates.py"


def test_parameters_come_from_the_body(settings):
    settings.MINHU_SMS_TEMPLATES = {"verification": "SMS_1", "case.unit": "SMS_2", "volunteers.assignment": "SMS_3"}
    body = "【民呼】查询诉求 HP-2025-000123 的验证码：042917，10 分钟内有效。"
    assert template_for("verification", body) == ("SMS_1", {"number": "HP-2025-000123", "code": "042917"})
    code, params = template_for("case.unit", "【民呼】改派 TP-2025-000007：井盖松动，请及时签收。")
    assert (code, params) == ("SMS_2", {"number": "TP-2025-000007", "title": "井盖松动"})
    body = "【民呼】王阿姨您好，邀请您参加：助餐配送 。请在手机上确认是否接受。"
    assert template_for("volunteers.assignment", body)[1] == {"name": "王阿姨", "activity": "助餐配送", "when": ""}


def test_missing_mappings_say_what_to_configure(settings):
    settings.MINHU_SMS_TEMPLATES = {"care.safety": "SMS_9"}
    with pytest.raises(Undeliverable, match="没有配置短信模板"):
        template_for("case.created", "x")
    with pytest.raises(Undeliverable, match="格式未登记"):
        template_for("care.safety", "x")
