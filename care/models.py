"""Daily care of vulnerable residents: meal rounds (助餐), safety checks on every delivery, visits (探访).

The meal is also a daily check that the person is well. A delivery marked 无人应答 opens a
``SafetyAlert`` whose escalation steps (worker, emergency contacts in order, a critical case) are
recorded one by one until someone confirms the person is safe. State changes go through
``care.actions``; the route solver lives in ``care.routing``.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import crypto
from lib.masking import mask_phone
from org.models import STAFF_ROLES
from org.scoping import RegionScopedQuerySet


class WellState(models.TextChoices):
    """What the volunteer (or visitor) saw at the door. They must see the person."""

    GOOD = "good", _("良好")
    UNWELL = "unwell", _("身体不适")
    NO_ANSWER = "no_answer", _("无人应答")
    MOVED = "moved", _("已不在此居住")


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("早餐")
    LUNCH = "lunch", _("午餐")
    DINNER = "dinner", _("晚餐")


class TravelMode(models.TextChoices):
    WALK = "walk", _("步行")
    BIKE = "bike", _("骑车")


class CareRecipientQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def receiving(self):
        return self.exclude(status=CareRecipient.Status.ENDED)


class CareRecipient(models.Model):
    class Living(models.TextChoices):
        ALONE = "alone", _("独居")
        SOLITARY = "solitary", _("孤寡")
        EMPTY_NEST = "empty_nest", _("空巢")
        WITH_CHILDREN = "with_children", _("与子女同住")

    class Mobility(models.TextChoices):
        INDEPENDENT = "independent", _("能自理")
        PARTIAL = "partial", _("半自理")
        DEPENDENT = "dependent", _("不能自理")
        BEDRIDDEN = "bedridden", _("卧床")

    class Status(models.TextChoices):
        ACTIVE = "active", _("服务中")
        PAUSED = "paused", _("暂停")
        ENDED = "ended", _("已结束")

    class EndReason(models.TextChoices):
        DEATH = "death", _("去世")
        MOVED = "moved", _("搬离")
        INSTITUTION = "institution", _("入住养老机构")
        DECLINED = "declined", _("本人不再需要")
        OTHER = "other", _("其他")

    resident = models.OneToOneField(
        "people.Resident", verbose_name=_("居民"), on_delete=models.PROTECT, related_name="care"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    living = models.CharField(_("居住情况"), max_length=20, choices=Living.choices, default=Living.ALONE)
    mobility = models.CharField(_("行动能力"), max_length=20, choices=Mobility.choices, default=Mobility.INDEPENDENT)
    # 长护险评估等级 1–6 where known (0 = not assessed).
    care_level = models.PositiveSmallIntegerField(_("长护险评估等级"), default=0, help_text=_("0 表示未评估"))
    low_salt = models.BooleanField(_("低盐"), default=False)
    low_sugar = models.BooleanField(_("低糖/糖尿病"), default=False)
    soft = models.BooleanField(_("软食"), default=False)
    liquid = models.BooleanField(_("流食"), default=False)
    halal = models.BooleanField(_("清真"), default=False)
    allergies = models.CharField(_("过敏"), max_length=200, blank=True)
    key_holder = models.CharField(_("钥匙保管人"), max_length=100, blank=True, help_text=_("如：邻居李阿姨（302室）"))
    door_note = models.CharField(_("上门提示"), max_length=200, blank=True, help_text=_("如：耳背，请多敲几次门"))
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任社工"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_recipients",
    )
    consent = models.BooleanField(_("本人同意接受服务"), default=False)
    consent_date = models.DateField(_("同意日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    end_reason = models.CharField(_("结束原因"), max_length=20, choices=EndReason.choices, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CareRecipientQuerySet.as_manager()

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        ordering = ["resident__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(care_level__lte=6), name="care_level_range", violation_error_message=_("评估等级为 0–6。")
            ),
            models.CheckConstraint(
                condition=~Q(status="ended") | ~Q(end_reason=""),
                name="care_ended_has_reason",
                violation_error_message=_("结束服务须填写原因。"),
            ),
        ]

    def __str__(self) -> str:
        return self.resident.name

    @property
    def diet_labels(self) -> list[str]:
        flags = [("low_salt", _("低盐")), ("low_sugar", _("低糖")), ("soft", _("软食")), ("liquid", _("流食"))]
        flags.append(("halal", _("清真")))
        labels = [str(label) for name, label in flags if getattr(self, name)]
        if self.allergies:
            labels.append(str(_("过敏：")) + self.allergies)
        return labels

    @property
    def address(self):
        household = self.resident.household
        return household.address if household else None


class EmergencyContact(models.Model):
    """Called in ``order`` when the person does not answer the door."""

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="contacts")
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=30, help_text=_("如：儿子、邻居"))
    phone_encrypted = models.TextField(editable=False)
    phone_masked = models.CharField(_("电话"), max_length=20, editable=False)

    class Meta:
        verbose_name = _("紧急联系人")
        verbose_name_plural = _("紧急联系人")
        ordering = ["recipient", "order", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）{self.phone_masked}"

    def set_phone(self, phone: str) -> None:
        phone = (phone or "").strip().replace(" ", "").replace("-", "")
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_masked = mask_phone(phone)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)


class Kitchen(models.Model):
    """A community canteen or 助餐点 that cooks or hands out the meals; the depot of its rounds."""

    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    serves_on_holidays = models.BooleanField(
        _("法定节假日照常供餐"), default=True, help_text=_("不勾选则法定节假日（含春节、国庆等）不生成送餐")
    )
    lunch_start = models.TimeField(_("午餐送达开始"), default=datetime.time(11, 0))
    lunch_end = models.TimeField(_("午餐送达截止"), default=datetime.time(12, 0))
    dinner_start = models.TimeField(_("晚餐送达开始"), default=datetime.time(17, 0))
    dinner_end = models.TimeField(_("晚餐送达截止"), default=datetime.time(18, 0))
    is_active = models.BooleanField(_("启用"), default=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("助餐点")
        verbose_name_plural = _("助餐点")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def window(self, meal: str) -> tuple[datetime.time, datetime.time]:
        if meal == Meal.DINNER:
            return self.dinner_start, self.dinner_end
        if meal == Meal.BREAKFAST:
            return datetime.time(7, 0), datetime.time(8, 0)
        return self.lunch_start, self.lunch_end


class CareVolunteer(models.Model):
    """A volunteer (or kitchen staff) who delivers and visits, with how much they can take on."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="care_volunteer"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    kitchen = models.ForeignKey(Kitchen, verbose_name=_("常驻助餐点"), null=True, blank=True, on_delete=models.SET_NULL)
    capacity = models.PositiveSmallIntegerField(_("每轮最多送餐份数"), default=8)
    visit_partners = models.PositiveSmallIntegerField(_("结对探访人数上限"), default=5)
    mode = models.CharField(_("出行方式"), max_length=10, choices=TravelMode.choices, default=TravelMode.WALK)
    is_staff_member = models.BooleanField(_("助餐点工作人员"), default=False)
    is_active = models.BooleanField(_("在岗"), default=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("送餐/探访志愿者")
        verbose_name_plural = _("送餐/探访志愿者")
        constraints = [
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="care_volunteer_capacity",
                violation_error_message=_("容量至少为 1。"),
            )
        ]

    def __str__(self) -> str:
        return str(self.user)


class MealSubscription(models.Model):
    recipient = models.ForeignKey(
        CareRecipient, verbose_name=_("关爱对象"), on_delete=models.CASCADE, related_name="subscriptions"
    )
    kitchen = models.ForeignKey(
        Kitchen, verbose_name=_("助餐点"), on_delete=models.PROTECT, related_name="subscriptions"
    )
    meal = models.CharField(_("餐次"), max_length=10, choices=Meal.choices, default=Meal.LUNCH)
    # ISO weekdays as digits: "12345" = Monday to Friday, "1234567" = every day.
    weekdays = models.CharField(_("送餐日"), max_length=7, default="1234567", help_text=_("1=周一 … 7=周日"))
    price = models.DecimalField(_("餐费（元）"), max_digits=6, decimal_places=2, default=0)
    subsidy = models.DecimalField(_("补贴（元）"), max_digits=6, decimal_places=2, default=0)
    # Continuity: the volunteer who usually brings this meal (the person knows them and opens the door).
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("固定送餐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    # Per-stop time window inside the kitchen's (e.g. insulin at 11:15: the meal must come 11:00–11:20).
    window_start = models.TimeField(_("本人送达开始"), null=True, blank=True)
    window_end = models.TimeField(_("本人送达截止"), null=True, blank=True, help_text=_("不填则按助餐点送餐时段"))

    class Meta:
        verbose_name = _("助餐订餐")
        verbose_name_plural = _("助餐订餐")
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy__lte=models.F("price")),
                name="care_subsidy_not_above_price",
                violation_error_message=_("补贴不能高于餐费。"),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="care_subscription_dates",
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True, window_end__isnull=True)
                | Q(window_start__lt=models.F("window_end")),
                name="care_subscription_window",
                violation_error_message=_("本人送达时段须同时填写，且开始早于截止。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kitchen} · {self.get_meal_display()}"

    @property
    def payable(self):
        return self.price - self.subsidy

    def serves_weekday(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    WEEKDAY_NAMES = "一二三四五六日"

    @property
    def weekdays_label(self) -> str:
        """The delivery days as people say them: 每天, 工作日 (周一至周五), or 周一、三、五."""
        days = sorted({int(d) for d in self.weekdays if d in "1234567"})
        if days == list(range(1, 8)):
            return str(_("每天"))
        if days == list(range(1, 6)):
            return str(_("周一至周五"))
        if days == [6, 7]:
            return str(_("周末"))
        return str(_("周")) + "、".join(self.WEEKDAY_NAMES[d - 1] for d in days) if days else "–"


class Pause(models.Model):
    """No meals (and no expected visit) from ``starts_on`` to ``ends_on`` inclusive, e.g. in hospital."""

    class RequestedBy(models.TextChoices):
        SELF = "self", _("本人")
        FAMILY = "family", _("家属")
        WORKER = "worker", _("社工")

    recipient = models.ForeignKey(CareRecipient, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("不填表示待定"))
    reason = models.CharField(_("原因"), max_length=200, help_text=_("如：住院、去子女家"))
    requested_by = models.CharField(_("提出人"), max_length=10, choices=RequestedBy.choices, default=RequestedBy.WORKER)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("暂停")
        verbose_name_plural = _("暂停")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="care_pause_dates",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.starts_on}–{self.ends_on or '?'} {self.reason}"

    def covers(self, day: datetime.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class MealRound(models.Model):
    """One kitchen's deliveries of one meal on one day (e.g. 陕西南路助餐点 · 午餐 · 11:00–12:00)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("待出发")
        ROUTED = "routed", _("已排路线")
        DONE = "done", _("已完成")

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    kitchen = models.ForeignKey(Kitchen, verbose_name=_("助餐点"), on_delete=models.PROTECT, related_name="rounds")
    date = models.DateField(_("日期"))
    meal = models.CharField(_("餐次"), max_length=10, choices=Meal.choices)
    window_start = models.TimeField(_("送达开始"))
    window_end = models.TimeField(_("送达截止"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    planned_distance_m = models.PositiveIntegerField(_("计划总路程（米）"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)  # bumped by every plan, so a late plan does not overwrite

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("送餐轮次")
        verbose_name_plural = _("送餐轮次")
        ordering = ["-date", "kitchen", "meal"]
        constraints = [
            models.UniqueConstraint(
                fields=["kitchen", "date", "meal"],
                name="care_round_unique",
                violation_error_message=_("该轮次已存在。"),
            ),
            models.CheckConstraint(
                condition=Q(window_start__lt=models.F("window_end")),
                name="care_round_window",
                violation_error_message=_("送达开始时间须早于截止时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kitchen} · {self.date:%m-%d} {self.get_meal_display()}"

    def at(self, t: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.date, t))

    @property
    def window_label(self) -> str:
        return f"{self.window_start:%H:%M}–{self.window_end:%H:%M}"


class DeliveryQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def for_volunteer(self, user):
        return self.filter(volunteer=user)

    def pending(self):
        return self.filter(state=Delivery.State.PENDING)


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("待送达")
        GOOD = WellState.GOOD.value, WellState.GOOD.label
        UNWELL = WellState.UNWELL.value, WellState.UNWELL.label
        NO_ANSWER = WellState.NO_ANSWER.value, WellState.NO_ANSWER.label
        MOVED = WellState.MOVED.value, WellState.MOVED.label
        CANCELLED = "cancelled", _("已取消")

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    round = models.ForeignKey(MealRound, verbose_name=_("轮次"), on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey(
        CareRecipient, verbose_name=_("关爱对象"), on_delete=models.PROTECT, related_name="deliveries"
    )
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("送餐人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_deliveries",
    )
    seq = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # This stop's own window (copied from the subscription when the round is generated); None = the round's.
    window_start = models.TimeField(_("本人送达开始"), null=True, blank=True)
    window_end = models.TimeField(_("本人送达截止"), null=True, blank=True)
    eta = models.DateTimeField(_("预计送达"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注/迟到原因"), max_length=200, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("送餐")
        verbose_name_plural = _("送餐")
        ordering = ["round", "volunteer", "seq", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "recipient"],
                name="care_delivery_unique",
                violation_error_message=_("同一轮次已有此人。"),
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True, window_end__isnull=True)
                | Q(window_start__lt=models.F("window_end")),
                name="care_delivery_window",
                violation_error_message=_("本人送达时段须同时填写，且开始早于截止。"),
            ),
        ]
        indexes = [
            # the volunteer's phone page: my stops today
            models.Index(fields=["volunteer", "state"], name="care_delivery_volunteer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.round} → {self.recipient}"

    @property
    def handed_over(self) -> bool:
        """The meal reached the person (well or unwell). After 无人应答 or 已搬离 the time is of the visit to the
        door, not of a delivery: pages say 上门, never 送达, for those."""
        return self.state in (self.State.GOOD, self.State.UNWELL)

    @property
    def window(self) -> tuple[datetime.time, datetime.time]:
        """This stop's delivery window: its own if set, else the round's."""
        if self.window_start and self.window_end:
            return self.window_start, self.window_end
        return self.round.window_start, self.round.window_end

    @property
    def has_own_window(self) -> bool:
        return bool(self.window_start and self.window_end)

    @property
    def window_label(self) -> str:
        start, end = self.window
        return f"{start:%H:%M}–{end:%H:%M}"

    @property
    def deadline(self) -> datetime.datetime:
        return self.round.at(self.window[1])

    @property
    def is_late(self) -> bool:
        return bool(self.delivered_at and self.delivered_at > self.deadline)


class SafetyAlertQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def open(self):
        return self.filter(status=SafetyAlert.Status.OPEN)


class SafetyAlert(models.Model):
    """Someone did not answer the door. Escalates step by step until a person confirms they are safe."""

    class Status(models.TextChoices):
        OPEN = "open", _("处理中")
        SAFE = "safe", _("已确认安全")
        CLOSED = "closed", _("已关闭")

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        CareRecipient, verbose_name=_("关爱对象"), on_delete=models.PROTECT, related_name="alerts"
    )
    delivery = models.ForeignKey(Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    visit = models.ForeignKey("VisitRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("发起时间"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The escalation position: how many steps have fired and when the next one is due.
    steps_done = models.PositiveSmallIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_note = models.CharField(_("处理结果"), max_length=300, blank=True)
    case_id = models.BigIntegerField(_("诉求编号"), null=True, blank=True)

    objects = SafetyAlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("安全预警")
        verbose_name_plural = _("安全预警")
        ordering = ["-opened_at"]
        constraints = [
            # one open alert per person: a second 无人应答 joins the running chain
            models.UniqueConstraint(
                fields=["recipient"],
                condition=Q(status="open"),
                name="care_one_open_alert",
                violation_error_message=_("此人已有处理中的安全预警。"),
            )
        ]
        indexes = [
            # the escalation sweep: open alerts whose next step is due
            models.Index(fields=["status", "next_step_at"], name="care_alert_due_idx"),
        ]

    def __str__(self) -> str:
        # shown as the 来源 of the case it opens: the time as people in Shanghai read it, not UTC
        return f"{self.recipient} · {timezone.localtime(self.opened_at):%m-%d %H:%M}"

    @property
    def time_to_close(self) -> datetime.timedelta | None:
        return self.closed_at - self.opened_at if self.closed_at else None


class EscalationStep(models.Model):
    class Kind(models.TextChoices):
        WORKER = "worker", _("通知责任社工")
        CONTACT = "contact", _("通知紧急联系人")
        CASE = "case", _("生成紧急诉求")
        REMINDER = "reminder", _("再次提醒社工")

    alert = models.ForeignKey(SafetyAlert, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("步骤"))
    kind = models.CharField(_("动作"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("时间"))
    told = models.CharField(_("通知对象"), max_length=100)  # "陈静（责任社工）", "张强（儿子）138****1234"
    channel = models.CharField(_("渠道"), max_length=20, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)  # notify.Message
    acknowledged_by = models.CharField(_("回应人"), max_length=100, blank=True)
    acknowledged_at = models.DateTimeField(_("回应时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("预警步骤")
        verbose_name_plural = _("预警步骤")
        ordering = ["alert", "number"]
        constraints = [models.UniqueConstraint(fields=["alert", "number"], name="care_step_unique")]

    def __str__(self) -> str:
        return f"{self.number}. {self.get_kind_display()} {self.told}"

    CHANNEL_LABELS = {"sms": _("短信"), "email": _("电子邮件"), "console": _("站内消息"), "case": _("诉求")}

    @property
    def channel_label(self) -> str:
        """How the step reached them, in Chinese (the alert page)."""
        return str(self.CHANNEL_LABELS.get(self.channel, self.channel))


class VisitPlanQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def overdue(self, today: datetime.date):
        return self.filter(is_active=True, next_due__lt=today)


class VisitPlan(models.Model):
    """Regular visits (老伙伴计划): a volunteer paired with about five elderly people."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(
        CareRecipient, verbose_name=_("关爱对象"), on_delete=models.CASCADE, related_name="visit_plans"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("探访人"), on_delete=models.PROTECT, related_name="care_visit_plans"
    )
    every_days = models.PositiveSmallIntegerField(_("探访周期（天）"), default=7)
    next_due = models.DateField(_("下次应访日期"))
    is_active = models.BooleanField(_("有效"), default=True)

    objects = VisitPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("探访安排")
        verbose_name_plural = _("探访安排")
        ordering = ["next_due"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "visitor"],
                condition=Q(is_active=True),
                name="care_visit_plan_unique",
                violation_error_message=_("该探访人已与此人结对。"),
            ),
            models.CheckConstraint(
                condition=Q(every_days__gte=1), name="care_visit_every", violation_error_message=_("周期至少 1 天。")
            ),
        ]
        indexes = [
            # overdue visits on the care home page
            models.Index(fields=["is_active", "next_due"], name="care_visit_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visitor} → {self.recipient}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        return self.is_active and self.next_due < (today or timezone.localdate())


class VisitRecord(models.Model):
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(VisitPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    recipient = models.ForeignKey(
        CareRecipient, verbose_name=_("关爱对象"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("探访人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("探访时间"))
    state = models.CharField(_("状态"), max_length=10, choices=WellState.choices)
    needs = models.TextField(_("发现的需求"), blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    case_id = models.BigIntegerField(_("诉求编号"), null=True, blank=True)

    objects = RegionScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("探访记录")
        verbose_name_plural = _("探访记录")
        ordering = ["-visited_at"]

    def __str__(self) -> str:
        return f"{self.recipient} {timezone.localtime(self.visited_at):%m-%d}"
