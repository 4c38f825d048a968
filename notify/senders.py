"""Senders deliver one outbox message each. Built in: console/log and email. SMS and WeChat
gateways are plug-ins selected in settings (``MINHU_NOTIFY_SENDERS``), e.g. a class wrapping a
provider's SDK with the same ``send(message)`` method; until one is configured those channels use
the console sender, so nothing is silently dropped and staff can see the text in the outbox."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("minhu.notify")


class ConsoleSender:
    """Writes the message to the log (phone numbers and IDs are masked by the log filter)."""

    def send(self, message) -> None:
        logger.info("[%s] to %s: %s %s", message.channel, message.to_masked, message.subject, message.body)


class EmailSender:
    def send(self, message) -> None:
        send_mail(message.subject or "民呼通知", message.body, settings.DEFAULT_FROM_EMAIL, [message.to])


def sender_for(channel: str):
    path = settings.MINHU_NOTIFY_SENDERS.get(channel) or settings.MINHU_NOTIFY_SENDERS["console"]
    return import_string(path)()
