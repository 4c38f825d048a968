"""Append-only audit log: every state change and every view of personal data.

No UI or API path edits or deletes an entry: the model refuses updates and deletes, the admin is
read-only, and on PostgreSQL a trigger (migration 0002) rejects UPDATE and DELETE at the database.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import AUDIT_ROLES
from org.scoping import RegionScopedQuerySet


class AuditQuerySet(RegionScopedQuerySet):
    visible_roles = AUDIT_ROLES

    def update(self, **kwargs):
        raise PermissionError("审计日志只能追加，不能修改。")

    def delete(self):
        raise PermissionError("审计日志只能追加，不能删除。")


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        CHANGE = "change", _("变更")
        VIEW = "view", _("查看个人信息")  # full ID numbers or phones shown (查看完整信息)
        READ = "read", _("查阅个人记录")  # a page, form, sheet or API answer holding masked personal data
        EXPORT = "export", _("导出")
        LOGIN = "login", _("登录")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    action = models.CharField(_("动作"), max_length=80)  # e.g. "people.resident.view", "cases.dispatch"
    object_type = models.CharField(_("对象类型"), max_length=80, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)  # masked: never a full ID or phone
    region = models.ForeignKey(
        "org.Region", verbose_name=_("辖区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=200, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            # the object history panel: "who touched resident 42"
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志只能追加，不能删除。")
