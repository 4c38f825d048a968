"""Senders deliver one outbox message each. Built in: console/log and email; gateways in
``notify.gateways``: Aliyun SMS (``aliyun_sms.AliyunSmsSender``) and WeCom group robots
(``wecom.WeComRobotSender``). Each channel's sender is chosen in settings (``MINHU_NOTIFY_SENDERS``);
until one is configured SMS and WeChat use the console sender, so nothing is silently dropped and
staff can see the text in the outbox.

The contract: ``send(message)`` returns when the gateway accepted the message and raises
otherwise; the exception's text becomes the outbox row's reason. ``Undeliverable`` says that no
retry can help (no template for the purpose, a group without a robot)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("minhu.notify")


class Undeliverable(Exception):
    """A message that no retry can send as it is; the outbox records the reason like any failure."""


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
