"""The field-encryption key checked at start.

A process started with another MINHU_FIELD_KEY than the one the database was written with would start
healthy and write ID numbers and phones nobody else can read (and miss duplicates: the lookup digests
differ). So the database keeps a check value of the key: an HMAC of a fixed text, from which the key
cannot be recovered. The web server (minhu/wsgi.py) and the task consumer (minhu/huey.py) call
``verify_field_key`` before they serve anything; a mismatch stops them with a message saying what to do.
"""

import hashlib
import hmac
import logging

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from lib import crypto
from notify.models import Message

from .models import KeyCheck

logger = logging.getLogger("minhu.keycheck")
NAME = "field_key"
MISMATCH = (
    "MINHU_FIELD_KEY 与数据库中记录的密钥不一致，拒绝启动（否则写入的身份证号、电话无人能解密）。"
    "请使用本部署的密钥；更换密钥请用 manage.py rotate_field_key。 "
    "MINHU_FIELD_KEY does not match the key this database was written with; refusing to start. "
    "Start with the deployment's key, or change it with `manage.py rotate_field_key` (docs/operations.md)."
)


def check_value(key: str) -> str:
    return hmac.new(hashlib.sha256(b"minhu-field-key-check:" + key.encode()).digest(), b"v1", "sha256").hexdigest()


def _reads_existing_data(key: str) -> bool:
    """For a database written before the check value existed: can this key read the newest stored phone?"""
    token = Message.objects.exclude(to_encrypted="").order_by("-pk").values_list("to_encrypted", flat=True).first()
    if not token:
        return True
    try:
        crypto._keys(key)[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def record(key: str | None = None) -> None:
    """Store (or replace) the check value of ``key`` (the configured key by default)."""
    key = key or settings.FIELD_ENCRYPTION_KEY
    KeyCheck.objects.update_or_create(name=NAME, defaults={"value": check_value(key), "recorded_at": timezone.now()})


def verify_field_key() -> None:
    """Raise ImproperlyConfigured unless the configured key is the database's. The first start records it.

    A database that is not migrated yet (no table) is let through: ``migrate`` comes first."""
    key = settings.FIELD_ENCRYPTION_KEY
    try:
        stored = KeyCheck.objects.filter(name=NAME).values_list("value", flat=True).first()
        if stored is None:
            if not _reads_existing_data(key):
                raise ImproperlyConfigured(MISMATCH)
            try:
                with transaction.atomic():
                    KeyCheck.objects.create(name=NAME, value=check_value(key), recorded_at=timezone.now())
                return
            except IntegrityError:  # another server recorded it first: compare with theirs
                stored = KeyCheck.objects.get(name=NAME).value
    except DatabaseError as exc:
        logger.warning("Field key not checked: the database is not ready (%s).", type(exc).__name__)
        return
    if not hmac.compare_digest(stored, check_value(key)):
        raise ImproperlyConfigured(MISMATCH)
