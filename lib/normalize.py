"""Text as people type it into spreadsheets, brought to one form before anything compares or stores it.

Who relies on this: ``lib.xlsx.read_rows`` (so every importer: residents, renovation certificates, guides) and
the residents' address matching, so that ``５号`` typed on a phone in full-width mode is the same address as
``5号``.

Three strengths, chosen per column (``lib.xlsx.Column.normalize``):

1. ``text`` — prose people read back (names, notes, guide text, addresses as written on a certificate).
   Full-width digits, Latin letters and spaces become plain ones (``ＡＢ１２`` → ``AB12``), every other
   whitespace character (no-break space, ideographic space, zero-width space, tabs) becomes one plain space,
   runs of spaces collapse, each line is stripped and line breaks are kept. Chinese punctuation (，：（）)
   and enclosed numerals (①②) are kept as typed: NFKC would turn ``（筹）`` into ``(筹)`` and a guide's
   ``①携带身份证`` into ``1携带身份证`` — wrong in a Chinese text, see docs/decisions.md.
2. ``key`` — values compared with other values (ID numbers, phones, certificate numbers, codes, region and
   road names): full Unicode NFKC and no whitespace at all.
3. ``house`` — lane, number and room of an address: ``key``, then a trailing unit (弄/号/室, whichever the
   column is) goes because the address already says it, and a number written wholly in Chinese numerals
   becomes digits when it can be read only one way (``十二`` → 12, ``三〇一`` → 301, ``一百零五`` → 105).
"""

import re
import unicodedata

# full-width ASCII digits and letters (U+FF10-FF19, U+FF21-FF3A, U+FF41-FF5A) -> plain ones
_WIDTH_RANGES = ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
_WIDTH = {cp: cp - 0xFEE0 for first, last in _WIDTH_RANGES for cp in range(first, last + 1)}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"[^\S\n]+")

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000}
HOUSE_UNITS = ("弄", "号", "室", "幢", "栋", "支弄")


def text(value: object) -> str:
    """Prose as typed, tidied (see the module docstring, point 1). ``None`` is ""."""
    if value is None:
        return ""
    raw = str(value).translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    raw = raw.translate(_WIDTH).replace("\u3000", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in raw.split("\n")]
    return "\n".join(lines).strip("\n")


def key(value: object) -> str:
    """A value for comparison: NFKC and no whitespace (point 2)."""
    if value is None:
        return ""
    folded = unicodedata.normalize("NFKC", str(value).translate(_INVISIBLE))
    return "".join(folded.split())


def chinese_number(value: str) -> int | None:
    """The number written wholly in Chinese numerals, or None when it is not one or could be read two ways.

    Digit by digit when there is no 十/百/千 (``一二一`` → 121, ``二〇一`` → 201); positional otherwise
    (``十二`` → 12, ``三百零五`` → 305, ``一千二百`` → 1200). Anything else — mixed with letters or other
    characters, units out of order, ``二十十`` — is left for a person to read.
    """
    if not value or any(c not in DIGITS and c not in UNITS for c in value):
        return None
    if not any(c in UNITS for c in value):
        return int("".join(str(DIGITS[c]) for c in value))
    total, digit, last_unit, zero_seen = 0, None, 10_000, False
    for c in value:
        if c in DIGITS:
            if digit is not None:  # 二三十: two digits in a row in a positional number
                return None
            digit = DIGITS[c]
            if digit == 0:
                zero_seen, digit = True, None
        else:
            unit = UNITS[c]
            if unit >= last_unit:
                return None
            if digit is None and (total or zero_seen):  # 一百十 and 一百零十 are not how a number is written
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit, zero_seen = None, unit, False
    if digit is not None:
        total += digit
    return total


def house(value: object, unit: str = "") -> str:
    """Lane, number or room of an address in its one form (point 3): ``５号`` → ``5``, ``十二弄`` → ``12``."""
    result = key(value)
    for suffix in (unit,) if unit else HOUSE_UNITS:
        if suffix and result.endswith(suffix) and len(result) > len(suffix):
            result = result[: -len(suffix)]
            break
    number = chinese_number(result)
    return str(number) if number is not None else result


def address_parts(road: object, lane: object = "", number: object = "", room: object = "") -> tuple[str, str, str, str]:
    """An address's four parts in their one form (road as ``key``, the rest as ``house``): what the residents'
    import and the address service store and match on, so a file, a form and the API agree."""
    return key(road), house(lane, "弄"), house(number, "号"), house(room, "室")


class NumberCell(str):
    """A cell Excel stored as a number, given back as its digits (``582``). Code that needs text typed as text
    (an ID number: Excel keeps only 15 significant digits of a number) asks ``isinstance(value, NumberCell)``."""

    __slots__ = ()


NORMALIZERS = {"text": text, "key": key, "house": house}
