"""Private calendar feeds. Calendar apps cannot log in, so each person may have one secret feed
address; it shows only what that person may see, and issuing a new one (or stopping it) makes the
old address answer 404 at once. Only a keyed digest of the secret is stored: a database dump does
not reveal anyone's feed address."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)  # lib.crypto.lookup_hash
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    last_read_at = models.DateTimeField(_("最近读取"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self) -> str:
        return str(self.user)
