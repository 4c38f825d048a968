"""The practical-deeds ledger (实事项目) and the public stories told about them.

A Deed records what was done for whom, linked to the cases (needs) behind it. A Story is the public
write-up, rich text limited to a safe HTML subset (``deeds.sanitize``), which goes draft → submitted →
approved (by a different member of staff) → published; publishing refuses personal numbers and
flags residents' names from the linked cases (``deeds.services.story_publish``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from org.models import STAFF_ROLES, Role
from org.scoping import RegionScopedQuerySet


class DeedQuerySet(RegionScopedQuerySet):
    # Leaders read the ledger too (navigation shows it to them); only staff roles edit.
    visible_roles = STAFF_ROLES | {Role.LEADER}


class Deed(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_PROGRESS = "in_progress", _("实施中")
        DONE = "done", _("已完成")

    class Verdict(models.TextChoices):
        NONE = "", _("未评价")
        SATISFIED = "satisfied", _("满意")
        BASICALLY = "basically", _("基本满意")
        UNSATISFIED = "unsatisfied", _("不满意")

    title = models.CharField(_("项目名称"), max_length=200)
    region = models.ForeignKey("org.Region", verbose_name=_("所属辖区"), on_delete=models.PROTECT, related_name="+")
    cases = models.ManyToManyField("cases.Case", verbose_name=_("相关诉求"), blank=True, related_name="deeds")
    need = models.TextField(_("群众需求"), blank=True, help_text=_("发现了什么问题，群众有什么需要。"))
    work_done = models.TextField(_("办理内容"), blank=True)
    units = models.ManyToManyField("org.Unit", verbose_name=_("参与单位"), blank=True, related_name="deeds")
    partners = models.CharField(_("共建单位/社会组织"), max_length=300, blank=True)
    volunteers = models.CharField(_("志愿者"), max_length=300, blank=True)
    started_on = models.DateField(_("开始日期"), null=True, blank=True)
    finished_on = models.DateField(_("完成日期"), null=True, blank=True)
    beneficiaries_count = models.PositiveIntegerField(_("受益人数"), default=0)
    beneficiaries_kind = models.CharField(
        _("受益群体"), max_length=100, blank=True, help_text=_("如：孤寡老人、走读学生、楼组居民")
    )
    cost = models.DecimalField(_("费用（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    consent_needed = models.BooleanField(_("需征得居民同意"), default=False)
    consent_obtained = models.BooleanField(_("已征得居民同意"), default=False)
    consent_note = models.CharField(_("征询情况"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    verdict = models.CharField(_("居民评价"), max_length=20, choices=Verdict.choices, blank=True, default="")
    verdict_note = models.CharField(_("评价说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = DeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("实事项目")
        verbose_name_plural = _("实事项目")
        ordering = ["-finished_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(finished_on__isnull=True)
                | Q(started_on__lte=models.F("finished_on")),
                name="deed_dates_in_order",
                violation_error_message=_("完成日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0),
                name="deed_cost_not_negative",
                violation_error_message=_("费用不能为负数。"),
            ),
        ]
        indexes = [
            # monthly summary: a region's deeds finished in a month
            models.Index(fields=["status", "finished_on"], name="deed_status_finished_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DeedPhoto(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("修复前")
        AFTER = "after", _("修复后")
        OTHER = "other", _("现场")

    deed = models.ForeignKey(Deed, verbose_name=_("实事项目"), on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    image = models.ImageField(_("照片"), upload_to="deeds/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("项目照片")
        verbose_name_plural = _("项目照片")
        ordering = ["kind", "uploaded_at", "id"]
        indexes = [
            # the file front door (minhu/files.py) finds the photo a /media/deeds/… name belongs to
            models.Index(fields=["image"], name="deedphoto_image_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.caption}"


class StoryQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES | {Role.LEADER}

    def published(self) -> "StoryQuerySet":
        return self.filter(status=Story.Status.PUBLISHED, published_at__isnull=False)


class Story(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已审核")
        PUBLISHED = "published", _("已发布")

    deed = models.ForeignKey(
        Deed, verbose_name=_("实事项目"), null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    region = models.ForeignKey("org.Region", verbose_name=_("发布辖区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    body = models.TextField(
        _("正文"), blank=True, help_text=_("可用段落、加粗、小标题、列表、链接和本站图片；其他标记会被去掉。")
    )
    categories = models.CharField(
        _("分类"), max_length=200, blank=True, help_text=_("用逗号分隔，如：我为群众办实事, 天平街道")
    )
    author_name = models.CharField(_("署名"), max_length=100, blank=True, help_text=_("如：天平街道"))
    head_photo = models.ForeignKey(
        "StoryPhoto", verbose_name=_("题图"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    names_confirmed = models.BooleanField(
        _("文中姓名已征得本人同意"),
        default=False,
        help_text=_("文中出现相关诉求居民的姓名时，须确认已征得同意方可发布。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("撰写人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("宣传稿")
        verbose_name_plural = _("宣传稿")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            # public list and feeds: a subdistrict's published stories, newest first
            models.Index(fields=["status", "-published_at"], name="story_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def category_list(self) -> list[str]:
        return [c.strip() for c in self.categories.replace("，", ",").split(",") if c.strip()]


class StoryPhoto(models.Model):
    story = models.ForeignKey(Story, verbose_name=_("宣传稿"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("图片"), upload_to="stories/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("宣传稿图片")
        verbose_name_plural = _("宣传稿图片")
        ordering = ["uploaded_at", "id"]
        indexes = [
            # the file front door (minhu/files.py) finds the photo a /media/stories/… name belongs to
            models.Index(fields=["image"], name="storyphoto_image_idx"),
        ]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""
