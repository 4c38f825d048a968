"""Volunteers, partner organisations (共建单位) and the service-hour ledger (志愿服务记录).

The ledger follows 志愿服务记录与证明出具办法（2020）: each record names the volunteer, activity,
date, place, who was served, the content, start and end, the hours (travel excluded), the
recorder and the organiser's verification. Records are never edited: a correction is requested
by the volunteer, approved by the organiser, and produces a new record that supersedes the old
one, which stays visible (``ServiceRecord.superseded_by``).
"""

import datetime
import math
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import crypto, idcard
from lib import phone as phones
from lib.masking import mask_id_number, mask_phone
from org.models import STAFF_ROLES, Role
from org.scoping import RegionScopedQuerySet, region_q


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Skill(models.Model):
    """律师, 医生, 理财金融, 房产, 社工, 心理咨询, 驾驶, 上海话 … (editable list)."""

    name = models.CharField(_("名称"), max_length=30, unique=True)
    # Case/desk category codes this skill answers (comma separated, e.g. "legal,family,mediation");
    # matching ranks a volunteer by the skills whose codes include the case's or desk's category.
    category_codes = models.CharField(_("对应诉求类别编码"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("技能")
        verbose_name_plural = _("技能")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def codes(self) -> set[str]:
        return {c.strip() for c in self.category_codes.split(",") if c.strip()}


class VolunteerQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES

    def approved(self):
        return self.filter(status=Volunteer.Status.APPROVED)


class Volunteer(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        SUSPENDED = "suspended", _("已暂停")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_profiles",
    )
    name = models.CharField(_("姓名"), max_length=50)
    # Identity for the certificate and the national platform export; stored like people.Resident.
    id_number_encrypted = models.TextField(editable=False, blank=True)
    id_number_hash = models.CharField(max_length=64, editable=False, blank=True, db_index=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, editable=False, blank=True)
    phone_encrypted = models.TextField(editable=False, blank=True)
    phone_masked = models.CharField(_("手机"), max_length=20, editable=False, blank=True)
    region = models.ForeignKey(
        "org.Region", verbose_name=_("居住社区"), on_delete=models.PROTECT, related_name="volunteers"
    )
    # Home coordinates (WGS-84) for distance ranking; copied from the address by staff or import.
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    max_load = models.PositiveSmallIntegerField(_("同时承担任务上限"), default=3)
    note = models.TextField(_("备注"), blank=True)
    signed_up_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    # A sign-up from a resident's own account whose ID number is already a volunteer's: kept (so the
    # public answer is the same as for a new number) without the number itself, for staff to check in
    # person; it cannot be approved (services.volunteer_sign_up, docs/security.md "Oracles").
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("身份证号与之相同的志愿者"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="volunteer_unique_id_number",
                violation_error_message=_("已有相同身份证号的志愿者。"),
            ),
        ]
        indexes = [
            # matching: approved volunteers of a subdistrict
            models.Index(fields=["status", "region"], name="volunteer_status_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def set_id_number(self, number: str) -> None:
        number = idcard.validate(number) if number else ""
        self.id_number_encrypted = crypto.encrypt(number)
        self.id_number_hash = crypto.lookup_hash(number)
        self.id_number_masked = mask_id_number(number) if number else ""

    def set_phone(self, phone: str) -> None:
        phone = phones.normalize(phone)
        self.phone_encrypted = crypto.encrypt(phone)
        self.phone_masked = mask_phone(phone) if phone else ""

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        return crypto.decrypt(self.phone_encrypted)

    def is_available(self, start: datetime.datetime, end: datetime.datetime) -> bool:
        """Whether [start, end) lies inside the weekly pattern, unless an exception for that date says otherwise."""
        start, end = timezone.localtime(start), timezone.localtime(end)
        day = start.date()
        exceptions = [e for e in self.availability_exceptions.all() if e.date == day]
        for exc in exceptions:
            if exc.start is None or exc.end is None:  # the whole day (one time alone used to raise TypeError)
                return exc.available
            if not exc.available:
                if exc.start < end.time() and start.time() < exc.end:
                    return False
            elif exc.start <= start.time() and end.time() <= exc.end:
                return True
        return any(
            slot.weekday == day.weekday() and slot.start <= start.time() and end.time() <= slot.end
            for slot in self.availability.all()
        )

    def distance_km(self, latitude, longitude) -> float | None:
        if self.latitude is None or self.longitude is None or latitude is None or longitude is None:
            return None
        return haversine_km(float(self.latitude), float(self.longitude), float(latitude), float(longitude))

    def current_load(self) -> int:
        return self.assignments.open().count()

    def total_hours(self) -> Decimal:
        return self.records.current().aggregate(h=Sum("hours"))["h"] or Decimal("0")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


class VolunteerSkill(models.Model):
    class Level(models.IntegerChoices):
        BASIC = 1, _("入门")
        SKILLED = 2, _("熟练")
        EXPERT = 3, _("专业")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, verbose_name=_("技能"), on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("水平"), choices=Level.choices, default=Level.SKILLED)

    class Meta:
        verbose_name = _("志愿者技能")
        verbose_name_plural = _("志愿者技能")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "skill"],
                name="volunteer_skill_unique",
                violation_error_message=_("该志愿者已有此技能。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}（{self.get_level_display()}）"


class Certificate(models.Model):
    """A professional qualification (律师执业证, 医师资格证, 驾驶证 …) with its expiry."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("证书名称"), max_length=50)
    number = models.CharField(_("证书编号"), max_length=50, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("资格证书")
        verbose_name_plural = _("资格证书")
        ordering = ["expires_on"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()


class Availability(models.Model):
    """A weekly slot: 周六 09:00–12:00."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(
        _("星期"),
        choices=[
            (0, _("周一")),
            (1, _("周二")),
            (2, _("周三")),
            (3, _("周四")),
            (4, _("周五")),
            (5, _("周六")),
            (6, _("周日")),
        ],
    )
    start = models.TimeField(_("开始"))
    end = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("每周可服务时间")
        verbose_name_plural = _("每周可服务时间")
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")),
                name="availability_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class AvailabilityException(models.Model):
    """A date that differs from the weekly pattern: away all day, or available outside it."""

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="availability_exceptions")
    date = models.DateField(_("日期"))
    available = models.BooleanField(_("可服务"), default=False)
    start = models.TimeField(_("开始"), null=True, blank=True)  # empty = the whole day
    end = models.TimeField(_("结束"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("例外日期")
        verbose_name_plural = _("例外日期")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'可' if self.available else '不可'}"


class OrganisationQuerySet(RegionScopedQuerySet):
    region_field = "unit__region"
    visible_roles = STAFF_ROLES | {Role.PARTNER, Role.LEADER, Role.VOLUNTEER}


class Organisation(models.Model):
    """A partner organisation (党建共建单位) — the org.Unit plus what it serves and promised."""

    unit = models.OneToOneField("org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="partner")
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    regions = models.ManyToManyField("org.Region", verbose_name=_("服务辖区"), blank=True, related_name="+")
    description = models.TextField(_("简介"), blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def region(self):
        return self.unit.region


class Engagement(models.Model):
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="engagements")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="engagements"
    )
    role = models.CharField(_("身份"), max_length=50, blank=True)  # 律师, 党员志愿者 …
    since = models.DateField(_("加入日期"), default=datetime.date.today)

    class Meta:
        verbose_name = _("所属单位")
        verbose_name_plural = _("所属单位")
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "organisation"],
                name="engagement_unique",
                violation_error_message=_("该志愿者已在此单位。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.role}"


class Commitment(models.Model):
    """One line of the 共建项目清单: 每月一次法律咨询, 每季度一次义诊 …"""

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        YEAR = "year", _("每年")
        ONCE = "once", _("一次性")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="commitments")
    title = models.CharField(_("项目"), max_length=100)
    period = models.CharField(_("频次"), max_length=10, choices=Period.choices, default=Period.MONTH)
    times_per_period = models.PositiveSmallIntegerField(_("每期次数"), default=1)
    year = models.PositiveSmallIntegerField(_("年度"), default=datetime.date.today().year)

    class Meta:
        verbose_name = _("共建项目")
        verbose_name_plural = _("共建项目")
        ordering = ["organisation", "title"]

    def __str__(self) -> str:
        return self.title

    def target(self) -> int:
        per_year = {"month": 12, "quarter": 4, "year": 1, "once": 1}[self.period]
        return per_year * self.times_per_period if self.period != "once" else self.times_per_period

    def delivered(self) -> int:
        return self.deliveries.filter(date__year=self.year).count()


class CommitmentDelivery(models.Model):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="deliveries")
    date = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("履约记录")
        verbose_name_plural = _("履约记录")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.commitment} {self.date}"


class AssignmentQuerySet(models.QuerySet):
    def open(self):
        """Offered or accepted and not yet over: what counts towards a volunteer's load."""
        now = timezone.now()
        return (
            self.filter(status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED])
            .filter(Q(ends_at__isnull=True) | Q(ends_at__gte=now))
            .exclude(signed_out_at__isnull=False)
        )


class Assignment(models.Model):
    """A task offered to a volunteer: a case to help with, or a shift at a desk (events.RosterEntry).

    The volunteer accepts or declines on the phone. A shift is signed in and out (QR code on the
    phone, or the desk lead); signing out writes the ledger record.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", _("待确认")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")
        CANCELLED = "cancelled", _("已取消")

    class SignMethod(models.TextChoices):
        QR = "qr", _("手机扫码")
        LEAD = "lead", _("负责人代签")

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="assignments"
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("诉求"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="volunteer_assignments",
    )
    activity = models.CharField(_("活动"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始"), null=True, blank=True)
    ends_at = models.DateTimeField(_("结束"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OFFERED)
    score = models.FloatField(_("匹配得分"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    sign_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    signed_in_at = models.DateTimeField(_("签到"), null=True, blank=True)
    signed_in_method = models.CharField(_("签到方式"), max_length=10, choices=SignMethod.choices, blank=True)
    signed_out_at = models.DateTimeField(_("签退"), null=True, blank=True)
    signed_out_method = models.CharField(_("签退方式"), max_length=10, choices=SignMethod.choices, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿任务")
        verbose_name_plural = _("志愿任务")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(starts_at__lt=models.F("ends_at")),
                name="assignment_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
            models.CheckConstraint(
                condition=Q(signed_out_at__isnull=True) | Q(signed_in_at__lte=models.F("signed_out_at")),
                name="assignment_signout_after_signin",
                violation_error_message=_("签退时间不能早于签到时间。"),
            ),
        ]
        indexes = [
            # a volunteer's open tasks (load) and their phone page
            models.Index(fields=["volunteer", "status"], name="assignment_volunteer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} · {self.activity}"


class ServiceRecordQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES | {Role.PARTNER}

    def visible_to(self, user, *, roles=None):
        """Staff see the records of their regions; a partner member only those of their own organisation — the
        records it organised or of volunteers engaged with it — in their regions, never another organisation's."""
        if roles is not None:
            return super().visible_to(user, roles=roles)
        staff = region_q(user, roles=STAFF_ROLES)
        if not user or not user.is_authenticated or user.is_superuser:
            return self.filter(staff)
        units = user.memberships.filter(role=Role.PARTNER, unit__isnull=False).values("unit")
        own = Q(organisation__unit__in=units) | Q(volunteer__engagements__organisation__unit__in=units)
        partner = region_q(user, roles={Role.PARTNER}) & own
        return self.filter(pk__in=self.model.objects.filter(staff | partner).values("pk"))

    def current(self):
        """Records that count: not replaced by a correction."""
        return self.filter(superseded_by__isnull=True)

    def verified(self):
        return self.filter(verified_at__isnull=False)


class ServiceRecord(models.Model):
    """One line of the ledger (志愿服务记录). Never edited in place; see ``ServiceCorrection``."""

    class Source(models.TextChoices):
        SHIFT = "shift", _("签到签退")
        MANUAL = "manual", _("手工录入")
        CORRECTION = "correction", _("更正")

    volunteer = models.ForeignKey(Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="records")
    activity = models.CharField(_("活动名称"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("组织单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("服务日期"))
    place = models.CharField(_("服务地点"), max_length=200)
    served = models.CharField(_("服务对象"), max_length=200)
    content = models.TextField(_("服务内容"))
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("服务时长（小时，不含交通）"), max_digits=5, decimal_places=2)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织方核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("更正的原记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务记录")
        verbose_name_plural = _("志愿服务记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_at__lt=models.F("ended_at")),
                name="record_start_before_end",
                violation_error_message=_("开始时间必须早于结束时间。"),
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="record_hours_range",
                violation_error_message=_("服务时长应大于0且不超过24小时。"),
            ),
        ]
        indexes = [
            # totals per volunteer and period; the volunteer's ledger page
            models.Index(fields=["volunteer", "date"], name="record_volunteer_date_idx"),
            # totals per organisation and period
            models.Index(fields=["organisation", "date"], name="record_org_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.date} {self.activity} {self.hours}h"

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by") or self.superseded_by is None

    def max_hours(self) -> Decimal:
        return hours_between(self.started_at, self.ended_at)


def hours_between(start: datetime.datetime, end: datetime.datetime) -> Decimal:
    """Hours from start to end, rounded to the quarter hour below (the platform records 0.25 h steps)."""
    minutes = int((end - start).total_seconds() // 60)
    return Decimal(minutes // 15) * Decimal("0.25")


class ServiceCorrection(models.Model):
    """A volunteer's request to correct a record; the organiser approves or rejects it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("已驳回")

    record = models.ForeignKey(
        ServiceRecord, verbose_name=_("原记录"), on_delete=models.PROTECT, related_name="corrections"
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(_("更正理由"))
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=5, decimal_places=2)
    content = models.TextField(_("服务内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审核意见"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("记录更正申请")
        verbose_name_plural = _("记录更正申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=Q(status="pending"),
                name="one_pending_correction_per_record",
                violation_error_message=_("这条记录已有待审核的更正申请。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record} → {self.hours}h"


class ServiceCertificate(models.Model):
    """志愿服务记录证明: a snapshot of the verified ledger for a period, with a public verification page."""

    serial = models.CharField(_("证明编号"), max_length=30, unique=True, blank=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="service_certificates"
    )
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    period_from = models.DateField(_("起始日期"))
    period_to = models.DateField(_("截止日期"))
    total_hours = models.DecimalField(_("累计时长（小时）"), max_digits=8, decimal_places=2)
    record_count = models.PositiveIntegerField(_("记录条数"))
    records = models.ManyToManyField(ServiceRecord, related_name="certificates")
    content_summary = models.TextField(_("服务内容"))
    issuer = models.CharField(_("出具单位"), max_length=100)
    issuer_contact = models.CharField(_("联系人及电话"), max_length=100)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    verify_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial


from .regular_shifts import RegularShift  # noqa: E402, F401  (a model of this app, kept in its own module)
