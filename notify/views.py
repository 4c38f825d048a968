"""Where gateways post their delivery reports. Gateways cannot log in: the URL carries a secret
(``MINHU_NOTIFY_RECEIPT_TOKEN``), as Aliyun's console allows for a receiving address; a wrong or
unset secret answers 404 like any missing page."""

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .gateways import aliyun_sms


def _check_token(token: str) -> None:
    expected = settings.MINHU_NOTIFY_RECEIPT_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Http404


@csrf_exempt
@require_POST
def aliyun_sms_report(request, token):
    """SmsReport, HTTP batch push: a JSON array of reports; the vendor wants ``{"code": 0}`` back
    and pushes again (1, 5, 10 minutes later) on anything but HTTP 200."""
    _check_token(token)
    try:
        items = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"code": 1, "msg": "无法解析"}, status=400)
    if not isinstance(items, list):
        return JsonResponse({"code": 1, "msg": "应为 JSON 数组"}, status=400)
    aliyun_sms.record_reports(items)
    return JsonResponse({"code": 0, "msg": "接收成功"})
