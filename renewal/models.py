"""Old-district renovation (旧改): projects and plots, versioned compensation plans, certificates (权证) with
their rooms and co-residents, estimates, the two consultation rounds, the consultation log and mediation.

Counting unit: one certificate (证). Votes, signatures and ratios count certificates, never persons.
The arithmetic lives in ``renewal.compensation`` (and ``renewal.purchase`` for buying a flat); these models keep
the facts and the results.
"""

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import Role
from org.scoping import RegionScopedQuerySet

from . import compensation
from .purchase import PurchaseSettings

# The renovation office: subdistrict staff and admins whose region contains the project's region. Neighbourhood
# workers, volunteers and partners never see household finances; leaders see progress aggregates only.
OFFICE_ROLES = frozenset({Role.STAFF, Role.ADMIN})
PROGRESS_ROLES = frozenset({Role.STAFF, Role.ADMIN, Role.LEADER})

HOUSE_TYPE_CHOICES = [(name, name) for name in compensation.HOUSE_TYPES]


class _Digits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _Digits = {"max_digits": 14, "decimal_places": 2}
AREA: _Digits = {"max_digits": 10, "decimal_places": 4}
RATIO: _Digits = {"max_digits": 5, "decimal_places": 4}


class ProjectQuerySet(RegionScopedQuerySet):
    visible_roles = OFFICE_ROLES

    def with_progress_for(self, user):
        return self.visible_to(user, roles=PROGRESS_ROLES)


class RenewalProject(models.Model):
    """A renovation plot (地块), e.g. 蓬莱路地块, with its dates and thresholds."""

    class AreaRounding(models.TextChoices):
        NONE = "none", _("不取整")
        PER_ROOM = "per_room", _("逐间取整到0.01㎡")
        TOTAL = "total", _("合计取整到0.01㎡")

    name = models.CharField(_("地块名称"), max_length=100)
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    decision_date = models.DateField(_("征收决定日"), null=True, blank=True)
    round1_start = models.DateField(_("一轮征询开始"), null=True, blank=True)
    round1_end = models.DateField(_("一轮征询截止"), null=True, blank=True)
    signing_start = models.DateTimeField(_("签约期开始"), null=True, blank=True)
    signing_end = models.DateTimeField(_("签约期截止"), null=True, blank=True)
    moving_deadline = models.DateField(_("搬迁期限"), null=True, blank=True)
    round1_threshold = models.DecimalField(
        _("一轮同意比例门槛"), **RATIO, default=Decimal("0.90"), validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    round2_threshold = models.DecimalField(
        _("二轮签约生效比例"),
        **RATIO,
        default=Decimal("0.85"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("以本地块征收补偿方案为准（法定下限未经核实，按地块设置）。"),
    )
    count_unit_certificates = models.BooleanField(_("单位权证计入比例"), default=False)
    # Set when the signing period ends (renewal.services.signing_close): the final ratio decides ratio rewards.
    final_ratio = models.DecimalField(_("最终签约比例"), **RATIO, null=True, blank=True)
    took_effect = models.BooleanField(_("协议已生效"), null=True, blank=True)
    closed_at = models.DateTimeField(_("签约期结算时间"), null=True, blank=True)
    # Flat-size sheet: buying costs (plot settings; the spec marks the rates unconfirmed).
    deed_tax_low = models.DecimalField(_("首套契税（面积门槛以下）"), **RATIO, default=Decimal("0.01"))
    deed_tax_high = models.DecimalField(_("首套契税（面积门槛以上）"), **RATIO, default=Decimal("0.015"))
    second_deed_tax_low = models.DecimalField(_("二套契税（面积门槛以下）"), **RATIO, default=Decimal("0.01"))
    second_deed_tax_high = models.DecimalField(_("二套契税（面积门槛以上）"), **RATIO, default=Decimal("0.02"))
    deed_tax_area_threshold = models.DecimalField(_("契税面积门槛（㎡）"), **AREA, default=Decimal("140"))
    maintenance_fund_rate = models.DecimalField(_("专项维修资金比例（新房）"), **RATIO, default=Decimal("0.02"))
    registration_fee = models.DecimalField(_("登记费（元）"), **MONEY, default=Decimal("80"))
    exempt_up_to_cash = models.BooleanField(_("不超过货币补偿部分免征契税"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("旧改地块")
        verbose_name_plural = _("旧改地块")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"],
                name="renewal_project_unique_name",
                violation_error_message=_("已有同名地块。"),
            ),
            models.CheckConstraint(
                condition=Q(signing_start__isnull=True)
                | Q(signing_end__isnull=True)
                | Q(signing_start__lt=models.F("signing_end")),
                name="renewal_project_signing_period",
                violation_error_message=_("签约期开始应早于截止。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def published_plan(self):
        return self.plans.filter(status=CompensationPlan.Status.PUBLISHED).order_by("-version").first()

    def purchase_settings(self, *, first_home=True, cash_compensation=Decimal("0")) -> PurchaseSettings:
        return PurchaseSettings(
            first_home=first_home,
            deed_tax_low=self.deed_tax_low,
            deed_tax_high=self.deed_tax_high,
            second_deed_tax_low=self.second_deed_tax_low,
            second_deed_tax_high=self.second_deed_tax_high,
            area_threshold=self.deed_tax_area_threshold,
            maintenance_fund_rate=self.maintenance_fund_rate,
            registration_fee=self.registration_fee,
            exempt_up_to_cash=self.exempt_up_to_cash,
            cash_compensation=cash_compensation,
        )

    @property
    def signing_over(self) -> bool:
        return bool(self.signing_end and timezone.now() >= self.signing_end)


class Plot(models.Model):
    """A sub-plot (子地块/街坊) of a project; progress is reported per plot and overall."""

    project = models.ForeignKey(RenewalProject, verbose_name=_("地块"), on_delete=models.CASCADE, related_name="plots")
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        verbose_name = _("子地块")
        verbose_name_plural = _("子地块")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="renewal_plot_unique_name",
                violation_error_message=_("已有同名子地块。"),
            )
        ]

    def __str__(self) -> str:
        return self.name


class PublishedPlanError(PermissionError):
    """A published plan version is immutable; make a new draft instead."""


class CompensationPlan(models.Model):
    """征收补偿方案, one version. Drafts are edited; a published version never changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    project = models.ForeignKey(RenewalProject, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    average_price = models.DecimalField(_("评估均价 A（元/㎡）"), **MONEY)
    subsidy_coefficient = models.DecimalField(
        _("价格补贴系数 k"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.30"),
        validators=[MaxValueValidator(Decimal("0.30"))],
    )
    type_area = models.DecimalField(
        _("套型面积补贴面积 t（㎡）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("15"),
        validators=[MaxValueValidator(15)],
    )
    conversion_price = models.DecimalField(_("居困折算单价 Pz（元/㎡）"), **MONEY, null=True, blank=True)
    area_rounding = models.CharField(
        _("面积折算取整"), max_length=10, choices=RenewalProject.AreaRounding.choices, default="none"
    )
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("征收补偿方案")
        verbose_name_plural = _("征收补偿方案")
        ordering = ["project", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "version"],
                name="renewal_plan_unique_version",
                violation_error_message=_("该版本号已存在。"),
            ),
            models.CheckConstraint(
                condition=Q(subsidy_coefficient__lte=Decimal("0.30")) & Q(type_area__lte=15),
                name="renewal_plan_limits",
                violation_error_message=_("k 不超过 0.30，t 不超过 15 ㎡。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} 方案第{self.version}版（{self.get_status_display()}）"

    def save(self, *args, **kwargs):
        # A published version is what signed agreements refer to: refuse any later change, whoever calls.
        if self.pk and CompensationPlan.objects.filter(pk=self.pk, status=self.Status.PUBLISHED).exists():
            raise PublishedPlanError("已发布的方案版本不能修改，请新建草稿。")
        super().save(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def rules(self) -> list[dict]:
        return [item.as_rule() for item in self.items.all()]


class PlanItem(models.Model):
    """A reward or subsidy of the plan as typed data: amount = max(rate × S, minimum), shaped by kind and gates."""

    class Kind(models.TextChoices):
        PER_AREA = "per_area", _("按面积（元/㎡）")
        FLAT = "flat", _("每证定额")
        MAX_RATE_MIN = "max_rate_min", _("按面积且设保底")
        DAY_TIERS = "day_tiers", _("按签约/搬离日期分档")
        RATIO_STEPS = "ratio_steps", _("按最终签约比例分档")
        PER_PERSON = "per_person", _("按符合条件人数")

    class Basis(models.TextChoices):
        SIGNED = "signed", _("签约时间")
        MOVED = "moved", _("搬离时间")

    class Choice(models.TextChoices):
        ANY = "", _("不限")
        CASH = "cash", _("货币补偿")
        EXCHANGE = "exchange", _("产权调换")

    plan = models.ForeignKey(CompensationPlan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("项目名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    rate = models.DecimalField(_("单价（元/㎡）"), **MONEY, default=Decimal("0"))
    minimum = models.DecimalField(_("定额或保底（元）"), **MONEY, default=Decimal("0"))
    # day_tiers: [{"until": "2022-03-10", "rate": "0", "minimum": "50000"}, ...] (inclusive dates, earliest first)
    # ratio_steps: [{"ratio": "0.85", "minimum": "10000"}, ...]
    tiers = models.JSONField(_("分档"), default=list, blank=True)
    basis = models.CharField(_("分档依据"), max_length=10, choices=Basis.choices, default=Basis.SIGNED)
    person_kind = models.CharField(
        _("人员类别"), max_length=20, blank=True, help_text=_("按人数发放时：重病、高龄、残疾、同住人等")
    )
    window_start = models.DateField(_("签约窗口开始"), null=True, blank=True)
    window_end = models.DateField(_("签约窗口截止"), null=True, blank=True)
    requires_effect = models.BooleanField(_("须协议生效"), default=False)
    min_ratio = models.DecimalField(_("须最终签约比例达到"), **RATIO, null=True, blank=True)
    choice = models.CharField(_("适用安置方式"), max_length=10, choices=Choice.choices, default="", blank=True)

    class Meta:
        verbose_name = _("补偿奖励项目")
        verbose_name_plural = _("补偿奖励项目")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if CompensationPlan.objects.filter(pk=self.plan_id, status=CompensationPlan.Status.PUBLISHED).exists():
            raise PublishedPlanError("已发布的方案版本不能修改，请新建草稿。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.plan.is_published:
            raise PublishedPlanError("已发布的方案版本不能修改，请新建草稿。")
        return super().delete(*args, **kwargs)

    def as_rule(self) -> dict:
        rule = {
            "code": f"item{self.pk}",
            "name": self.name,
            "kind": self.kind,
            "rate": str(self.rate),
            "minimum": str(self.minimum),
            "basis": self.basis,
            "person_kind": self.person_kind,
            "window_start": self.window_start.isoformat() if self.window_start else None,
            "window_end": self.window_end.isoformat() if self.window_end else None,
            "requires_effect": self.requires_effect,
            "min_ratio": str(self.min_ratio) if self.min_ratio is not None else None,
            "choice": self.choice,
        }
        if self.kind == self.Kind.DAY_TIERS:
            rule["tiers"] = self.tiers
        if self.kind == self.Kind.RATIO_STEPS:
            rule["steps"] = self.tiers
        return rule


class CertificateQuerySet(RegionScopedQuerySet):
    region_field = "project__region"
    visible_roles = OFFICE_ROLES

    def counted(self, project):
        """Certificates that count in the ratios (unit certificates only when the plot says so)."""
        qs = self.filter(project=project)
        if not project.count_unit_certificates:
            qs = qs.filter(holder_kind=Certificate.HolderKind.RESIDENT)
        return qs


class Certificate(models.Model):
    """One certificate (证): 房地产权证, 租用公房凭证 or a non-residential lease, as of the 征收决定 date."""

    class Kind(models.TextChoices):
        PROPERTY = "property", _("房地产权证")
        PUBLIC_LEASE = "public_lease", _("租用公房凭证")
        NON_RESIDENTIAL = "non_residential", _("非居")

    class HolderKind(models.TextChoices):
        RESIDENT = "resident", _("居民")
        UNIT = "unit", _("单位")

    class Vote(models.TextChoices):
        YES = "yes", _("同意")
        NO = "no", _("不同意")

    class Choice(models.TextChoices):
        CASH = "cash", _("货币补偿")
        EXCHANGE = "exchange", _("产权调换")

    class Reason(models.TextChoices):
        FAMILY = "family", _("家庭矛盾")
        AMOUNT = "amount", _("对补偿有异议")
        UNREACHABLE = "unreachable", _("联系不上")
        TITLE = "title", _("产权不清")
        HOUSING = "housing", _("安置房源不满意")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        RenewalProject, verbose_name=_("地块"), on_delete=models.PROTECT, related_name="certificates"
    )
    plot = models.ForeignKey(
        Plot, verbose_name=_("子地块"), null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    number = models.CharField(_("权证编号"), max_length=50)
    kind = models.CharField(_("权证类型"), max_length=20, choices=Kind.choices)
    holder_kind = models.CharField(
        _("权利人类别"), max_length=10, choices=HolderKind.choices, default=HolderKind.RESIDENT
    )
    holder_name = models.CharField(_("权利人/承租人"), max_length=100)
    address = models.CharField(_("房屋坐落"), max_length=200)
    household = models.ForeignKey(
        "people.Household", verbose_name=_("居民户"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    house_type = models.CharField(_("房屋类型"), max_length=30, choices=HOUSE_TYPE_CHOICES)
    self_contained = models.BooleanField(_("成套独用"), null=True, blank=True, help_text=_("留空则按房屋类型判断"))
    building_area = models.DecimalField(_("证载建筑面积（㎡）"), **AREA, null=True, blank=True)
    unit_price = models.DecimalField(_("评估单价 U（元/㎡）"), **MONEY, null=True, blank=True)
    difficulty_persons = models.PositiveSmallIntegerField(_("居困人口 N"), default=0)
    had_affordable_housing = models.BooleanField(_("已享受经济适用住房"), default=False)
    # Round 1 (改建意愿征询)
    round1_vote = models.CharField(_("一轮意愿"), max_length=5, choices=Vote.choices, blank=True)
    round1_voted_at = models.DateTimeField(_("一轮投票时间"), null=True, blank=True)
    # Round 2 (签约), to the minute
    signed_at = models.DateTimeField(_("签约时间"), null=True, blank=True)
    choice = models.CharField(_("安置方式"), max_length=10, choices=Choice.choices, blank=True)
    signed_plan = models.ForeignKey(
        CompensationPlan,
        verbose_name=_("签约方案版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moved_at = models.DateTimeField(_("搬离时间"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("交房时间"), null=True, blank=True)
    not_signed_reason = models.CharField(_("未签约原因"), max_length=20, choices=Reason.choices, blank=True)
    reason_note = models.CharField(_("原因说明"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="renewal_certificates",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("权证")
        verbose_name_plural = _("权证")
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"],
                name="renewal_certificate_unique_number",
                violation_error_message=_("该地块已有此权证编号。"),
            ),
            models.CheckConstraint(
                condition=Q(signed_at__isnull=True) | ~Q(choice=""),
                name="renewal_certificate_signed_has_choice",
                violation_error_message=_("签约须选择安置方式。"),
            ),
        ]
        indexes = [
            # progress page: counts per plot by signing state
            models.Index(fields=["project", "plot", "holder_kind"], name="renewal_cert_progress_idx"),
            # progress page: the holdouts by reason, 50 a page in (reason, number) order, and their counts
            models.Index(
                fields=["project", "holder_kind", "not_signed_reason", "number"],
                condition=Q(signed_at__isnull=True),
                name="renewal_cert_holdout_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.address}"

    @property
    def tenure(self) -> str:
        return "public" if self.kind == self.Kind.PUBLIC_LEASE else "private"

    def value_kwargs(self, plan: CompensationPlan, rooms=None) -> dict:
        """The calculator's inputs for this certificate under ``plan``."""
        rooms = list(self.rooms.all()) if rooms is None else rooms
        kwargs = {
            "tenure": self.tenure,
            "house_type_name": self.house_type,
            "plot_average_price": plan.average_price,
            "unit_price": self.unit_price,
            "subsidy_coefficient": plan.subsidy_coefficient,
            "type_area": plan.type_area,
            "area_rounding": plan.area_rounding,
            "self_contained": self.self_contained,
            "difficulty_persons": 0 if self.had_affordable_housing else self.difficulty_persons,
            "conversion_price": plan.conversion_price,
        }
        if self.building_area is not None:
            kwargs["building_area"] = self.building_area
        else:
            kwargs["living_areas"] = [r.living_area for r in rooms]
        return kwargs


class Room(models.Model):
    """租赁部位 with its 居住面积 (kept per room: some plots round the converted area per room)."""

    certificate = models.ForeignKey(Certificate, verbose_name=_("权证"), on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("部位"), max_length=30)
    living_area = models.DecimalField(_("居住面积（㎡）"), **AREA, validators=[MinValueValidator(Decimal("0.01"))])

    class Meta:
        verbose_name = _("租赁部位")
        verbose_name_plural = _("租赁部位")
        ordering = ["certificate", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.living_area}㎡"


class CoResident(models.Model):
    """同住人 on the decision date: hukou here, lived here ≥ 1 year, no welfare housing elsewhere in Shanghai."""

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("权证"), on_delete=models.CASCADE, related_name="co_residents"
    )
    resident = models.ForeignKey(
        "people.Resident",
        verbose_name=_("居民档案"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("与承租人关系"), max_length=20, blank=True)
    hukou_here = models.BooleanField(_("户口在册"), default=True)
    lived_one_year = models.BooleanField(_("实际居住满一年"), default=True)
    welfare_housing_elsewhere = models.BooleanField(_("本市他处有福利分房"), default=False)

    class Meta:
        verbose_name = _("同住人")
        verbose_name_plural = _("同住人")
        ordering = ["certificate", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def qualifies(self) -> bool:
        return self.hukou_here and self.lived_one_year and not self.welfare_housing_elsewhere


class HardshipPerson(models.Model):
    """Special-hardship persons (重病, 高龄, 残疾 …): plan items of kind per_person count them by kind."""

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("权证"), on_delete=models.CASCADE, related_name="hardship"
    )
    name = models.CharField(_("姓名"), max_length=50)
    kind = models.CharField(_("类别"), max_length=20)

    class Meta:
        verbose_name = _("特殊困难人员")
        verbose_name_plural = _("特殊困难人员")

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}）"


class EstimateQuerySet(RegionScopedQuerySet):
    region_field = "certificate__project__region"
    visible_roles = OFFICE_ROLES


class Estimate(models.Model):
    """One computed estimate, frozen: the plan version and the itemised lines as they were."""

    class Kind(models.TextChoices):
        ESTIMATE = "estimate", _("估算")
        SETTLEMENT = "settlement", _("签约期结算")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("权证"), on_delete=models.CASCADE, related_name="estimates"
    )
    plan = models.ForeignKey(
        CompensationPlan, verbose_name=_("方案版本"), on_delete=models.PROTECT, related_name="estimates"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices, default=Kind.ESTIMATE)
    building_area = models.DecimalField(_("认定建筑面积"), **AREA)
    E = models.DecimalField(_("评估价格 E"), **MONEY)
    E_share = models.DecimalField(_("家庭所得评估价格"), **MONEY)
    P = models.DecimalField(_("价格补贴 P"), **MONEY)
    T = models.DecimalField(_("套型面积补贴 T"), **MONEY)
    V = models.DecimalField(_("价值补偿 V"), **MONEY)
    G = models.DecimalField(_("居困保障补贴 G"), **MONEY)
    items_total = models.DecimalField(_("奖励补贴合计"), **MONEY)
    conditional_total = models.DecimalField(_("待定奖励合计"), **MONEY, default=Decimal("0"))
    total = models.DecimalField(_("合计"), **MONEY)
    lines = models.JSONField(_("明细"), default=list)
    created_at = models.DateTimeField(_("计算时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("计算人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EstimateQuerySet.as_manager()

    class Meta:
        verbose_name = _("补偿估算")
        verbose_name_plural = _("补偿估算")
        ordering = ["-created_at", "-id"]
        indexes = [
            # household page: the latest estimate of one certificate
            models.Index(fields=["certificate", "-created_at"], name="renewal_estimate_latest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.total}"


class ConsultationEntry(models.Model):
    """One contact with the household: who, when, how, what was asked and answered."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("上门")
        PHONE = "phone", _("电话")
        OFFICE = "office", _("基地接待")
        OTHER = "other", _("其他")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("权证"), on_delete=models.CASCADE, related_name="consultations"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices, default=Channel.VISIT)
    asked = models.TextField(_("居民诉求/问题"))
    answer = models.TextField(_("答复与结果"), blank=True)

    class Meta:
        verbose_name = _("征询记录")
        verbose_name_plural = _("征询记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_channel_display()}"


class Mediation(models.Model):
    """A dispute blocking signing (shares among the family, a contested figure), worked as a mediation Case."""

    class Subject(models.TextChoices):
        SHARES = "shares", _("家庭内部份额纠纷")
        FIGURE = "figure", _("对补偿数额有异议")
        OTHER = "other", _("其他")

    class Outcome(models.TextChoices):
        OPEN = "open", _("调解中")
        AGREED = "agreed", _("达成调解协议")
        REFERRED = "referred", _("引导诉讼")
        WITHDRAWN = "withdrawn", _("撤回")

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("权证"), on_delete=models.PROTECT, related_name="mediations"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("工单"), on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(_("纠纷类型"), max_length=10, choices=Subject.choices)
    parties = models.TextField(_("当事人"), help_text=_("每行一人：姓名、与承租人关系"))
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.OPEN)
    agreement = models.TextField(_("调解协议要点"), blank=True)
    referral_note = models.TextField(_("诉讼引导说明"), blank=True)
    opened_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("调解")
        verbose_name_plural = _("调解")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.certificate.number} {self.get_subject_display()}"


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, verbose_name=_("调解"), on_delete=models.CASCADE, related_name="sessions")
    at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.TextField(_("到场人员"), blank=True)
    notes = models.TextField(_("调解情况"))

    class Meta:
        verbose_name = _("调解会谈")
        verbose_name_plural = _("调解会谈")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M}"
