"""Service days (服务活动) with consultation desks, their rosters and queues (取号叫号).

Queue invariants live in the database: a ticket number is unique per desk (numbers come from the
desk's own counter, incremented by one conditional UPDATE … RETURNING), and a person holds at most
one open ticket per desk. Calling the next ticket locks the row (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, in the one statement of events.services) and flips it with a conditional update, so one
ticket never goes to two staff.
"""

import math
import secrets
import statistics

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import STAFF_ROLES, Role
from org.scoping import RegionScopedQuerySet


def new_token() -> str:
    return secrets.token_urlsafe(12)


class DeskTopic(models.Model):
    """法律, 金融政策, 物流服务, 养老政策, 房产买卖租赁, 医疗服务, 未成年人保护 … (editable list)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    category_code = models.CharField(_("对应诉求类别编码"), max_length=30)  # cases.Category.code
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("咨询主题")
        verbose_name_plural = _("咨询主题")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class EventQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES | {Role.LEADER, Role.PARTNER, Role.VOLUNTEER}


class ServiceEvent(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("筹备中")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    title = models.CharField(_("活动名称"), max_length=200)
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    organiser = models.ForeignKey("org.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+")
    partners = models.ManyToManyField(
        "volunteers.Organisation", verbose_name=_("共建单位"), blank=True, related_name="events"
    )
    description = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    public_token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务活动")
        verbose_name_plural = _("服务活动")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")),
                name="event_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Desk(models.Model):
    event = models.ForeignKey(ServiceEvent, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="desks")
    topic = models.ForeignKey(DeskTopic, verbose_name=_("主题"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("咨询台名称"), max_length=50)
    prefix = models.CharField(_("号码前缀"), max_length=3, help_text=_("如 A、B，显示为 A012"))
    # The per-desk counter row: take-number increments it with one UPDATE … RETURNING.
    last_number = models.PositiveIntegerField(default=0, editable=False)
    # The estimate before any consultation has finished at this desk (minutes per resident).
    default_minutes = models.PositiveSmallIntegerField(_("预计每人用时（分钟）"), default=8)
    is_open = models.BooleanField(_("正在取号"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("咨询台")
        verbose_name_plural = _("咨询台")
        ordering = ["event", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "prefix"],
                name="desk_unique_prefix",
                violation_error_message=_("同一活动中号码前缀不能重复。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region(self):
        return self.event.region


class RosterEntry(models.Model):
    """A volunteer's shift at a desk: the desk side of a ``volunteers.Assignment``."""

    desk = models.ForeignKey(Desk, verbose_name=_("咨询台"), on_delete=models.CASCADE, related_name="roster")
    assignment = models.OneToOneField(
        "volunteers.Assignment", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="roster_entry"
    )
    is_lead = models.BooleanField(_("台长"), default=False)

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["desk", "assignment__starts_at"]

    def __str__(self) -> str:
        return f"{self.desk} · {self.assignment.volunteer}"


class TicketQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=QueueTicket.Status.WAITING)

    def in_call_order(self):
        """The order desks call in: priority first, then the original issue time (kept through transfers)."""
        return self.order_by("-priority", "issued_at", "id")


class QueueTicket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", _("等候中")
        CALLED = "called", _("已叫号")
        SERVING = "serving", _("咨询中")
        DONE = "done", _("已完成")
        NO_SHOW = "no_show", _("过号")
        TRANSFERRED = "transferred", _("已转台")
        CANCELLED = "cancelled", _("已取消")

    OPEN_STATUSES = ("waiting", "called", "serving")

    class Channel(models.TextChoices):
        PHONE = "phone", _("手机扫码")
        STAFF = "staff", _("现场登记")

    class PriorityReason(models.TextChoices):
        ELDERLY = "elderly", _("老年人")
        DISABLED = "disabled", _("残疾人")
        OTHER = "other", _("其他需照顾")

    desk = models.ForeignKey(Desk, verbose_name=_("咨询台"), on_delete=models.PROTECT, related_name="tickets")
    number = models.PositiveIntegerField(_("号码"))
    # When the resident first took a number; a transfer keeps it, so they do not queue again from the back.
    issued_at = models.DateTimeField(_("取号时间"), default=timezone.now)
    taken_at = models.DateTimeField(_("到本台时间"), default=timezone.now)
    channel = models.CharField(_("取号方式"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    name = models.CharField(_("称呼"), max_length=30, blank=True)
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_masked = models.CharField(_("手机"), max_length=20, blank=True)
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who holds it, for "one open ticket per person per desk": "r:<resident id>", "p:<phone digest>" or
    # "s:<session>"; empty for anonymous staff-issued tickets.
    person_key = models.CharField(max_length=80, blank=True)
    priority = models.BooleanField(_("优先"), default=False)
    priority_reason = models.CharField(_("优先原因"), max_length=10, choices=PriorityReason.choices, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.WAITING)
    called_at = models.DateTimeField(_("叫号时间"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("最近叫号"), null=True, blank=True)
    call_count = models.PositiveSmallIntegerField(_("叫号次数"), default=0)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("开始咨询"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    transferred_from = models.OneToOneField(
        "self", verbose_name=_("转自"), null=True, blank=True, on_delete=models.PROTECT, related_name="transferred_to"
    )
    token = models.CharField(max_length=24, unique=True, default=new_token, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("排队号")
        verbose_name_plural = _("排队号")
        ordering = ["desk", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk", "number"],
                name="ticket_unique_number_per_desk",
                violation_error_message=_("该咨询台已有这个号码。"),
            ),
            models.UniqueConstraint(
                fields=["desk", "person_key"],
                condition=Q(status__in=("waiting", "called", "serving")) & ~Q(person_key=""),
                name="ticket_one_open_per_person_per_desk",
                violation_error_message=_("您在这个咨询台已有一个号，请勿重复取号。"),
            ),
        ]
        indexes = [
            # call-next and the position count: a desk's waiting tickets in call order
            models.Index(fields=["desk", "status", "issued_at"], name="ticket_desk_queue_idx"),
            # the wait estimate: recent completions at a desk
            models.Index(fields=["desk", "finished_at"], name="ticket_desk_finished_idx"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.desk.prefix}{self.number:03d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def wait_minutes(self) -> float | None:
        """Minutes from first taking a number to being called (the report's wait)."""
        if self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60


class ConsultationQuerySet(RegionScopedQuerySet):
    region_field = "event__region"
    visible_roles = STAFF_ROLES | {Role.PARTNER}


class Consultation(models.Model):
    """What was asked and answered at a desk. "Needs follow-up" creates a Case linked to this row."""

    event = models.ForeignKey(ServiceEvent, on_delete=models.PROTECT, related_name="consultations")
    desk = models.ForeignKey(Desk, verbose_name=_("咨询台"), on_delete=models.PROTECT, related_name="consultations")
    ticket = models.OneToOneField(
        QueueTicket, null=True, blank=True, on_delete=models.PROTECT, related_name="consultation"
    )
    topic = models.CharField(_("咨询主题"), max_length=30)
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resident_name = models.CharField(_("居民称呼"), max_length=30, blank=True)
    summary = models.TextField(_("咨询内容"))
    advice = models.TextField(_("答复意见"), blank=True)
    follow_up = models.BooleanField(_("需要跟进"), default=False)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("跟进诉求"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_by = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("解答志愿者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The service guide the question was answered from (guides.services.answer_mark); empty: no guide answered it,
    # which the gaps page and the report count per desk and topic.
    guide = models.ForeignKey(
        "guides.Guide",
        verbose_name=_("解答所用指南"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ConsultationQuerySet.as_manager()

    class Meta:
        verbose_name = _("咨询记录")
        verbose_name_plural = _("咨询记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.topic}：{self.summary[:20]}"

    @property
    def region(self):
        return self.event.region


def median_p90(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    data = sorted(values)
    p90_index = math.ceil(0.9 * len(data)) - 1  # nearest-rank 90th percentile
    return statistics.median(data), data[p90_index]
