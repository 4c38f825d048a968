"""Encryption at rest for personal identifiers.

A database dump must not reveal ID numbers or phones in clear, yet staff need to find a resident
by ID number and imports need to detect duplicates. So each identifier is stored three ways:
Fernet ciphertext (to show it in full to those allowed), an HMAC-SHA256 digest (exact lookups and
uniqueness), and a masked string (lists). Keys derive from ``settings.FIELD_ENCRYPTION_KEY``.
"""

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet
from django.conf import settings


@functools.cache
def _keys(secret: str) -> tuple[Fernet, bytes]:
    enc = hashlib.sha256(b"minhu-field-encryption:" + secret.encode()).digest()
    mac = hashlib.sha256(b"minhu-field-lookup:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def encrypt(value: str) -> str:
    if not value:
        return ""
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    return _keys(settings.FIELD_ENCRYPTION_KEY)[0].decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Deterministic keyed digest for equality lookups; empty for empty input."""
    if not value:
        return ""
    return hmac.new(_keys(settings.FIELD_ENCRYPTION_KEY)[1], value.encode(), hashlib.sha256).hexdigest()
