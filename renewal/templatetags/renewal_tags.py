from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.urls import NoReverseMatch, reverse

from ..compensation import money

register = template.Library()


@register.filter
def pct(ratio) -> str:
    """Decimal('0.8750') -> '87.50%'."""
    if ratio in (None, ""):
        return "—"
    return f"{(Decimal(ratio) * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


@register.filter
def yuan(amount) -> str:
    """1882000 -> '1,882,000.00'."""
    if amount in (None, ""):
        return "—"
    return money(Decimal(str(amount)))


@register.filter
def days_hours(delta) -> str:
    if delta is None:
        return "—"
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} 天 {hours % 24} 小时"


@register.simple_tag
def case_url(pk) -> str:
    """The case page, once the cases app serves it (the link is simply left out before that)."""

    try:
        return reverse("cases:case_detail", args=[pk])
    except NoReverseMatch:
        return ""
