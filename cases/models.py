"""Needs (诉求) from intake to the resident's verdict.

A Case is routed by its category and region (RoutingRule) to a main unit (主办) and optional
co-units (协办), handled against working-time deadlines (Category holds the policy) and closed with
the resident's verdict. Every step writes a CaseEvent (the timeline). State changes go through
``cases.actions`` only; this module holds facts about rows and reusable reads.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lib import crypto
from lib import phone as phones
from lib.masking import mask_phone
from org.models import STAFF_ROLES, Role
from org.scoping import within

from .search import filter_search


class Category(models.Model):
    """A kind of need, with its deadline policy in working days (lib.workdays).

    Consultations answer within 1 working day, help requests and complaints within 5, complex
    cases 15 once approved, re-handling after an unsatisfied verdict 3; first contact within 1.
    Urgent cases (high/critical) use ``urgent_resolve_days``.
    """

    code = models.SlugField(_("编码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级分类"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(_("说明"), max_length=200, blank=True)
    first_contact_days = models.PositiveSmallIntegerField(_("先行联系时限（工作日）"), default=1)
    resolve_days = models.PositiveSmallIntegerField(_("办结时限（工作日）"), default=5)
    urgent_resolve_days = models.PositiveSmallIntegerField(_("紧急诉求办结时限（工作日）"), default=1)
    complex_days = models.PositiveSmallIntegerField(_("复杂诉求办结时限（工作日）"), default=15)
    rehandle_days = models.PositiveSmallIntegerField(_("重办时限（工作日）"), default=3)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolve_days__gt=0) & Q(rehandle_days__gt=0) & Q(complex_days__gt=0),
                name="category_positive_deadlines",
                violation_error_message=_("办结时限必须大于零个工作日。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def resolve_days_for(self, urgency: str, *, is_complex: bool = False) -> int:
        if is_complex:
            return self.complex_days
        if urgency in (Case.Urgency.HIGH, Case.Urgency.CRITICAL):
            return min(self.urgent_resolve_days, self.resolve_days)
        return self.resolve_days


class RoutingRule(models.Model):
    """Category × region → main unit (主办) + co-units (协办).

    The most specific rule wins: the deepest region containing the case's region, and a rule for the
    exact category before a rule for its parent, before a rule with no category (the region's default).
    What no rule decides lands in the dispatcher's inbox.
    """

    # Set by cases.routing.find_routing_rule (and its SQL twin) on the rule it returns.
    co_unit_names: list[tuple[int, str]]
    unit_contacts: list[str]

    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
        help_text=_("留空表示该辖区所有分类的默认承办单位。"),
    )
    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+")
    main_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="routing_rules"
    )
    co_units = models.ManyToManyField("org.Unit", verbose_name=_("协办单位"), blank=True, related_name="+")
    auto_dispatch = models.BooleanField(
        _("自动派单"), default=True, help_text=_("勾选后受理即派给主办单位；否则只作为派单建议，由派单员决定。")
    )

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region"],
                name="routing_rule_unique",
                violation_error_message=_("该辖区的这个分类已有派单规则。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.category or _('全部分类')} → {self.main_unit}"


class CaseQuerySet(models.QuerySet):
    def open(self) -> "CaseQuerySet":
        return self.filter(status__in=Case.OPEN_STATUSES)

    def in_region(self, region) -> "CaseQuerySet":
        return self.filter(within(region, "region_path"))

    def overdue(self, now=None) -> "CaseQuerySet":
        now = now or timezone.now()
        return self.filter(status__in=Case.CLOCK_STATUSES, due_at__lt=now, paused_at__isnull=True)

    def for_unit(self, unit) -> "CaseQuerySet":
        co = Case.co_units.through.objects.filter(case_id=OuterRef("pk"), unit=unit)
        return self.filter(Q(main_unit=unit) | Exists(co))

    def search(self, text: str) -> "CaseQuerySet":
        return filter_search(self, text)

    def visible_to(self, user) -> "CaseQuerySet":
        """Staff roles (worker, staff, admin) see cases of their regions' subtrees; members of a unit
        (partners included) see cases their unit handles as main or co-unit. Leaders see aggregates
        only (dashboard), never the list."""
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        memberships = list(user.memberships.values_list("role", "region__path", "unit_id"))
        q = within([path for role, path, _unit in memberships if role in STAFF_ROLES], "region_path")
        units = {unit for role, _path, unit in memberships if unit and role in (STAFF_ROLES | {Role.PARTNER})}
        if units:
            co = Case.co_units.through.objects.filter(case_id=OuterRef("pk"), unit_id__in=units)
            q |= Q(main_unit_id__in=units) | Exists(co)  # type: ignore[assignment]  # Q | Exists is a Q
        return self.filter(q)


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("待派单")
        DISPATCHED = "dispatched", _("已派单")
        ACCEPTED = "accepted", _("已签收")
        CONTACTED = "contacted", _("已先行联系")
        IN_PROGRESS = "in_progress", _("处理中")
        RESOLVED = "resolved", _("已办结")
        VISITED = "visited", _("已回访")
        ARCHIVED = "archived", _("已归档")
        CANCELLED = "cancelled", _("已撤销")
        MERGED = "merged", _("已合并")

    class Channel(models.TextChoices):
        DESK = "desk", _("窗口/咨询台")
        VISIT = "visit", _("走访")
        HOTLINE = "hotline", _("热线")
        WEB = "web", _("居民自助")
        API = "api", _("接口")
        OPEN311 = "open311", _("Open311")
        EVENT = "event", _("服务活动")
        CARE = "care", _("关爱服务")
        RENEWAL = "renewal", _("旧改")
        RESOURCES = "resources", _("资源")

    class Urgency(models.TextChoices):
        LOW = "low", _("一般")
        NORMAL = "normal", _("普通")
        HIGH = "high", _("紧急")
        CRITICAL = "critical", _("特急")

    class Verdict(models.TextChoices):
        PENDING = "", _("待回访")
        SATISFIED = "satisfied", _("满意")
        BASIC = "basic", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")
        NOT_VISITED = "not_visited", _("未回访")

    # The clock runs in these statuses (deadlines, overdue, warnings).
    CLOCK_STATUSES = (Status.NEW, Status.DISPATCHED, Status.ACCEPTED, Status.CONTACTED, Status.IN_PROGRESS)
    OPEN_STATUSES = (*CLOCK_STATUSES, Status.RESOLVED)
    # Statuses in which the handling unit works the case.
    HANDLING_STATUSES = (Status.DISPATCHED, Status.ACCEPTED, Status.CONTACTED, Status.IN_PROGRESS)
    FINAL_STATUSES = (Status.VISITED, Status.ARCHIVED, Status.CANCELLED, Status.MERGED)

    number = models.CharField(_("编号"), max_length=20, unique=True, null=True, editable=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("诉求内容"))
    category = models.ForeignKey(Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="cases")
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    # Copy of region.path so scoping and dashboards filter one indexed column (no join) on large tables.
    region_path = models.CharField(max_length=255, editable=False, default="")
    address = models.ForeignKey(
        "people.Address", verbose_name=_("地址"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location_text = models.CharField(_("位置说明"), max_length=200, blank=True)
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone_encrypted = models.TextField(editable=False, blank=True)
    reporter_phone_hash = models.CharField(max_length=64, editable=False, blank=True)
    reporter_phone_masked = models.CharField(_("联系电话"), max_length=20, editable=False, blank=True)
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    is_complex = models.BooleanField(_("复杂诉求"), default=False)
    main_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # case_unit_status_idx (main_unit, status) serves it
    )
    co_units = models.ManyToManyField("org.Unit", verbose_name=_("协办单位"), blank=True, related_name="+")
    suggested_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    first_contact_due_at = models.DateTimeField(_("先行联系时限"), null=True, blank=True)
    first_contacted_at = models.DateTimeField(_("先行联系时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolution = models.TextField(_("办理结果"), blank=True)
    visited_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    # Clock pauses while the case waits on the resident (补充材料, 约定上门时间).
    paused_at = models.DateTimeField(_("暂停计时于"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停（秒）"), default=0)
    # When 80 % of the working time to due_at is used up (the sweep warns the handler then).
    warn_at = models.DateTimeField(_("临期提醒时点"), null=True, blank=True)
    warned_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("超期督办时间"), null=True, blank=True)
    verdict = models.CharField(_("满意度"), max_length=20, choices=Verdict.choices, blank=True, default="")
    rehandle_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("合并到"), null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    # Optimistic concurrency: every transition bumps it with a conditional update on (pk, status, version).
    version = models.PositiveIntegerField(_("版本"), default=1)
    source_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("来源类型"),
        db_index=False,  # case_source_idx (source_type, source_id) serves it
    )
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    # Space-separated search tokens (CJK unigrams and bigrams, lowercased words) of title,
    # description and timeline notes: see cases/search.py and docs/decisions.md.
    search_tokens = models.TextField(editable=False, blank=True, default="")

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="case_merged_has_master",
                violation_error_message=_("已合并的诉求必须指明合并到哪一件。"),
            ),
        ]
        indexes = [
            # dispatcher inbox and status lists of a region: status = ? AND region_path LIKE 'p%' ORDER BY created_at
            models.Index(
                fields=["status", "region_path", "created_at"],
                name="case_status_region_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "timestamptz_ops"],
            ),
            # dashboards and period lists of a region: region_path LIKE 'p%' AND created_at in period
            models.Index(
                fields=["region_path", "created_at"],
                name="case_region_created_idx",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            # "my unit's open cases"
            models.Index(fields=["main_unit", "status"], name="case_unit_status_idx"),
            # the deadline sweep (cases/tasks.py): open cases by due_at
            models.Index(
                fields=["due_at"],
                name="case_due_idx",
                condition=Q(status__in=["new", "dispatched", "accepted", "contacted", "in_progress"]),
            ),
            # public tracking by number + phone digest
            models.Index(fields=["reporter_phone_hash"], name="case_reporter_phone_idx"),
            # cases_for_source(obj)
            models.Index(fields=["source_type", "source_id"], name="case_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.title}"

    # Reporter phone, encrypted at rest like people.Resident --------------------------------------
    def set_reporter_phone(self, phone: str) -> None:
        phone = phones.normalize(phone)
        self.reporter_phone_encrypted = crypto.encrypt(phone)
        self.reporter_phone_hash = crypto.lookup_hash(phone)
        self.reporter_phone_masked = mask_phone(phone) if phone else ""

    @property
    def reporter_phone(self) -> str:
        return crypto.decrypt(self.reporter_phone_encrypted)

    def phone_matches(self, phone: str) -> bool:
        phone = phones.normalize(phone)
        return bool(phone) and crypto.lookup_hash(phone) == self.reporter_phone_hash

    # Facts -----------------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def clock_running(self) -> bool:
        return self.status in self.CLOCK_STATUSES and self.paused_at is None

    def is_overdue_at(self, now: datetime.datetime) -> bool:
        return self.clock_running and self.due_at is not None and self.due_at < now

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_at(timezone.now())

    @property
    def verdict_label(self) -> str:
        """Honest closing state: a case archived without the resident's word says 未回访."""
        if self.verdict:
            return self.get_verdict_display()
        if self.status in (self.Status.RESOLVED,):
            return str(_("待回访"))
        return ""

    @property
    def status_badge(self) -> str:
        if self.status in (self.Status.VISITED, self.Status.ARCHIVED):
            return "ok"
        if self.status in (self.Status.CANCELLED, self.Status.MERGED):
            return ""
        if self.is_overdue:
            return "bad"
        return "warn" if self.status == self.Status.NEW else ""


class CaseEvent(models.Model):
    """One line of a case's timeline: who did what, when, with a note."""

    class Kind(models.TextChoices):
        CREATED = "created", _("受理")
        DISPATCHED = "dispatched", _("派单")
        ACCEPTED = "accepted", _("签收")
        CONTACTED = "contacted", _("先行联系")
        STARTED = "started", _("开始处理")
        NOTE = "note", _("办理记录")
        PAUSED = "paused", _("暂停计时")
        RESUMED = "resumed", _("恢复计时")
        RESOLVED = "resolved", _("办结")
        VISITED = "visited", _("回访")
        ARCHIVED = "archived", _("归档")
        RETURN_REQUESTED = "return_requested", _("申请退单")
        RETURN_APPROVED = "return_approved", _("同意退单")
        RETURN_REJECTED = "return_rejected", _("驳回退单")
        REASSIGNED = "reassigned", _("改派")
        EXTENSION_REQUESTED = "extension_requested", _("申请延期")
        EXTENSION_APPROVED = "extension_approved", _("同意延期")
        EXTENSION_REJECTED = "extension_rejected", _("驳回延期")
        COMPLEX_APPROVED = "complex_approved", _("认定为复杂诉求")
        SUPERVISED = "supervised", _("督办")
        REHANDLED = "rehandled", _("重办")
        MERGED = "merged", _("合并")
        CANCELLED = "cancelled", _("撤销")
        INFO_ADDED = "info_added", _("居民补充")
        CONSENT = "consent", _("方案征询")
        WARNED = "warned", _("临期提醒")
        ESCALATED = "escalated", _("超期升级")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=30, choices=Kind.choices)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)
    # Shown to the resident on the public tracking page (internal remarks are not).
    is_public = models.BooleanField(_("居民可见"), default=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [
            # the case page's timeline
            models.Index(fields=["case", "at"], name="case_event_case_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class CaseRequest(models.Model):
    """A unit's request that needs the dispatcher's decision: 退单 (return) or 延期 (extension), or
    the approval of a case as complex (复杂诉求, 15 working days)."""

    class Kind(models.TextChoices):
        RETURN = "return", _("退单")
        EXTENSION = "extension", _("延期")
        COMPLEX = "complex", _("认定复杂诉求")

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("已驳回")

    class ReturnReason(models.TextChoices):
        NOT_OUR_DUTY = "not_our_duty", _("不属于本单位职责")
        WRONG_REGION = "wrong_region", _("不在本单位辖区")
        DUPLICATE = "duplicate", _("重复诉求")
        INFO_MISSING = "info_missing", _("信息不全无法办理")
        OTHER = "other", _("其他")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="requests")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PENDING)
    reason_code = models.CharField(_("退单原因"), max_length=20, choices=ReturnReason.choices, blank=True)
    reason = models.TextField(_("理由"))
    days = models.PositiveSmallIntegerField(_("延期工作日"), null=True, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("申请单位"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decision_note = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("退单/延期申请")
        verbose_name_plural = _("退单/延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=Q(state="pending"),
                name="case_request_one_pending_per_kind",
                violation_error_message=_("该诉求已有一条同类申请在等待审核。"),
            ),
        ]
        indexes = [
            # the dispatcher inbox's "requests waiting for a decision"
            models.Index(fields=["state", "kind"], name="case_request_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} {self.get_kind_display()} {self.get_state_display()}"


class Satisfaction(models.Model):
    """Each verdict a resident gives (回访). A case re-handled after 不满意 has one per round; the
    case keeps the latest in ``Case.verdict``."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话回访")
        VISIT = "visit", _("上门回访")
        WEB = "web", _("居民自评")
        SMS = "sms", _("短信")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="satisfactions")
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    verdict = models.CharField(_("满意度"), max_length=20, choices=Case.Verdict.choices)
    note = models.TextField(_("居民意见"), blank=True)
    channel = models.CharField(_("回访方式"), max_length=10, choices=Channel.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("回访评价")
        verbose_name_plural = _("回访评价")
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round"],
                name="satisfaction_one_per_round",
                violation_error_message=_("这一轮已经有回访评价。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.round} {self.get_verdict_display()}"


class Attachment(models.Model):
    """A photo on a case. The stored image has EXIF (GPS included) stripped; the location, when the
    photo carried one, is kept in the row for staff only."""

    class Kind(models.TextChoices):
        INTAKE = "intake", _("反映照片")
        BEFORE = "before", _("处理前")
        AFTER = "after", _("处理后")
        INFO = "info", _("补充材料")

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("办理记录"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # done by Django, as for every foreign key
        related_name="attachments",
        # No constraint in the database: on PostgreSQL case events are partitioned by month and their primary key
        # is (id, at), which a reference to the id alone cannot use (docs/decisions.md, "Monthly partitions").
        db_constraint=False,
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.INTAKE)
    image = models.ImageField(_("图片"), upload_to="cases/%Y/%m/")
    thumbnail = models.ImageField(_("缩略图"), upload_to="cases/%Y/%m/thumbs/")
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    gps_latitude = models.DecimalField(_("拍摄纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    gps_longitude = models.DecimalField(_("拍摄经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]
        indexes = [
            # the file front door (minhu/files.py) finds the attachment a /media/cases/… name belongs to
            models.Index(fields=["image"], name="attachment_image_idx"),
            models.Index(fields=["thumbnail"], name="attachment_thumbnail_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"


class ConsentRound(models.Model):
    """方案征询: a plan that affects residents (e.g. rerouting a shared sewage pipe) put to them."""

    case = models.ForeignKey(Case, verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="consent_rounds")
    title = models.CharField(_("方案"), max_length=200)
    description = models.TextField(_("方案说明"), blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("发起时间"), default=timezone.now)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("方案征询")
        verbose_name_plural = _("方案征询")
        ordering = ["opened_at"]

    def __str__(self) -> str:
        return self.title

    def tally(self) -> dict:
        rows = list(self.consents.all())
        return {
            "agree": sum(1 for c in rows if c.agrees),
            "disagree": sum(1 for c in rows if not c.agrees),
            "total": len(rows),
        }


class Consent(models.Model):
    """One household's answer in a consent round: who, agree or not, when, by what channel."""

    class Channel(models.TextChoices):
        IN_PERSON = "in_person", _("当面签字")
        PHONE = "phone", _("电话")
        VISIT = "visit", _("上门")
        WECHAT = "wechat", _("微信")
        WEB = "web", _("线上")

    round = models.ForeignKey(
        ConsentRound, verbose_name=_("方案征询"), on_delete=models.CASCADE, related_name="consents"
    )
    resident = models.ForeignKey(
        "people.Resident", verbose_name=_("居民"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    address_text = models.CharField(_("住址"), max_length=200, blank=True)
    agrees = models.BooleanField(_("同意"))
    channel = models.CharField(_("方式"), max_length=20, choices=Channel.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("征询意见")
        verbose_name_plural = _("征询意见")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "name", "address_text"],
                name="consent_one_per_person",
                violation_error_message=_("这位居民在本轮征询中已有记录。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {'同意' if self.agrees else '不同意'}"


class TrackingCode(models.Model):
    """A one-time verification code sent (through notify) to the reporter's phone before the public
    tracking page shows a case. Only a digest of the code is stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="case_tracking_code_idx")]

    def __str__(self) -> str:
        return f"code for case {self.case_id}"


class SavedView(models.Model):
    """A named filter of the case list kept by a user ("我单位在办", "本居委超期")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("名称"), max_length=50)
    query = models.CharField(_("筛选条件"), max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("常用筛选")
        verbose_name_plural = _("常用筛选")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_unique_name")]

    def __str__(self) -> str:
        return self.name


def source_ct(obj) -> ContentType:
    return ContentType.objects.get_for_model(obj)


class Open311Client(models.Model):
    """A partner system that writes to Minhu over Open311 GeoReport v2 (POST requests and
    servicerequestupdates). Staff issue one key per system in the back office; the key is shown
    once and only its SHA-256 digest is stored. Reads (GET) need no key."""

    # Set by the key look-up when the POST names its service: (code, the service's Category or None).
    prefetched_service: "tuple[str, Category | None]"

    name = models.CharField(_("系统名称"), max_length=100, unique=True)
    contact = models.CharField(_("对接联系人"), max_length=100, blank=True)
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("受理辖区"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("该系统提交的诉求落在这个辖区；带 address_id 时取该地址所在网格（须在此辖区内）。"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("可选：以该账号的名义受理（办理记录和审计日志记为此账号）。"),
    )
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, editable=False, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    answer_with_token = models.BooleanField(
        _("先回 token，后台登记"),
        default=False,
        db_default=False,
        help_text=_(
            "用于大批量转派的系统（如 12345 热线）：提交立即得到 token，诉求由后台任务成批登记，"
            "对方凭 tokens/<token> 取得诉求编号（查询时尚未登记的当场登记）。带图片的提交仍当场登记。"
        ),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    KEY_PREFIX = "o311_"

    class Meta:
        verbose_name = _("Open311 接入系统")
        verbose_name_plural = _("Open311 接入系统")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256((key or "").encode()).hexdigest()

    def issue_key(self) -> str:
        """Give the client a fresh key (the old one stops working); returns it for showing once."""
        key = self.KEY_PREFIX + secrets.token_urlsafe(24)
        self.key_hash = self.digest(key)
        self.key_prefix = key[:10]
        return key


class Open311Attribute(models.Model):
    """A question a service (category) asks over Open311 (the service definition's attributes):
    e.g. 物业与设施报修 asks "设施类型" with values 路灯/下水道/电梯. Answers arrive as
    ``attribute[code]`` and are written into the case description."""

    class Datatype(models.TextChoices):
        STRING = "string", _("短文本")
        NUMBER = "number", _("数字")
        DATETIME = "datetime", _("日期时间")
        TEXT = "text", _("长文本")
        SINGLE = "singlevaluelist", _("单选")
        MULTI = "multivaluelist", _("多选")

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.CASCADE, related_name="open311_attributes"
    )
    code = models.SlugField(_("编码"), max_length=50)
    description = models.CharField(_("问题"), max_length=200)
    datatype = models.CharField(_("数据类型"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("填写说明"), max_length=200, blank=True)
    required = models.BooleanField(_("必填"), default=False)
    variable = models.BooleanField(_("需要填写"), default=True, help_text=_("不勾选表示只是提示信息，无需回答。"))
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(
        _("可选值"), default=list, blank=True, help_text=_('单选/多选的选项，如 [{"key": "lamp", "name": "路灯"}]。')
    )

    class Meta:
        verbose_name = _("Open311 属性")
        verbose_name_plural = _("Open311 属性")
        ordering = ["category", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.description}"


class Open311Request(models.Model):
    """What a partner system sent with a case over Open311 beyond the case itself: the point on
    the map, the address as typed, the media URL, the answers to the service's attributes, and the
    token the client may look the request up by. Personal details (e-mail, phone, names) go to the
    case's reporter fields only and never back out through the public GETs."""

    case = models.OneToOneField(
        Case, verbose_name=_("诉求"), null=True, blank=True, on_delete=models.CASCADE, related_name="open311"
    )
    client = models.ForeignKey(
        Open311Client, verbose_name=_("接入系统"), on_delete=models.PROTECT, related_name="requests"
    )
    token = models.CharField(max_length=40, unique=True, editable=False)
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    # What the case is made of while it waits for the intake worker (answer_with_token); emptied
    # once the case exists, so no personal detail stays here (the phone is encrypted meanwhile).
    # db_default: servers of the previous release insert rows without these columns during a rolling upgrade
    pending = models.JSONField(default=dict, db_default={}, blank=True, editable=False)
    error = models.CharField(_("未能登记的原因"), max_length=300, blank=True, default="", db_default="")
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    address_string = models.CharField(_("地址"), max_length=200, blank=True)
    media_url = models.URLField(_("图片链接"), max_length=500, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)

    class Meta:
        verbose_name = _("Open311 提交")
        verbose_name_plural = _("Open311 提交")
        indexes = [
            # the intake worker's queue: requests still waiting for their case, oldest first
            models.Index(fields=["id"], name="open311_pending_idx", condition=Q(case__isnull=True, error=""))
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.case_id or self.token}"
