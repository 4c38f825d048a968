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
        WECOM = "wecom", _("企业微信群")  # a unit's staff group, through its group robot
        CONSOLE = "console", _("站内/日志")

    class Status(models.TextChoices):
        QUEUED = "queued", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    class Delivery(models.TextChoices):
        DELIVERED = "delivered", _("已送达")
        UNDELIVERED = "undelivered", _("未送达")

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
    # Retries with back-off (notify.services.deliver_many): when a failed message is due again; None once it
    # was sent or gave up. A delivery claims its rows first (claim_token, claimed_until) so two workers, or
    # the sweep and the after-commit task, never hand one message to the gateway twice.
    next_attempt_at = models.DateTimeField(_("下次重试"), null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True, default="", db_default="", editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    # What the gateway told us after "sent" (notify.receipts): the id it gave the latest accepted
    # attempt (Aliyun BizId), and whether the message reached the person or the group.
    # db_default on columns added after the first release: the previous release's servers insert without them
    vendor_id = models.CharField(_("网关流水号"), max_length=64, blank=True, default="", db_default="")
    delivery = models.CharField(
        _("送达情况"), max_length=12, choices=Delivery.choices, blank=True, default="", db_default=""
    )
    delivery_code = models.CharField(_("回执代码"), max_length=50, blank=True, default="", db_default="")
    delivery_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            # "messages about this case/delivery" on object pages and in tests
            models.Index(fields=["related_type", "related_id"], name="notify_related_idx"),
            # a delivery report that names only the gateway's id (receipts without our OutId)
            models.Index(fields=["vendor_id"], name="notify_vendor_id_idx", condition=~models.Q(vendor_id="")),
            # the sweep's "messages still to deliver" (notify.services.due_messages): a small partial index
            models.Index(
                fields=["status", "next_attempt_at"],
                name="notify_due_idx",
                condition=models.Q(status__in=["queued", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to_masked}: {self.subject or self.body[:30]}"

    @property
    def to(self) -> str:
        return crypto.decrypt(self.to_encrypted)


class Receipt(models.Model):
    """One thing a gateway told us about one attempt of a message: its answer to the send request
    (accepted with an id, or refused with a code) or a later delivery report. A message retried
    three times may have three answers and reports for any of them; each is kept, keyed by the
    attempt, so a late report for an early attempt is neither lost nor taken for the latest one."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("网关应答")
        REPORT = "report", _("状态报告")

    message = models.ForeignKey(Message, verbose_name=_("消息"), on_delete=models.CASCADE, related_name="receipts")
    attempt = models.PositiveSmallIntegerField(_("第几次发送"))
    gateway = models.CharField(_("网关"), max_length=20)  # "aliyun_sms", "wecom"
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    ok = models.BooleanField(_("成功"))
    vendor_id = models.CharField(_("网关流水号"), max_length=64, blank=True)
    code = models.CharField(_("代码"), max_length=50, blank=True)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("网关时间"))
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发送回执")
        verbose_name_plural = _("发送回执")
        ordering = ["message", "attempt", "id"]
        constraints = [
            # the gateway may push the same report again (Aliyun retries until we answer): keep the first
            models.UniqueConstraint(
                fields=["message", "attempt", "kind"],
                name="receipt_once_per_attempt",
                violation_error_message=_("该次发送已有同类回执。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.attempt} {self.get_kind_display()} {self.code}"
