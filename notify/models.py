"""The notification outbox. Every message to a person (verification codes, case updates, safety
alerts, queue calls) is a row here first, written in the caller's transaction; a task delivers it
after commit through the sender configured for its channel. Nothing is sent for a change that
rolled back, and nothing is lost if a sender is down: failed rows are retried and stay visible."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from lib import crypto


class Message(models.Model):
    class Channel(models.TextChoices):
        SMS = "sms", _("短信")
        EMAIL = "email", _("电子邮件")
        WECHAT = "wechat", _("微信")
        CONSOLE = "console", _("站内/日志")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    to_encrypted = models.TextField(editable=False)
    to_hash = models.CharField(max_length=64, editable=False, db_index=True)
    to_masked = models.CharField(_("收件人"), max_length=120, editable=False)
    subject = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"))
    purpose = models.CharField(_("用途"), max_length=50, blank=True)  # e.g. "verification", "case.update"
    related_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    related_id = models.CharField(max_length=64, blank=True)
    related = GenericForeignKey("related_type", "related_id")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "messages about this case/delivery" on object pages and in tests
            models.Index(fields=["related_type", "related_id"], name="notify_related_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to_masked}: {self.subject or self.body[:30]}"

    @property
    def to(self) -> str:
        return crypto.decrypt(self.to_encrypted)
