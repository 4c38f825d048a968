"""What insight keeps: trained category models (versioned), staff-edited keyword rules, the
suggestion made for each case, and hot spots found by the periodic job.

The rows change only through ``insight.actions``. Docs: docs/insight.md.
"""

import hashlib
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from org.models import STAFF_ROLES, Role
from org.scoping import RegionScopedQuerySet


class RoutingModel(models.Model):
    """One trained version of the text → category model, with what its held-out data said.

    The pickled model lives in the database (``blob``) so every app server and worker loads the same
    bytes; ``sha256`` is checked when it is loaded. Exactly one version is active at a time (the
    newest successful one, unless staff switch back).
    """

    version = models.PositiveIntegerField(_("版本号"), unique=True)
    trained_at = models.DateTimeField(_("训练时间"))
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    n_cases = models.PositiveIntegerField(_("训练诉求数"))
    n_classes = models.PositiveSmallIntegerField(_("分类数"))
    labels = models.JSONField(_("分类"), default=list)
    n_heldout = models.PositiveIntegerField(_("留出评估数"), default=0)
    accuracy = models.FloatField(_("留出准确率"), null=True, blank=True)
    macro_f1 = models.FloatField(_("留出宏平均 F1"), null=True, blank=True)
    top3 = models.FloatField(_("留出前三命中率"), null=True, blank=True)
    threshold = models.FloatField(
        _("自动派单阈值"),
        null=True,
        blank=True,
        help_text=_("置信度不低于此值才自动派单；为空表示留出数据不足以保证准确率，不自动派单。"),
    )
    threshold_precision = models.FloatField(_("阈值以上留出准确率"), default=0)
    threshold_coverage = models.FloatField(_("阈值以上占比"), default=0)
    target_precision = models.FloatField(_("目标准确率"), default=0.97)
    seconds = models.FloatField(_("训练用时（秒）"), default=0)
    blob = models.BinaryField(_("模型"), editable=False)
    sha256 = models.CharField(_("校验值"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    is_active = models.BooleanField(_("当前使用"), default=False)

    class Meta:
        verbose_name = _("分类模型版本")
        verbose_name_plural = _("分类模型版本")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="insight_one_active_model",
                violation_error_message=_("同一时间只能有一个模型版本在使用。"),
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @staticmethod
    def digest(blob: bytes) -> str:
        return hashlib.sha256(blob).hexdigest()


class KeywordRule(models.Model):
    """Keywords of one category, edited by staff: the cold-start suggester, and a feature block of
    the trained model afterwards."""

    category = models.OneToOneField(
        "cases.Category", verbose_name=_("分类"), on_delete=models.CASCADE, related_name="keyword_rule"
    )
    keywords = models.TextField(_("关键词"), help_text=_("用空格、逗号或顿号分隔，例如：漏水 堵塞 电梯 楼道灯"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("分类关键词")
        verbose_name_plural = _("分类关键词")
        ordering = ["category__sort_order", "category__code"]

    def __str__(self) -> str:
        return f"{self.category}：{self.keywords[:30]}"

    @property
    def words(self) -> list[str]:
        return split_keywords(self.keywords)


def split_keywords(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in re.split(r"[\s,，、;；]+", text or "") if w))


class SuggestionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class Suggestion(models.Model):
    """The top 3 categories suggested for one case, by which model version (or the keyword rules),
    and what became of it."""

    class Source(models.TextChoices):
        MODEL = "model", _("分类模型")
        KEYWORDS = "keywords", _("关键词规则")

    case = models.ForeignKey("cases.Case", verbose_name=_("诉求"), on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    model = models.ForeignKey(
        RoutingModel,
        verbose_name=_("模型版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    #: [{"code", "name", "confidence", "unit_id", "unit"}], best first (unit: what the routing rules give)
    top = models.JSONField(_("建议"), default=list)
    category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("首选分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("置信度"), default=0)
    threshold = models.FloatField(_("当时阈值"), null=True, blank=True)
    auto_dispatched = models.BooleanField(_("已自动派单"), default=False)
    accepted = models.BooleanField(_("采纳"), null=True, blank=True, help_text=_("空：尚未派单"))
    final_category = models.ForeignKey(
        "cases.Category",
        verbose_name=_("最终分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("采纳人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("分类建议")
        verbose_name_plural = _("分类建议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["case", "-created_at"], name="insight_sugg_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.category} ({self.confidence:.0%})"

    @property
    def version_label(self) -> str:
        if self.source == self.Source.MODEL and self.model is not None:
            return _("模型 v%(v)s") % {"v": self.model.version}
        return str(_("关键词规则"))


class HotSpotQuerySet(RegionScopedQuerySet):
    visible_roles = STAFF_ROLES | {Role.LEADER}


class HotSpot(models.Model):
    """A cluster of similar needs in one place and time window, found by the periodic job
    (``insight.actions.hotspots.hotspots_refresh``). Heat score: docs/insight.md."""

    region = models.ForeignKey("org.Region", verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+")
    place = models.CharField(_("地点"), max_length=100)
    topic = models.CharField(_("主题"), max_length=60)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("分类"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateTimeField(_("统计截止"))
    window_days = models.PositiveSmallIntegerField(_("窗口（天）"))
    count = models.PositiveIntegerField(_("诉求数"))
    previous_count = models.PositiveIntegerField(_("上一窗口诉求数"), default=0)
    urgent_count = models.PositiveIntegerField(_("紧急诉求数"), default=0)
    repeat_reporters = models.PositiveIntegerField(_("重复反映人数"), default=0)
    heat = models.FloatField(_("热度"))
    first_at = models.DateTimeField(_("最早"))
    last_at = models.DateTimeField(_("最近"))
    cases = models.ManyToManyField("cases.Case", verbose_name=_("诉求"), related_name="+")

    objects = HotSpotQuerySet.as_manager()

    class Meta:
        verbose_name = _("热点")
        verbose_name_plural = _("热点")
        ordering = ["-as_of", "-heat"]
        indexes = [models.Index(fields=["as_of", "heat"], name="insight_hotspot_asof_idx")]

    def __str__(self) -> str:
        return self.headline

    @property
    def headline(self) -> str:
        return _("%(place)s %(topic)s %(n)d 起，近 %(d)d 天") % {
            "place": self.place,
            "topic": self.topic,
            "n": self.count,
            "d": self.window_days,
        }
