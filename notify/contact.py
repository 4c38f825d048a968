"""How we reach a person: the one rule for which address and which channel a message to a user takes.

The phone if they have one (a text message), else the e-mail; a person with neither still gets the message in the
outbox (console channel, addressed ``user:<username>``), where staff can read it. Who relies on this: every app
that tells a user something (resources' booking notices; cases' unit contacts and care's escalation to the worker
should too).
"""

from .models import Message


def contact(phone: str, email: str) -> str:
    """The phone, else the e-mail ("" for neither): for a person's two columns read without the model."""
    return (phone or email or "").strip()


def contact_of(user) -> str:
    """``contact`` of a user (or anything with ``phone`` and ``email``)."""
    return contact(getattr(user, "phone", ""), getattr(user, "email", ""))


def channel_of(contact: str) -> str:
    """The channel for a contact ``contact_of`` gave: e-mail for an address with @, else a text message."""
    return Message.Channel.EMAIL if "@" in contact else Message.Channel.SMS


def address_of(user) -> tuple[str, str]:
    """(to, channel) for a message to ``user``: their contact, or the outbox under their username."""
    contact = contact_of(user)
    if contact:
        return contact, channel_of(contact)
    return f"user:{user.username}", Message.Channel.CONSOLE
