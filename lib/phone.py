"""Telephone numbers: one rule for every form, import, API and model that takes one.

The rule:
1. Normal form. Full-width characters become plain ones (１３９ → 139), spaces, dashes and brackets go, and a
   ``+86`` or ``0086`` country prefix goes (a landline written ``+86 21 6328 1234`` gets its trunk ``0`` back).
   What is left is digits only. It is what gets encrypted, hashed for look-up and masked, so a number typed two
   ways finds the same person.
2. Valid numbers. A mainland mobile number, ``1[3-9]\\d{9}``. Where a landline makes sense (a resident's home, an
   emergency contact, a reporter at the desk) also a fixed line with its area code, ``0\\d{2,3}-?\\d{7,8}`` as
   written (021-63281234, 0571 88888888). A number without its area code is refused: an SMS gateway cannot use it
   and someone calling from another district cannot either. Where the number is used to send texts (queue
   reminders, volunteers' offers), only mobiles are valid. Foreign numbers are not taken.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}\d{7,8}")  # area code and number, the dash already gone
COUNTRY_PREFIXES = ("+86", "0086")
_SEPARATORS = str.maketrans("", "", "-‐‑‒–—()")

MOBILE_MESSAGE = _("手机号格式不正确，请填写 11 位手机号码。")
LANDLINE_MESSAGE = _("电话号码格式不正确：请填写 11 位手机号码，或带区号的固定电话（如 021-63281234）。")


def normalize(value: object) -> str:
    """The number in its normal form (digits only for anything sensible; not validated)."""
    text = "".join(unicodedata.normalize("NFKC", str(value or "")).split()).translate(_SEPARATORS)
    for prefix in COUNTRY_PREFIXES:
        if text.startswith(prefix):
            rest = text[len(prefix) :]
            return rest if rest.startswith(("0", "1")) else "0" + rest
    return text


def is_valid(value: object, *, landline: bool = False) -> bool:
    number = normalize(value)
    return bool(MOBILE_RE.fullmatch(number) or (landline and LANDLINE_RE.fullmatch(number)))


def clean(value: object, *, landline: bool = False) -> str:
    """The normal form of ``value`` ("" when empty: the caller decides whether a number is required), or
    ValidationError with the Chinese message for the place (mobile only, or mobile or landline)."""
    number = normalize(value)
    if not number or is_valid(number, landline=landline):
        return number
    raise ValidationError(LANDLINE_MESSAGE if landline else MOBILE_MESSAGE, code="phone")
