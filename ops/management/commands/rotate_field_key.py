"""Re-encrypt every ID number and phone with a new MINHU_FIELD_KEY (docs/operations.md, "Rotating the field key").

    MINHU_OLD_FIELD_KEY=<old> MINHU_FIELD_KEY=<new> manage.py rotate_field_key            # dry run: counts
    MINHU_OLD_FIELD_KEY=<old> MINHU_FIELD_KEY=<new> manage.py rotate_field_key --commit   # do it

1. The old key must be the database's (its check value, or it decrypts the stored rows).
2. Every ``<x>_encrypted`` column is decrypted with the old key and encrypted with the new one; its
   ``<x>_hash`` beside it (the lookup digest) is recomputed. One transaction: all rows or none.
3. The new key's check value is stored; servers and workers still on the old key then refuse to start.

Keys come from the environment, never the command line (which ``ps`` shows). Digests of secrets that are not
stored (Open311 keys, calendar links, verification codes) cannot be recomputed: the command lists them; those
keys and links must be issued again after a rotation.
"""

import hashlib
import hmac
import os

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lib import crypto
from ops import keycheck

BATCH = 1000


def encrypted_fields():
    """(model, encrypted field name, hash field name or None) for every encrypted column of every app."""
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith("_encrypted"):
                digest = name.removesuffix("_encrypted") + "_hash"
                yield model, name, digest if digest in names else None


def orphan_digests():
    """Digest columns with no encrypted value beside them: secrets the deployment never stores."""
    paired = {(m, h) for m, _, h in encrypted_fields() if h}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.name.endswith("_hash") and (model, field.name) not in paired:
                yield model, field.name


class Command(BaseCommand):
    help = "Re-encrypt ID numbers and phones with a new MINHU_FIELD_KEY (old key in MINHU_OLD_FIELD_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="write the changes (default: a dry run)")

    def handle(self, *args, commit=False, **options):
        old = os.environ.get("MINHU_OLD_FIELD_KEY", "")
        new = settings.FIELD_ENCRYPTION_KEY
        if not old:
            raise CommandError("Set MINHU_OLD_FIELD_KEY to the key the database was written with.")
        if old == new:
            raise CommandError("MINHU_FIELD_KEY is the same as MINHU_OLD_FIELD_KEY: nothing to rotate.")
        stored = keycheck.KeyCheck.objects.filter(name=keycheck.NAME).values_list("value", flat=True).first()
        if stored and stored != keycheck.check_value(old):
            raise CommandError("MINHU_OLD_FIELD_KEY is not the key this database was written with.")
        old_fernet = crypto._keys(old)[0]
        new_fernet, new_mac = crypto._keys(new)
        with transaction.atomic():
            for model, field, digest in encrypted_fields():
                label = f"{model._meta.label}.{field}"
                changed, batch = 0, []
                update = [field] + ([digest] if digest else [])
                for row in model._default_manager.exclude(**{field: ""}).only("pk", *update).iterator(BATCH):
                    try:
                        plain = old_fernet.decrypt(getattr(row, field).encode()).decode()
                    except InvalidToken:
                        raise CommandError(f"{label} row {row.pk} cannot be read with MINHU_OLD_FIELD_KEY.") from None
                    setattr(row, field, new_fernet.encrypt(plain.encode()).decode())
                    if digest:
                        setattr(row, digest, hmac.new(new_mac, plain.encode(), hashlib.sha256).hexdigest())
                    batch.append(row)
                    if len(batch) >= BATCH:
                        model._default_manager.bulk_update(batch, update)
                        changed, batch = changed + len(batch), []
                if batch:
                    model._default_manager.bulk_update(batch, update)
                    changed += len(batch)
                self.stdout.write(f"{label}: {changed} rows")
            if commit:
                keycheck.record(new)
            else:
                transaction.set_rollback(True)
        for model, field in orphan_digests():
            self.stdout.write(f"{model._meta.label}.{field}: digests of secrets not stored; issue them again")
        self.stdout.write("Rotated." if commit else "Dry run: nothing written (add --commit).")
