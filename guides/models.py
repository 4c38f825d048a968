"""Service guides (办事指南): what a desk volunteer answers from and what a resident takes home.

A guide belongs to a region — a subdistrict, a district, or none for the whole city (市级; the region tree has no
city level) — and a subdistrict sees its own guides plus those of its ancestors. A local guide overrides an
inherited one with the same ``code`` (the matter, 事项编码), so a subdistrict can replace the city's text with
its own place, hours and phone.

Editing goes through revisions: the owning office writes a revision (草稿), submits it (待审核), and another staff
member approves it (已发布), which copies its text onto the guide. Residents and the desk always read the guide's
published text while a new revision is under way; every approved revision stays, so the history shows who
changed what and when, with the old values.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from org.models import Region, Role
from org.scoping import region_q

#: Who reads published guides in their regions (and their ancestors').
READ_ROLES = frozenset({Role.WORKER, Role.STAFF, Role.ADMIN, Role.LEADER, Role.VOLUNTEER, Role.PARTNER})
#: Who writes and reviews guides (the owning office's staff; admins).
EDIT_ROLES = frozenset({Role.STAFF, Role.ADMIN})
#: A guide whose review date falls within this many days shows on its owner's home page before it is late.
DUE_SOON_DAYS = 30

# The text of a guide, in the order the portals show it. Each is a field of Guide and a key of a revision's data.
TEXT_FIELDS = [
    "name",
    "summary",
    "authority",
    "basis",
    "conditions",
    "materials",
    "process",
    "place",
    "hours",
    "time_limit",
    "fee",
    "phone",
    "tags",
    "questions",
    "policy_document",
    "policy_date",
    "review_due",
    "topic",
]


def ancestor_ids(path: str) -> list[int]:
    return [int(part) for part in path.split(".") if part]


class GuideQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Guide.Status.PUBLISHED)

    def applicable_to(self, region: Region):
        """Guides a region inherits or owns: the city's, and those of the region and its ancestors."""
        return self.filter(Q(region__isnull=True) | Q(region_id__in=ancestor_ids(region.path)))

    def visible_to(self, user):
        """The one scoping rule for guides (org.scoping's, extended upwards):

        - published guides of the city, of the user's regions and their ancestors, and of everything under the
          user's regions, for every role that works with guides;
        - unpublished ones (drafts, retired) only to staff and admins, and only in their own subtrees (the city's
          to admins).
        """
        if not user or not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self.all()
        memberships = list(user.memberships.values_list("role", "region__path"))
        read_paths = [path for role, path in memberships if role in READ_ROLES]
        edit_paths = [path for role, path in memberships if role in EDIT_ROLES]
        if not read_paths:
            return self.none()
        up = {i for path in read_paths for i in ancestor_ids(path)}
        published = Q(region__isnull=True) | Q(region_id__in=up) | region_q(user, roles=READ_ROLES)
        q = Q(status=Guide.Status.PUBLISHED) & published
        if edit_paths:
            unpublished = region_q(user, roles=EDIT_ROLES)
            if any(role == Role.ADMIN for role, _path in memberships):
                unpublished |= Q(region__isnull=True)
            q |= unpublished
        return self.filter(q)


class Guide(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    code = models.SlugField(
        _("事项编码"), max_length=60, help_text=_("如 nursing-home-entry；同一事项在各级共用一个编码")
    )
    # None: the whole city (市级). A subdistrict sees the city's, its district's and its own guides.
    region = models.ForeignKey(
        Region, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey("org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+")
    topic = models.ForeignKey(
        "events.DeskTopic", verbose_name=_("咨询主题"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=0)  # the number of the published revision

    # The published text (a guide never published shows its first draft's name).
    name = models.CharField(_("事项名称"), max_length=100)
    summary = models.TextField(_("一句话说明"), blank=True)
    authority = models.CharField(_("实施机关"), max_length=200, blank=True)
    basis = models.TextField(_("设定依据"), blank=True)
    conditions = models.TextField(_("受理条件"), blank=True)
    materials = models.JSONField(_("申请材料"), default=list, blank=True)  # [{name, originals, copies, note}]
    process = models.TextField(_("办理流程"), blank=True)
    place = models.CharField(_("办理地点"), max_length=300, blank=True)
    hours = models.CharField(_("办理时间"), max_length=200, blank=True)
    time_limit = models.CharField(_("承诺时限"), max_length=200, blank=True)
    fee = models.CharField(_("收费"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=200, blank=True)
    tags = models.CharField(_("标签"), max_length=500, blank=True)
    questions = models.TextField(_("居民常见问法"), blank=True, help_text=_("每行一句，帮助咨询台匹配"))
    policy_document = models.CharField(_("政策文件"), max_length=200, blank=True)
    policy_date = models.DateField(_("政策日期"), null=True, blank=True)
    review_due = models.DateField(_("复核日期"), null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    objects = GuideQuerySet.as_manager()

    class Meta:
        verbose_name = _("办事指南")
        verbose_name_plural = _("办事指南")
        ordering = ["topic__order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "code"],
                name="guide_unique_code_in_region",
                violation_error_message=_("该辖区已有同一事项编码的指南。"),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(region__isnull=True),
                name="guide_unique_code_in_city",
                violation_error_message=_("全市已有同一事项编码的指南。"),
            ),
        ]
        indexes = [
            # the desk's suggestions and the public list: a region's published guides and their ancestors'
            models.Index(fields=["status", "region"], name="guide_status_region_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level(self) -> "str | Promise":
        if self.region is None:
            return _("市级")
        return _("区级") if self.region.kind == Region.Kind.DISTRICT else _("街道")

    @property
    def is_stale(self) -> bool:
        """Past its review date: flagged wherever the guide is shown."""
        return self.review_due is not None and self.review_due < timezone.localdate()

    @property
    def is_due_soon(self) -> bool:
        if self.review_due is None or self.is_stale:
            return False
        return self.review_due <= timezone.localdate() + datetime.timedelta(days=DUE_SOON_DAYS)

    def material_rows(self) -> list[dict]:
        return list(self.materials or [])


class RevisionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=GuideRevision.OPEN_STATUSES)


class GuideRevision(models.Model):
    """One edit of a guide: its whole text (``data``, keyed by TEXT_FIELDS), who wrote and who reviewed it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING = "pending", _("待审核")
        PUBLISHED = "published", _("已发布")
        RETURNED = "returned", _("已退回")
        SUPERSEDED = "superseded", _("已作废")

    OPEN_STATUSES = ("draft", "pending", "returned")

    guide = models.ForeignKey(Guide, verbose_name=_("指南"), on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("修订号"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(_("内容"), default=dict)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("编写人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    # Bumped by every save of the draft: a form holding an older value is refused instead of overwriting.
    lock = models.PositiveIntegerField(default=0)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("指南修订")
        verbose_name_plural = _("指南修订")
        ordering = ["guide", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["guide", "number"],
                name="guide_revision_unique_number",
                violation_error_message=_("修订号重复。"),
            ),
            models.UniqueConstraint(
                fields=["guide"],
                condition=Q(status__in=("draft", "pending", "returned")),
                name="guide_one_open_revision",
                violation_error_message=_("这份指南已有一份未发布的修改，请在那份修改上继续。"),
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                name="guide_revision_reviewer_not_author",
                violation_error_message=_("审核人不能是编写人本人。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guide} · {self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
