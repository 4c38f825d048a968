"""Masking of personal identifiers for display and for logs.

Who relies on this: templates (``|mask_phone``), API serializers, and the logging filter that
keeps ID and phone numbers out of every log line.
"""

import logging
import re

ID_RE = re.compile(r"(?<![0-9])([1-9][0-9]{5})((?:19|20)[0-9]{2}[01][0-9][0-3][0-9])([0-9]{3})([0-9Xx])(?![0-9])")
PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_id_number(value: str) -> str:
    """310101199001011234 -> 3101**********1234 (keeps the prefix city code and the last four)."""
    value = (value or "").strip()
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; landlines keep their last four."""
    value = (value or "").strip()
    if len(value) < 7:
        return "*" * len(value)
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    return "*" * (len(value) - 4) + value[-4:]


def mask_text(text: str) -> str:
    """Masks every ID or mobile number found inside free text."""
    text = ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def find_personal_numbers(text: str) -> list[str]:
    """ID and mobile numbers in free text (used to refuse publishing a story that still has them)."""
    return [m.group(0) for m in ID_RE.finditer(text or "")] + [m.group(0) for m in PHONE_RE.finditer(text or "")]


class MaskingLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's problem, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
