import secrets

from django.db import transaction

from audit.services import record
from lib import crypto
from org.models import User

from .models import CalendarFeed


@transaction.atomic
def feed_issue(*, user: User, by: User) -> str:
    """A new secret feed address for ``user``; any earlier one stops working. Returns the secret,
    which is shown once and never stored in clear."""
    token = secrets.token_urlsafe(24)
    CalendarFeed.objects.filter(user=user).delete()
    CalendarFeed.objects.create(user=user, token_hash=crypto.lookup_hash(token))
    record(actor=by, action="calendars.feed.issue", obj=user)
    return token


@transaction.atomic
def feed_revoke(*, user: User, by: User) -> bool:
    """Stop ``user``'s feed address; returns whether there was one."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    if deleted:
        record(actor=by, action="calendars.feed.revoke", obj=user)
    return bool(deleted)
