"""Who did it: the ``by=`` every service function takes.

An actor is one of
- a ``User`` (staff at a page, an API client with a token);
- ``SYSTEM`` (None): tasks, sweeps, one app's automation calling another's service;
- ``RESIDENT``: what a resident does on the public pages, with no account;
- ``Partner(client, person)``: a partner system (an Open311 client) without a linked account, and who there acted.
Only a User goes into a ``*_by`` column or an audit entry's actor; the others leave them empty and are named
on the timeline (``actor_name``).
"""

from typing import TYPE_CHECKING, TypeAlias

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from org.models import User

SYSTEM = None


class Resident:
    """The actor for what a resident does on the public pages (no account)."""

    is_authenticated = False
    is_superuser = False

    def __str__(self) -> str:
        return str(_("居民"))


RESIDENT = Resident()


class Partner:
    """A partner system without a linked account: ``client`` is the Open311 client (its ``name`` is shown),
    ``person`` who there acted, if the system said."""

    is_authenticated = False
    is_superuser = False

    def __init__(self, client, person: str = ""):
        self.client = client
        self.person = person

    def __str__(self) -> str:
        name = f"Open311·{self.client.name}"
        return f"{name}（{self.person}）" if self.person else name


# The type of ``by=``: a page's ``request.user`` (signed in or anonymous), SYSTEM, RESIDENT or a Partner. Code that
# needs the account calls ``user_of``; the timeline names any of them with ``actor_name``.
Actor: TypeAlias = "User | AnonymousUser | Resident | Partner | None"

# The type of a page's or an API request's user (``request.user``) as reads take it: signed in, or not.
Viewer: TypeAlias = "User | AnonymousUser"


def user_of(by):
    """The User behind ``by``, or None for the system, a resident, a partner system or an anonymous visitor."""
    return by if getattr(by, "is_authenticated", False) else None


def user_id_of(by) -> int | None:
    user = user_of(by)
    return user.pk if user is not None else None


def actor_name(by) -> str:
    """How the timeline names ``by``: the user's name, 居民, the partner system, or 系统."""
    return str(_("系统")) if by is SYSTEM else str(by)
