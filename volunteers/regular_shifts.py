"""Regular shifts (固定班次): a volunteer's standing duty that recurs, such as 每个工作日 09:00–11:30 at
the 居委 reception desk or 每周六上午 at the 助餐点.

Occurrences are not stored: they are the dates of the pattern, expanded on the statutory calendar
(``lib.workdays``) whenever someone asks — a volunteer's calendar feed, a roster. A working-day
shift skips statutory holidays and runs on 调休 make-up weekend days; a weekly shift keeps its
weekdays but stops on statutory holidays. Calendar apps cannot know either rule, which is why a
feed lists each occurrence instead of a weekly RRULE.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lib.workdays import holiday_name, workdays_between

WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]


class RegularShift(models.Model):
    class Days(models.TextChoices):
        WORKDAYS = "workdays", _("每个工作日（节假日停，调休上班日照常）")
        WEEKLY = "weekly", _("每周固定几天（法定节假日停）")

    volunteer = models.ForeignKey(
        "volunteers.Volunteer", verbose_name=_("志愿者"), on_delete=models.CASCADE, related_name="regular_shifts"
    )
    activity = models.CharField(_("岗位"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    days = models.CharField(_("日子"), max_length=10, choices=Days.choices, default=Days.WORKDAYS)
    weekdays = models.JSONField(_("星期"), default=list, blank=True)  # for WEEKLY: [5] = 周六
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    first_date = models.DateField(_("首日"))
    last_date = models.DateField(_("末日"), null=True, blank=True, help_text=_("留空表示长期。"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("固定班次")
        verbose_name_plural = _("固定班次")
        ordering = ["volunteer", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=models.F("end_time")),
                name="regular_shift_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
            models.CheckConstraint(
                condition=Q(last_date__isnull=True) | Q(first_date__lte=models.F("last_date")),
                name="regular_shift_dates_in_order",
                violation_error_message=_("末日不能早于首日。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity} {self.pattern}"

    @property
    def pattern(self) -> str:
        times = f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"
        if self.days == self.Days.WORKDAYS:
            return f"每个工作日 {times}"
        return "每" + "、".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays)) + f" {times}"

    def dates(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The days this shift takes place between ``first`` and ``last`` inclusive."""
        first, last = max(first, self.first_date), min(last, self.last_date or last)
        if first > last:
            return []
        if self.days == self.Days.WORKDAYS:
            return workdays_between(first, last)
        weekdays = {int(d) for d in self.weekdays}
        span = (last - first).days + 1
        candidates = (first + datetime.timedelta(days=i) for i in range(span))
        return [d for d in candidates if d.weekday() in weekdays and holiday_name(d) is None]
