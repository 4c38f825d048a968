"""Rows the running deployment keeps about itself. None of them holds residents' data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Lease(models.Model):
    """A named lease one process holds until ``expires_at`` (the periodic scheduler: ``ops.lease``).

    A row rather than a Redis or advisory lock so it works on SQLite and PostgreSQL alike and is read by
    /healthz from any app server. ``last_minute`` is the last minute mark the holder claimed: a claim is one
    compare-and-set UPDATE that also requires a later minute, so even at a hand-over no minute runs twice."""

    name = models.CharField(_("名称"), max_length=50, primary_key=True)
    holder = models.CharField(_("持有者"), max_length=200)
    acquired_at = models.DateTimeField(_("取得时间"))
    renewed_at = models.DateTimeField(_("续期时间"))
    expires_at = models.DateTimeField(_("到期时间"))
    last_minute = models.DateTimeField(_("最近整分"), null=True, blank=True)

    class Meta:
        verbose_name = _("租约")
        verbose_name_plural = _("租约")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"


class PeriodicRun(models.Model):
    """When the scheduler last enqueued each periodic job, and which scheduler did (shown on /healthz)."""

    task = models.CharField(_("任务"), max_length=200, primary_key=True)
    enqueued_at = models.DateTimeField(_("入队时间"))
    by = models.CharField(_("调度者"), max_length=200)

    class Meta:
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")

    def __str__(self) -> str:
        return f"{self.task} @ {self.enqueued_at:%Y-%m-%d %H:%M}"


class KeyCheck(models.Model):
    """A check value of MINHU_FIELD_KEY (an HMAC of a fixed text, not the key): a process started with another
    key refuses to start instead of writing rows nobody else can read (ops.keycheck)."""

    name = models.CharField(_("名称"), max_length=50, primary_key=True)
    value = models.CharField(_("校验值"), max_length=64)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("密钥校验值")
        verbose_name_plural = _("密钥校验值")

    def __str__(self) -> str:
        return self.name
