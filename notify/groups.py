"""Messages to a unit's staff group (a 居委's WeCom group) rather than to one person.

An app that tells a unit about new work calls ``tell_unit_group`` next to its per-person messages;
units without a robot configured are skipped (they are told person by person as before)."""

from django.conf import settings

from .gateways.wecom import unit_address
from .models import Message
from .services import send


def has_group(unit) -> bool:
    return unit is not None and str(unit.pk) in (getattr(settings, "MINHU_WECOM_ROBOTS", {}) or {})


def tell_unit_group(*, unit, body: str, subject: str = "", purpose: str = "", related=None) -> Message | None:
    """Queue ``body`` for ``unit``'s staff group, in the caller's transaction; None without a robot."""
    if not has_group(unit):
        return None
    return send(
        to=unit_address(unit),
        body=body,
        channel=Message.Channel.WECOM,
        subject=subject,
        purpose=purpose,
        related=related,
    )
