"""What a resident uses to follow a case on the public pages: the tracking link and one-time codes sent to the
reporter's phone."""

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from lib import crypto

from ..errors import CaseError
from ..models import Case, TrackingCode
from .base import _notify, _now


def tracking_url(case: Case) -> str:
    try:
        path = reverse("cases:public_track")
    except NoReverseMatch:  # an install without the public pages
        return case.number  # type: ignore[return-value]  # a saved case has its number
    return settings.SITE_URL.rstrip("/") + path + f"?number={case.number}"


CODE_TTL = datetime.timedelta(minutes=10)


CODE_ATTEMPTS = 5


@transaction.atomic
def tracking_code_send(*, case: Case) -> TrackingCode:
    """Send a 6-digit code to the reporter's phone (only ever the phone on the case)."""
    recent = TrackingCode.objects.filter(case=case, created_at__gte=_now() - datetime.timedelta(minutes=1)).exists()
    if recent:
        raise CaseError(_("验证码刚刚已发送，请一分钟后再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = TrackingCode.objects.create(case=case, code_hash=crypto.lookup_hash(f"{case.pk}:{code}"))
    _notify(
        case.reporter_phone,
        _("【民呼】查询诉求 %(number)s 的验证码：%(code)s，10 分钟内有效。") % {"number": case.number, "code": code},
        purpose="verification",
        related=case,
    )
    return row


def tracking_code_check(*, case: Case, code: str) -> bool:
    """True for the right code; otherwise CaseError. Wrong tries are counted (committed even though
    the call fails), five of them void the code."""
    error = None
    with transaction.atomic():
        row = (
            TrackingCode.objects.select_for_update()
            .filter(case=case, used_at__isnull=True, created_at__gte=_now() - CODE_TTL)
            .order_by("-created_at")
            .first()
        )
        if row is None:
            error = _("验证码已过期，请重新获取。")
        elif row.attempts >= CODE_ATTEMPTS:
            error = _("验证码错误次数过多，请重新获取。")
        elif crypto.lookup_hash(f"{case.pk}:{(code or '').strip()}") != row.code_hash:
            TrackingCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            error = _("验证码不正确。")
        else:
            TrackingCode.objects.filter(pk=row.pk).update(used_at=_now())
    if error:
        raise CaseError(error)
    return True
