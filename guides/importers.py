"""Guides from Excel (the shared import job) or from the shipped TOML file: the same columns, the same checks.

1. every row is checked (code, level, topic, owning unit, the importer's right to write that guide, materials,
   dates, duplicates in the file, a guide that already has an unpublished revision) and every error is kept with
   its row and column, in Chinese;
2. only if no row failed, each row becomes a revision waiting for review (待审核): a new guide, or a new version
   of the guide with the same code at the same level. A reviewer publishes them as usual, so an import can
   never publish text nobody has checked.
"""

import datetime
import tomllib
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from events.models import DeskTopic
from lib.xlsx import Column
from org.models import Region, Unit
from people.imports import Importer, register

from . import content, matching, selectors, services
from .models import EDIT_ROLES, Guide, ancestor_ids

KIND = "guides.guides"
LEVELS = ("市级", "区级", "街道")

COLUMNS = [
    Column(
        "事项编码", "code", True, "nursing-home-entry", "小写英文字母、数字、短横线；同一事项各级共用", normalize="key"
    ),
    Column("层级", "level", True, "街道", "市级、区级或街道（导入所选辖区所在的区、街道）", normalize="key"),
    Column("事项名称", "name", True, "申请入住养老机构"),
    Column("咨询主题", "topic", True, "养老政策", "咨询台主题名称，如 法律、养老政策、旧改政策"),
    Column("责任单位", "owner", True, "老西门街道社区服务办", "负责编写和复核的单位（系统中已有的单位名称）"),
    Column("实施机关", "authority", False),
    Column("一句话说明", "summary", False),
    Column("设定依据", "basis", True, "《上海市养老服务条例》", "法规真实名称，每行一部"),
    Column("受理条件", "conditions", False),
    Column("申请材料", "materials", False, "居民身份证 | 1 | 1 | 老人本人", "每行一项：名称 | 原件 | 复印件 | 备注"),
    Column("办理流程", "process", False),
    Column("办理地点", "place", False),
    Column("办理时间", "hours", False),
    Column("承诺时限", "time_limit", False),
    Column("收费", "fee", False),
    Column("咨询电话", "phone", False),
    Column("标签", "tags", False),
    Column("常见问法", "questions", False, "", "每行一句居民的问法"),
    Column("政策文件", "policy_document", False),
    Column("政策日期", "policy_date", False, "2021-03-01", normalize="key"),
    Column("复核日期", "review_due", True, "2027-06-30", "过期后指南在各处标注“待复核”", normalize="key"),
]
HEADERS = {c.header: c.key for c in COLUMNS}


def _date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    if not text:
        return None
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return datetime.date(y, m, d)
    except (ValueError, TypeError):
        raise ValueError(text) from None


def level_region(level: str, region: Region) -> Region | None:
    """The region a row's level means for an import into ``region``. Raises LookupError."""
    if level == "市级":
        return None
    ancestors = {r.kind: r for r in Region.objects.filter(pk__in=ancestor_ids(region.path))}
    kind = Region.Kind.DISTRICT if level == "区级" else Region.Kind.SUBDISTRICT
    if kind not in ancestors:
        raise LookupError(level)
    return ancestors[kind]


def _owner(name: str, region: Region | None, home: Region) -> Unit | None:
    units = list(Unit.objects.filter(name=name, is_active=True).select_related("region"))
    for unit in units:
        if region is not None and unit.region_id == region.pk:
            return unit
    near = set(ancestor_ids(home.path))
    return next((u for u in units if u.region_id in near or u.region.path.startswith(home.path)), None)


def validate(rows, *, region: Region, by, progress=None) -> tuple[list[dict], list[dict]]:
    """Check every row, write nothing: returns (plan, errors)."""
    topics = list(DeskTopic.objects.values_list("name", flat=True))
    topic_ids = dict(DeskTopic.objects.values_list("name", "pk"))
    errors: list[dict] = []
    plan: list[dict] = []
    seen: dict = {}
    for index, (number, r) in enumerate(rows, start=1):
        if progress and index % 100 == 0:
            progress(index)
        row = _Row(number, r)
        code, level, row_region = _check_place(row, region=region, seen=seen)
        if not str(r.get("name") or "").strip():
            row.err("事项名称", "不能为空")
        topic = matching.topic_for_desk(str(r.get("topic") or ""), topics)
        if not topic:
            row.err("咨询主题", f"“{r.get('topic')}”不是已有的咨询主题（{'、'.join(topics)}）")
        owner = _check_owner(row, level=level, row_region=row_region, region=region, by=by)
        if not str(r.get("basis") or "").strip():
            row.err("设定依据", "不能为空")
        try:
            materials = content.parse_materials(str(r.get("materials") or ""))
        except content.MaterialsError as exc:
            row.err("申请材料", str(exc))
            materials = []
        dates = _check_dates(row)
        existing = _check_existing(row, code=code, row_region=row_region, by=by) if code and row_region else None
        errors.extend(row.errors)
        if row.errors:
            continue
        data: dict[str, Any] = {k: str(r.get(k) or "").strip() for k in TEXT_FIELDS}
        data.update(
            materials=materials,
            topic=topic_ids[topic],
            policy_date=dates["policy_date"].isoformat() if dates.get("policy_date") else "",
            review_due=dates["review_due"].isoformat(),
        )
        plan.append({"code": code, "region": row_region, "owner": owner, "guide": existing, "data": data})
    return plan, errors


TEXT_FIELDS = (
    "name", "summary", "authority", "basis", "conditions", "process", "place", "hours", "time_limit", "fee",
    "phone", "tags", "questions", "policy_document",
)  # fmt: skip


class _Row:
    """One sheet row being checked, and its messages."""

    def __init__(self, number: int, values: dict):
        self.number, self.values = number, values
        self.errors: list[dict] = []

    def err(self, column: str, message: str) -> None:
        self.errors.append({"row": self.number, "column": column, "message": message})


def _check_place(row: _Row, *, region: Region, seen: dict) -> tuple[str, str, Region | None]:
    """(code, level, the level's region) — the code unique per level within the sheet."""
    code = slugify(str(row.values.get("code") or ""))
    if not code:
        row.err("事项编码", "不能为空，只能用小写英文字母、数字和短横线")
    level = str(row.values.get("level") or "").strip()
    if level not in LEVELS:
        row.err("层级", "应为市级、区级或街道")
        return code, level, None
    try:
        row_region = level_region(level, region)
    except LookupError:
        row.err("层级", f"所选辖区“{region.name}”没有上级{level}")
        row_region = None
    if code:
        if (level, code) in seen:
            row.err("事项编码", f"与第 {seen[(level, code)]} 行重复（同一层级同一编码）")
        seen.setdefault((level, code), row.number)
    return code, level, row_region


def _check_owner(row: _Row, *, level: str, row_region, region: Region, by):
    name = str(row.values.get("owner") or "").strip()
    owner = _owner(name, row_region, region) if name else None
    if owner is None:
        row.err("责任单位", f"找不到单位“{name}”")
    elif level in LEVELS and not selectors.may_write_at(by, region=row_region, owner=owner):
        row.err("责任单位", f"您不能以“{owner.name}”的名义编写{level}指南")
    return owner


def _check_dates(row: _Row) -> dict:
    dates = {}
    for key, column in (("policy_date", "政策日期"), ("review_due", "复核日期")):
        try:
            dates[key] = _date(row.values.get(key))
        except ValueError:
            row.err(column, f"“{row.values.get(key)}”不是日期，请写成 2027-06-30")
    if "review_due" in dates and dates["review_due"] is None:
        row.err("复核日期", "不能为空")
    return dates


def _check_existing(row: _Row, *, code: str, row_region: Region, by) -> Guide | None:
    """The guide this row changes, if any, when nothing else is wrong with the row."""
    if row.errors:
        return None
    existing = Guide.objects.filter(code=code, region=row_region).select_related("owner").first()
    open_revision = existing.revisions.open().first() if existing else None
    if existing is not None and not selectors.may_edit(by, existing):
        row.err("事项编码", f"该层级已有这份指南，由“{existing.owner.name}”负责，您不能修改")
    elif open_revision is not None:
        row.err("事项编码", f"该指南已有未发布的修改（第 {open_revision.number} 版），请先审核或撤回")
    return existing


@transaction.atomic
def write(plan: list[dict], *, by) -> dict:
    new = changed = 0
    for item in plan:
        services.guide_import(
            guide=item["guide"], code=item["code"], region=item["region"], owner=item["owner"], data=item["data"], by=by
        )
        if item["guide"] is None:
            new += 1
        else:
            changed += 1
    return {"新指南": new, "待审核修改": changed}


def toml_rows(path) -> list[tuple[int, dict]]:
    """The shipped data file as import rows: each [[guide]] table keyed by the Excel headers."""
    with open(path, "rb") as handle:
        tables = tomllib.load(handle).get("guide", [])
    return [(i, {HEADERS[k]: v for k, v in t.items() if k in HEADERS}) for i, t in enumerate(tables, start=1)]


@register
class GuideImporter(Importer):
    kind = KIND
    label = "办事指南"
    columns = COLUMNS
    template_filename = "办事指南导入模板.xlsx"
    notes = [
        "每行一份指南。导入后每份指南进入“待审核”，由审核人发布后才对居民和咨询台可见。",
        "同一层级已有同一事项编码的指南时，这一行作为它的新版本；整份文件全部检查通过才会导入。",
    ]

    def may_import(self, user, region, target_id=None) -> bool:
        if user.is_superuser:
            return True
        return any(
            m.role in EDIT_ROLES and region.path.startswith(m.region.path)
            for m in user.memberships.select_related("region")
        )

    def validate(self, job, rows, progress):
        return validate(rows, region=job.region, by=job.created_by, progress=progress)

    def write(self, job, plan) -> dict:
        return write(plan, by=job.created_by)

    def result_url(self, job) -> str:
        return reverse("guides:review_queue")

    def upload_url(self, job) -> str:
        return reverse("guides:import")
