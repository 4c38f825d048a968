"""Certificate import from Excel, run by the shared import job (``people.imports``): template, row-level Chinese
errors, all-or-nothing.

Steps, as the job runs them: 1. the sheet is read by its Chinese headers (``lib.xlsx.read_rows``); 2. ``validate``
checks every row (types, numbers, house type, duplicates in the file and in the plot) and collects every error with
its row and column; 3. only if no row failed, ``write`` writes all certificates, rooms, co-residents and hardship
persons in one transaction with bulk inserts. Progress and errors show on the shared page ``people:import_status``,
to the project's office only.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse

from audit.services import record
from lib import normalize
from lib.xlsx import Column
from people.imports import Importer, register

from . import compensation
from .models import OFFICE_ROLES, Certificate, CoResident, HardshipPerson, RenewalProject, Room

KIND = "renewal.certificates"

COLUMNS = [
    Column("权证编号", "number", True, "黄浦-蓬莱-0001", normalize="key"),
    Column("权证类型", "kind", True, "租用公房凭证", "房地产权证、租用公房凭证或非居", normalize="key"),
    Column("权利人类别", "holder_kind", False, "居民", "居民或单位，空为居民", normalize="key"),
    Column("权利人/承租人", "holder_name", True, "张某"),
    Column("房屋坐落", "address", True, "蓬莱路 100 弄 1 号"),
    Column("房屋类型", "house_type", True, "旧式里弄", "、".join(compensation.HOUSE_TYPES), normalize="key"),
    Column("子地块", "plot", False, "一期", normalize="key"),
    Column("建筑面积", "building_area", False, "", "证载建筑面积（㎡）；与居住面积二选一", normalize="key"),
    Column("居住面积", "living_area", False, "前楼 12.5；亭子间 6.2", "每个租赁部位“部位 面积”，用；分隔"),
    Column("评估单价", "unit_price", False, "", "本户评估单价（元/㎡），未评估留空", normalize="key"),
    Column("成套独用", "self_contained", False, "", "是/否；空则按房屋类型判断", normalize="key"),
    Column("居困人口", "difficulty_persons", False, "0", "住房保障部门认定的人数", normalize="key"),
    Column("已享受经济适用住房", "had_affordable", False, "否", "是/否", normalize="key"),
    Column(
        "同住人",
        "co_residents",
        False,
        "李某:子女:是:是:否",
        "每人“姓名:关系:户口在册:居住满一年:他处有福利分房”，用；分隔",
    ),
    Column("特殊困难人员", "hardship", False, "王某:重病", "每人“姓名:类别（重病、高龄、残疾）”，用；分隔"),
]

KINDS = {label: value for value, label in Certificate.Kind.choices}
HOLDERS = {label: value for value, label in Certificate.HolderKind.choices}
YES, NO = {"是", "有", "y", "yes", "1", "true"}, {"否", "无", "n", "no", "0", "false", ""}


def _split(text: str) -> list[str]:
    text = str(text).replace(";", "；").replace("\n", "；")
    return [part.strip() for part in text.split("；") if part.strip()]


def _number(text, column, errors, row, *, positive=True):
    if text in ("", None):
        return None
    try:
        value = Decimal(str(text).replace(",", ""))
    except InvalidOperation:
        errors.append({"row": row, "column": column, "message": f"“{text}”不是有效的数字"})
        return None
    if not value.is_finite() or (positive and value <= 0) or value < 0:
        errors.append({"row": row, "column": column, "message": "应为大于0的数字" if positive else "不能为负数"})
        return None
    return value


def _flag(text, column, errors, row, *, allow_blank_none=False):
    value = str(text or "").strip().lower()
    if allow_blank_none and value == "":
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    errors.append({"row": row, "column": column, "message": f"“{text}”应填“是”或“否”"})
    return None


def _error(errors, row, column, message) -> None:
    errors.append({"row": row, "column": column, "message": message})


def _certificate_number(r, errors, row, existing: set, seen: dict) -> str:
    """The certificate's number: given, not yet in the project, not repeated in the file (first row wins)."""
    number = str(r["number"]).strip()
    if not number:
        _error(errors, row, "权证编号", "不能为空")
    elif number in existing:
        _error(errors, row, "权证编号", f"本地块已有权证“{number}”")
    elif number in seen:
        _error(errors, row, "权证编号", f"与第 {seen[number]} 行重复")
    else:
        seen[number] = row
    return number


def _kinds(r, errors, row) -> tuple:
    """(certificate kind, holder kind — 居民 when blank), each None when not one of the labels."""
    kind = KINDS.get(str(r["kind"]).strip())  # type: ignore[call-overload]  # lazy labels compare as text
    if kind is None:
        _error(errors, row, "权证类型", "应为房地产权证、租用公房凭证或非居")
    holder_kind = HOLDERS.get(str(r["holder_kind"]).strip() or "居民")  # type: ignore[call-overload]
    if holder_kind is None:
        _error(errors, row, "权利人类别", "应为居民或单位")
    return kind, holder_kind


def _required_text(r, errors, row) -> None:
    for key, column in (("holder_name", "权利人/承租人"), ("address", "房屋坐落")):
        if not str(r[key]).strip():
            _error(errors, row, column, "不能为空")


def _plot(r, errors, row, plots: dict):
    """The named sub-plot of the project, or None when the cell is blank (or names none: an error)."""
    name = str(r["plot"]).strip()
    if not name:
        return None
    plot = plots.get(name)
    if plot is None:
        _error(errors, row, "子地块", f"本地块没有子地块“{r['plot']}”")
    return plot


def _areas(r, errors, row) -> tuple:
    """(building area, [(room name, living area)]): exactly one of the two must be given; an unnamed room is
    部位<n>."""
    building_area = _number(r["building_area"], "建筑面积", errors, row)
    rooms = []
    for i, part in enumerate(_split(r["living_area"] or ""), start=1):
        bits = part.split()
        name, area_text = (" ".join(bits[:-1]), bits[-1]) if len(bits) > 1 else (f"部位{i}", bits[0])
        area = _number(area_text, "居住面积", errors, row)
        if area is not None:
            rooms.append((name, area))
    if building_area is None and not rooms and not any(x["column"] in ("建筑面积", "居住面积") for x in errors):
        _error(errors, row, "建筑面积", "建筑面积和居住面积至少填写一项")
    if building_area is not None and rooms:
        _error(errors, row, "居住面积", "建筑面积和居住面积只填一项")
    return building_area, rooms


def _difficulty_persons(r, errors, row):
    """The number of persons in housing difficulty: a whole number, 0 when blank."""
    n = _number(r["difficulty_persons"] or "0", "居困人口", errors, row, positive=False)
    if n is not None and n != n.to_integral_value():
        _error(errors, row, "居困人口", "应为整数")
    return n


def _co_residents(text, errors, row) -> list[tuple]:
    """(name, relation, hukou here, lived one year, welfare housing elsewhere) of each “a:b:c:d:e”."""
    co_residents = []
    for part in _split(text or ""):
        bits = [b.strip() for b in part.replace("：", ":").split(":")]
        if len(bits) != 5 or not bits[0]:
            _error(errors, row, "同住人", f"“{part}”应为“姓名:关系:户口在册:居住满一年:他处有福利分房”")
            continue
        flags = [_flag(b, "同住人", errors, row) for b in bits[2:]]
        co_residents.append((bits[0], bits[1], *flags))
    return co_residents


def _hardship(text, errors, row) -> list[tuple]:
    """(name, kind) of each “姓名:类别”."""
    hardship = []
    for part in _split(text or ""):
        bits = [b.strip() for b in part.replace("：", ":").split(":")]
        if len(bits) != 2 or not all(bits):
            _error(errors, row, "特殊困难人员", f"“{part}”应为“姓名:类别”")
            continue
        hardship.append(tuple(bits))
    return hardship


def _check_row(project, row_number, r, existing: set, seen: dict, plots: dict) -> tuple[dict | None, list[dict]]:
    """(the parsed row, []) or (None, its errors in the order of the columns)."""
    e: list[dict] = []
    number = _certificate_number(r, e, row_number, existing, seen)
    kind, holder_kind = _kinds(r, e, row_number)
    _required_text(r, e, row_number)
    ht = compensation.house_type(str(r["house_type"]))
    if ht is None:
        _error(e, row_number, "房屋类型", f"“{r['house_type']}”不在折算系数表中")
    plot = _plot(r, e, row_number, plots)
    building_area, rooms = _areas(r, e, row_number)
    unit_price = _number(r["unit_price"], "评估单价", e, row_number)
    contained = _flag(r["self_contained"], "成套独用", e, row_number, allow_blank_none=True)
    n = _difficulty_persons(r, e, row_number)
    affordable = _flag(r["had_affordable"], "已享受经济适用住房", e, row_number)
    co_residents = _co_residents(r["co_residents"], e, row_number)
    hardship = _hardship(r["hardship"], e, row_number)
    if e or ht is None:
        return None, e
    certificate = Certificate(
        project=project,
        plot=plot,
        number=number,
        kind=kind,
        holder_kind=holder_kind,
        holder_name=str(r["holder_name"]).strip(),
        address=str(r["address"]).strip(),
        house_type=ht.name,
        self_contained=contained,
        building_area=building_area,
        unit_price=unit_price,
        difficulty_persons=int(n or 0),
        had_affordable_housing=bool(affordable),
    )
    return {"certificate": certificate, "rooms": rooms, "co_residents": co_residents, "hardship": hardship}, e


def validate(project: RenewalProject, rows, progress=None) -> tuple[list[dict], list[dict]]:
    """Every row checked; returns (parsed rows, errors). Nothing is written."""
    errors: list[dict] = []
    parsed: list[dict] = []
    existing = set(Certificate.objects.filter(project=project).values_list("number", flat=True))
    plots = {normalize.key(p.name): p for p in project.plots.all()}  # the sheet's names come normalised
    seen: dict[str, int] = {}
    for index, (row_number, r) in enumerate(rows, start=1):
        if progress and index % 250 == 0:
            progress(index)
        row, row_errors = _check_row(project, row_number, r, existing, seen, plots)
        errors.extend(row_errors)
        if row is not None:
            parsed.append(row)
    return parsed, errors


@transaction.atomic
def write(project: RenewalProject, parsed: list[dict], *, by) -> dict:
    certificates = [p["certificate"] for p in parsed]
    step = 1000
    Certificate.objects.bulk_create(certificates, batch_size=step)
    if any(c.pk is None for c in certificates):  # SQLite < 3.35 would not return ids
        ids = dict(Certificate.objects.filter(project=project).values_list("number", "pk"))
        for c in certificates:
            c.pk = c.id = ids[c.number]
    rooms, people, hardship = [], [], []
    for p in parsed:
        cert = p["certificate"]
        rooms += [Room(certificate=cert, name=name, living_area=area) for name, area in p["rooms"]]
        people += [
            CoResident(
                certificate=cert, name=n, relation=rel, hukou_here=h, lived_one_year=y, welfare_housing_elsewhere=w
            )
            for n, rel, h, y, w in p["co_residents"]
        ]
        hardship += [HardshipPerson(certificate=cert, name=n, kind=k) for n, k in p["hardship"]]
    Room.objects.bulk_create(rooms, batch_size=step)
    CoResident.objects.bulk_create(people, batch_size=step)
    HardshipPerson.objects.bulk_create(hardship, batch_size=step)
    result = {"权证": len(certificates), "租赁部位": len(rooms), "同住人": len(people)}
    record(actor=by, action="renewal.certificate.import", obj=project, region=project.region, detail=result)
    return result


@register
class CertificateImporter(Importer):
    """Runs as a ``people.ImportJob`` (target_id = the project): progress, all-or-nothing, audit."""

    kind = KIND
    label = "旧改权证"
    columns = COLUMNS
    template_filename = "旧改权证导入模板.xlsx"
    notes = [
        "每行一个权证（证）。面积、单价为数字；居住面积按租赁部位逐间填写。",
        "整份文件全部检查通过才会导入；任何一行有错，都不会导入任何数据，并列出出错的行号和原因。",
    ]

    def may_import(self, user, region, target_id=None) -> bool:
        return RenewalProject.objects.visible_to(user, roles=OFFICE_ROLES).filter(pk=target_id, region=region).exists()

    def may_view(self, user, job) -> bool:
        """The shared progress page shows a certificate import to the project's office only, like its other pages."""
        return self.may_import(user, job.region, job.target_id)

    def result_url(self, job) -> str:
        return reverse("renewal:project_detail", args=[job.target_id])

    def upload_url(self, job) -> str:
        return reverse("renewal:import", args=[job.target_id])

    def validate(self, job, rows, progress):
        project = RenewalProject.objects.get(pk=job.target_id)
        return validate(project, rows, progress)

    def write(self, job, plan) -> dict:
        return write(RenewalProject.objects.get(pk=job.target_id), plan, by=job.created_by)
