"""Shared community resources (琴房, 活动室, 自习室, 会议室, equipment to lend) and their bookings.

Rules of a resource live on the row (who may book, durations, notice, buffer, weekly quota,
approval). State changes go through ``resources.services`` only.

No double booking: a booking *holds* the range ``[start, blocked_until)`` where ``blocked_until``
is its end plus the resource's buffer. Two holding bookings of one resource may not overlap. On
PostgreSQL an exclusion constraint over ``tstzrange(start, blocked_until)`` enforces it (migration
0002, PostgreSQL only); on SQLite every write transaction is ``BEGIN IMMEDIATE`` (settings), so the
service's overlap check and insert are serialised. Pending requests do not hold the slot: several
may compete for it and confirming one rejects the others it overlaps.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import STAFF_ROLES
from org.scoping import RegionScopedQuerySet

WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]


class BookingGroup(models.Model):
    """A named group of users a resource may be reserved for (e.g. 上海交响音乐进修学校走读学生)."""

    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("说明"), max_length=200, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("成员"), blank=True, related_name="booking_groups"
    )

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约群组")
        verbose_name_plural = _("预约群组")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResourceQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def active(self) -> "ResourceQuerySet":
        return self.filter(is_active=True)


class Resource(models.Model):
    class Kind(models.TextChoices):
        PIANO_ROOM = "piano", _("琴房")
        ACTIVITY_ROOM = "activity", _("活动室")
        STUDY_ROOM = "study", _("自习室")
        MEETING_ROOM = "meeting", _("会议室")
        EQUIPMENT = "equipment", _("借用设备")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    # The region that manages it (subdistrict or neighbourhood): decides which staff see and approve it.
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("提供单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
        help_text=_("留空表示由街道直接提供。"),
    )
    address = models.ForeignKey(
        "people.Address", verbose_name=_("地址"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_note = models.CharField(_("位置说明"), max_length=200, blank=True)
    description = models.TextField(_("介绍"), blank=True)
    capacity = models.PositiveSmallIntegerField(_("容纳人数/数量"), default=1)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("开放预约"), default=True)

    # Who may book: members of these groups or people of these regions. Both empty: anyone holding
    # a membership in the resource's subdistrict. Staff of the resource's region may always book.
    allowed_groups = models.ManyToManyField(
        BookingGroup, verbose_name=_("限定群组"), blank=True, related_name="resources"
    )
    allowed_regions = models.ManyToManyField("org.Region", verbose_name=_("限定辖区居民"), blank=True, related_name="+")
    slot_minutes = models.PositiveSmallIntegerField(_("时段粒度（分钟）"), default=30)
    min_minutes = models.PositiveSmallIntegerField(_("最短时长（分钟）"), default=30)
    max_minutes = models.PositiveSmallIntegerField(_("最长时长（分钟）"), default=120)
    min_notice_minutes = models.PositiveIntegerField(_("至少提前（分钟）"), default=0)
    max_days_ahead = models.PositiveSmallIntegerField(_("最多提前（天）"), default=14)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("间隔（分钟）"), default=0, help_text=_("两次预约之间留出的整理时间。")
    )
    weekly_quota_minutes = models.PositiveIntegerField(
        _("每人每周限额（分钟）"), default=0, help_text=_("0 表示不限。")
    )
    requires_approval = models.BooleanField(_("需工作人员审批"), default=False)
    closed_on_holidays = models.BooleanField(_("法定节假日闭馆"), default=True)
    checkin_grace_minutes = models.PositiveSmallIntegerField(
        _("签到宽限（分钟）"), default=15, help_text=_("开始后超过此时间未签到，自动释放。")
    )
    offer_minutes = models.PositiveSmallIntegerField(
        _("候补保留（分钟）"), default=30, help_text=_("空出的时段留给候补者确认的时间。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("共享资源")
        verbose_name_plural = _("共享资源")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_minutes__lte=models.F("max_minutes")) & Q(min_minutes__gt=0) & Q(slot_minutes__gt=0),
                name="resource_duration_range",
                violation_error_message=_("最短时长必须大于零且不超过最长时长。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def buffer(self) -> datetime.timedelta:
        return datetime.timedelta(minutes=self.buffer_minutes)

    def durations(self) -> list[int]:
        """The lengths one booking may have, in minutes: from the shortest to the longest, one slot apart."""
        return list(range(self.min_minutes, self.max_minutes + 1, self.slot_minutes))

    def default_minutes(self) -> int:
        """The length the booking form starts at: one slot of the grid the resident picked it from (a
        30-minute piano-room slot opens at 30 minutes), or the shortest allowed length covering it."""
        durations = self.durations()
        return next((m for m in durations if m >= self.slot_minutes), durations[-1])

    def opening_summary(self) -> str:
        """ "每天 08:00–21:00" or "周一至周五 16:00–20:00；周六 09:00–12:00": weekdays with the same hours merged."""
        by_day: dict[int, list[str]] = {}
        for h in self.hours.all():
            by_day.setdefault(h.weekday, []).append(f"{h.opens:%H:%M}–{h.closes:%H:%M}")
        groups: list[tuple[list[int], str]] = []
        for day in sorted(by_day):
            text = "、".join(by_day[day])
            if groups and groups[-1][1] == text and groups[-1][0][-1] == day - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], text))
        names = dict(WEEKDAYS)
        parts = []
        for days, text in groups:
            if len(days) == 7:
                label = str(_("每天"))
            elif len(days) > 2:
                label = f"{names[days[0]]}至{names[days[-1]]}"
            else:
                label = "、".join(str(names[d]) for d in days)
            parts.append(f"{label} {text}")
        return "；".join(parts)

    @property
    def provider(self) -> str:
        return self.unit.name if self.unit is not None else self.region.name


class OpeningHours(models.Model):
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=WEEKDAYS)
    opens = models.TimeField(_("开放"))
    closes = models.TimeField(_("关闭"))

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")),
                name="opening_hours_order",
                violation_error_message=_("开放时间必须早于关闭时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class ClosedDate(models.Model):
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="closed")
    date = models.DateField(_("日期"))
    reason = models.CharField(_("原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("闭馆日")
        verbose_name_plural = _("闭馆日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "date"], name="closed_date_unique", violation_error_message=_("该日期已设为闭馆。")
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reason}"


class BookingSeries(models.Model):
    """A recurring booking (每周一至五 16:30–18:00 for a term). Its bookings are ordinary rows."""

    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="series")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+"
    )
    group = models.ForeignKey(
        BookingGroup, verbose_name=_("群组"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekdays = models.JSONField(_("星期"), default=list)  # [0, 1, 2, 3, 4] = 周一至五
    # The school or office week instead of fixed weekdays: every statutory working day, so a 调休
    # make-up Saturday is booked and a holiday weekday is not (``weekdays`` is then not used).
    follows_workdays = models.BooleanField(_("按工作日（含调休上班日）"), default=False, db_default=False)
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    first_date = models.DateField(_("首日"))
    last_date = models.DateField(_("末日"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    skipped = models.JSONField(
        _("跳过的日期"), default=list, blank=True
    )  # [{"date": "2025-10-01", "reason": "国庆节"}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("周期预约")
        verbose_name_plural = _("周期预约")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.resource} {self.pattern}"

    @property
    def pattern(self) -> str:
        """ "周一至周五 16:30–18:00" or "周一、周三、周五 18:00–19:30"."""
        if self.follows_workdays:
            return f"每个工作日（含调休上班日） {self.start_time:%H:%M}–{self.end_time:%H:%M}"
        names = dict(WEEKDAYS)
        days = sorted(self.weekdays)
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            label = f"{names[days[0]]}至{names[days[-1]]}"
        else:
            label = "、".join(str(names[d]) for d in days)
        return f"每{label} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class BookingQuerySet(models.QuerySet):
    def holding(self) -> "BookingQuerySet":
        return self.filter(status__in=Booking.HOLDING_STATUSES)

    def overlapping(self, start, blocked_until) -> "BookingQuerySet":
        return self.filter(start__lt=blocked_until, blocked_until__gt=start)

    def visible_to(self, user) -> "BookingQuerySet":
        """Staff see bookings of resources in their regions; everyone sees their own."""
        return self.filter(Q(resource__in=Resource.objects.visible_to(user)) | Q(user=user)).distinct()


class Booking(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        CONFIRMED = "confirmed", _("已确认")
        CANCELLED = "cancelled", _("已取消")
        REJECTED = "rejected", _("未通过")
        CHECKED_IN = "checked_in", _("已签到")
        NO_SHOW = "no_show", _("未到（已释放）")
        RELEASED = "released", _("提前归还")

    # Statuses that hold the time slot (the exclusion constraint's WHERE clause uses the same list).
    HOLDING_STATUSES = (Status.CONFIRMED, Status.CHECKED_IN)
    ACTIVE_STATUSES = (Status.PENDING, Status.CONFIRMED, Status.CHECKED_IN)

    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.PROTECT, related_name="bookings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="bookings"
    )
    series = models.ForeignKey(
        BookingSeries,
        verbose_name=_("周期预约"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="bookings",
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    # end + the resource's buffer at booking time: the range this booking keeps free of others.
    blocked_until = models.DateTimeField(_("占用至"), editable=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    attendees = models.PositiveSmallIntegerField(_("人数"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束/释放时间"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")) & Q(end__lte=models.F("blocked_until")),
                name="booking_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
        ]
        indexes = [
            # overlap check and the free-slot grid: a resource's bookings around a time range
            models.Index(fields=["resource", "start"], name="booking_resource_start_idx"),
            # "my bookings" and the weekly quota: one person's bookings by time
            models.Index(fields=["user", "start"], name="booking_user_start_idx"),
            # no-show sweep: confirmed bookings that have started
            models.Index(fields=["status", "start"], name="booking_status_start_idx"),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.resource} {local:%m-%d %H:%M}–{timezone.localtime(self.end):%H:%M}"

    @property
    def is_holding(self) -> bool:
        return self.status in self.HOLDING_STATUSES

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600

    def used_hours(self) -> float:
        """Time actually used: from check-in (or start) to the end or to an early release."""
        if self.status not in (self.Status.CHECKED_IN, self.Status.RELEASED) or not self.checked_in_at:
            return 0.0
        begin = max(self.start, self.checked_in_at)
        finish = min(self.end, self.ended_at) if self.ended_at else self.end
        return max(0.0, (finish - begin).total_seconds() / 3600)


class WaitlistEntry(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("候补中")
        OFFERED = "offered", _("已通知，待确认")
        ACCEPTED = "accepted", _("已转为预约")
        EXPIRED = "expired", _("逾期未确认")
        CANCELLED = "cancelled", _("已取消")

    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("候补人"), on_delete=models.CASCADE, related_name="+"
    )
    start = models.DateTimeField(_("开始"))
    end = models.DateTimeField(_("结束"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    offered_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("保留至"), null=True, blank=True)
    booking = models.OneToOneField(
        Booking, verbose_name=_("预约"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("候补")
        verbose_name_plural = _("候补")
        ordering = ["created_at", "id"]
        indexes = [
            # promotion after a release: a resource's waiting entries, first come first served
            models.Index(fields=["resource", "status", "created_at"], name="waitlist_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {timezone.localtime(self.start):%m-%d %H:%M} {self.get_status_display()}"


class ResourceGrant(models.Model):
    """A resource granted to resolve a 资源链接 case: a booking, a recurring series or a group membership."""

    class Kind(models.TextChoices):
        BOOKING = "booking", _("预约")
        SERIES = "series", _("周期预约")
        MEMBERSHIP = "membership", _("长期使用资格")

    case = models.ForeignKey("cases.Case", verbose_name=_("诉求"), on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), on_delete=models.PROTECT, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("使用人"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    series = models.ForeignKey(BookingSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    group = models.ForeignKey(BookingGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(_("办理时间"), default=timezone.now)

    class Meta:
        verbose_name = _("资源链接记录")
        verbose_name_plural = _("资源链接记录")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.resource} → {self.user}（{self.get_kind_display()}）"
