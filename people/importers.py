"""The residents-and-households importer (kind "people.residents").

One row per resident. Rows with the same address (路, 弄, 号, 室) form one household; an address
that already has a household joins it. Speed matters (5,000 rows under 10 s, bench/bench_import.py):
every look-up is one query for the whole file and every write is a bulk_create.
"""

import datetime
import re
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from lib import crypto, idcard, normalize
from lib import phone as phones
from lib.masking import mask_text
from lib.xlsx import Column
from org.models import PERSONAL_DATA_ROLES, Region
from org.scoping import visible_regions

from .imports import Importer, RowError, error, register
from .models import Address, Household, Resident, Tag, registry_of
from .services import RESIDENT_REGION_KINDS

# the sheet says 户主/配偶/…; the source strings are the Chinese labels themselves
RELATIONS = {str(label): value for value, label in Resident.Relation.choices if value}
TAG_SPLIT = re.compile(r"[、,，;；/\s]+")
IN_CHUNK = 500  # values per IN (...) look-up: well under SQLite's parameter limit

COLUMNS = [
    Column("姓名", "name", example="王秀英"),
    Column(
        "身份证号",
        "id_number",
        example=idcard.make("310101", datetime.date(1948, 3, 12), 2),
        help="18 位，末位可为 X；请将此列设为文本格式（15 位旧号码会自动转换为 18 位）",
        normalize="key",
    ),
    Column("手机", "phone", required=False, example="13900001234", normalize="key"),
    Column(
        "居委/网格",
        "region",
        example="蓬莱路第一网格",
        help="填写居委会或网格名称；重名时写成“居委/网格”",
        normalize="key",
    ),
    Column("路", "road", example="蓬莱路", normalize="key"),
    Column("弄", "lane", required=False, example="121", normalize="house"),
    Column("号", "number", required=False, example="3", normalize="house"),
    Column("室", "room", required=False, example="201", normalize="house"),
    Column("与户主关系", "relation", required=False, example="户主", help="、".join(RELATIONS), normalize="key"),
    Column("标签", "tags", required=False, example="独居、空巢", help="多个标签用顿号分隔"),
    Column("备注", "note", required=False, example=""),
]


NOTICES = "提示"  # key of the row-by-row notes in an import's result (15-digit ID numbers converted, …)


def address_key(road, lane, number, room) -> tuple[str, str, str, str]:
    """An address's four parts in their one form: what the file's rows and the registered addresses are matched on."""
    return normalize.address_parts(road, lane, number, room)


def _chunks(values, size=IN_CHUNK):
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


class RegionResolver:
    """Region names in a file -> regions the uploader may fill, with Chinese reasons when not."""

    def __init__(self, user, root: Region):
        allowed = visible_regions(user, roles=PERSONAL_DATA_ROLES).subtree(root)
        self.allowed = {r.pk for r in allowed.only("pk")}
        self.root = root

    def prepare(self, names) -> None:
        """Names in the file are normalised (``lib.normalize.key``); so are the regions' names they are matched
        with: a name typed as it is stored is found in one query, one typed otherwise (``（筹）`` as ``(筹)``)
        by the names under the upload's region."""
        leaf_names = {n.split("/")[-1].strip() for n in names if n}
        self.by_name = defaultdict(list)
        for chunk in _chunks(leaf_names):
            for region in Region.objects.filter(name__in=chunk).select_related("parent"):
                self.by_name[normalize.key(region.name)].append(region)
        if leaf_names - set(self.by_name):
            for region in Region.objects.subtree(self.root).select_related("parent"):
                name = normalize.key(region.name)
                if name in leaf_names and region not in self.by_name[name]:
                    self.by_name[name].append(region)

    def resolve(self, text: str) -> Region:
        parts = [p.strip() for p in text.split("/") if p.strip()]
        candidates = self.by_name.get(parts[-1], []) if parts else []
        if len(parts) > 1:
            candidates = [r for r in candidates if r.parent and normalize.key(r.parent.name) == parts[-2]]
        if not candidates:
            raise RowError("居委/网格", _("找不到辖区“%(name)s”。") % {"name": text})
        inside = [r for r in candidates if self.root.contains(r)] or candidates
        if len(inside) > 1:
            raise RowError("居委/网格", _("辖区“%(name)s”有重名，请写成“居委/网格”。") % {"name": text})
        region = inside[0]
        if region.pk not in self.allowed:
            raise RowError("居委/网格", _("辖区“%(name)s”不在您的管辖范围内。") % {"name": text})
        if region.kind not in RESIDENT_REGION_KINDS:
            raise RowError("居委/网格", _("请填写居委会或网格，而不是街道或区。"))
        return region

    def may_see(self, region: Region) -> bool:
        """Whether the uploader may see ``region`` (an error may name it)."""
        return region.pk in self.allowed


@register
class ResidentImporter(Importer):
    kind = "people.residents"
    label = "居民与户"
    columns = COLUMNS
    template_filename = "居民导入模板.xlsx"
    notes = [
        "居民导入模板：每行一位居民。地址（路、弄、号、室）相同的居民归为同一户。",
        "整份文件全部检查通过才会导入；任何一行有错，都不会导入任何数据，并列出出错的行号和原因。",
    ]

    def result_url(self, job) -> str:
        return reverse("people:resident_list")

    def upload_url(self, job) -> str:
        return reverse("people:import")

    def may_import(self, user, region, target_id=None) -> bool:
        return visible_regions(user, roles=PERSONAL_DATA_ROLES).filter(pk=region.pk).exists()

    # 1. validation -------------------------------------------------------------------------
    def validate(self, job, rows, progress):
        """1. Look up, one query per chunk, what the rows are checked against (regions, tags, registered ID numbers
        and addresses). 2. Check each row (``_check_row``); a row with no error is planned as an unsaved
        resident."""
        regions = RegionResolver(job.created_by, job.region)
        regions.prepare(r["region"] for _, r in rows)
        ids, hashes = _parse_id_numbers(rows)
        lookups = _Lookups(
            regions=regions,
            tags={t.name: t for t in Tag.objects.all()},
            ids=ids,
            hashes=hashes,
            existing=_registered_id_numbers(hashes.values()),
            known_addresses=_registered_addresses(rows),
        )
        errors, notices, plan = [], [], []
        for done, (number, row) in enumerate(rows, start=1):
            row_errors, planned = self._check_row(number, row, lookups, notices)
            if row_errors:
                errors.extend(row_errors)
            else:
                plan.append(planned)
            if done % 250 == 0:
                progress(done)
        progress(len(rows))
        return {"rows": plan, "addresses": lookups.known_addresses, "notices": notices}, errors

    def _check_row(self, number, row, lookups: "_Lookups", notices: list) -> tuple[list, tuple | None]:
        """(errors, None) for a row with faults, in the order of the columns checked; else ([], the planned
        (row number, address key, region, unsaved resident, tags)). A converted ID number adds a notice."""
        row_errors = []
        ids, regions = lookups.ids, lookups.regions
        row_errors.extend(_name_errors(number, row["name"]))
        # (register, digest): a number held in another neighbourhood is no clash (people.models.registry_of)
        digest = (_registry(regions, row["region"]), lookups.hashes.get(number, ""))
        id_number = _checked(
            row_errors, number, self._id_number, ids[number], digest, lookups.existing, lookups.first_row_of, number
        )
        if id_number and ids[number][1]:
            notices.append(error(number, "身份证号", ids[number][1]))
        phone = _checked(row_errors, number, self._phone, row["phone"])
        region = _checked(row_errors, number, regions.resolve, row["region"]) if row["region"] else None
        if not row["region"]:
            row_errors.append(error(number, "居委/网格", _("居委/网格不能为空。")))
        key = address_key(row["road"], row["lane"], row["number"], row["room"])
        if not row["road"]:
            row_errors.append(error(number, "路", _("路名不能为空。")))
        elif region is not None:
            row_errors.extend(_address_clash(number, lookups.known_addresses.get(key), region, regions))
        relation = _checked(row_errors, number, self._relation, row["relation"])
        row_tags = _checked(row_errors, number, self._tags, row["tags"], lookups.tags)
        if row_errors:
            return row_errors, None
        resident = Resident(region=region, name=row["name"], relation=relation or "", note=str(row["note"]))
        resident.registry = registry_of(region)  # bulk_create does not call save()
        resident.set_id_number(id_number)
        resident.set_phone(phone)
        return [], (number, key, region, resident, row_tags)

    @staticmethod
    def _id_number(parsed, digest, existing, first_row_of, row_number) -> str:
        if isinstance(parsed, idcard.IdNumberError):
            raise RowError("身份证号", str(parsed))
        number, _note = parsed
        if not number:
            raise RowError("身份证号", _("身份证号不能为空。"))
        if digest in first_row_of:
            raise RowError("身份证号", _("与第 %(row)d 行的身份证号重复。") % {"row": first_row_of[digest]})
        first_row_of[digest] = row_number
        if digest in existing:
            raise RowError("身份证号", _("系统中已有该身份证号的居民。"))
        return number

    @staticmethod
    def _phone(value) -> str:
        try:
            return phones.clean(value, landline=True)
        except ValidationError as exc:
            raise RowError("手机", exc.messages[0]) from None

    @staticmethod
    def _relation(value) -> str:
        if not value:
            return ""
        if value in RELATIONS:
            return RELATIONS[value]
        raise RowError("与户主关系", _("与户主关系应为：%(choices)s。") % {"choices": "、".join(RELATIONS)})

    @staticmethod
    def _tags(value, tags) -> list:
        names = [n for n in TAG_SPLIT.split(str(value or "")) if n]
        unknown = [n for n in names if n not in tags]
        if unknown:
            raise RowError(
                "标签",
                _("未知标签“%(names)s”（可用：%(known)s）。") % {"names": "、".join(unknown), "known": "、".join(tags)},
            )
        return [tags[n] for n in names]

    # 2. writing (inside the job's transaction) ---------------------------------------------
    def write(self, job, plan) -> dict:
        """1. New addresses; 2. new households (or the one already at the address); 3. residents; 4. their tags;
        5. one audit entry each. Every step is one bulk insert."""
        rows, addresses = plan["rows"], plan["addresses"]
        new_addresses = _write_addresses(rows, addresses)
        households, new_households = _write_households(rows, addresses)
        residents = _write_residents(rows, addresses, households)
        Through = Resident.tags.through
        Through.objects.bulk_create(
            [
                Through(resident_id=r.pk, tag_id=t.pk)
                for r, (*_x, tags) in zip(residents, rows, strict=True)
                for t in tags
            ],
            batch_size=1000,
        )
        _write_audit(job, residents)
        result = {"居民": len(residents), "新建户": len(new_households), "新建地址": len(new_addresses)}
        if plan.get("notices"):
            # what was changed on the way in, row by row (the status page lists it under the summary)
            result[NOTICES] = plan["notices"]
        return result


# validation steps --------------------------------------------------------------------------------
class _Lookups:
    """What every row of one file is checked against, read once for the whole file."""

    def __init__(self, *, regions, tags, ids, hashes, existing, known_addresses):
        self.regions, self.tags = regions, tags
        self.ids, self.hashes, self.existing = ids, hashes, existing
        self.known_addresses = known_addresses
        self.first_row_of: dict = {}  # (register, digest) -> the first row that has it


def _parse_id_numbers(rows) -> tuple[dict, dict]:
    """ID numbers in their one form (full-width digits, 15-digit old numbers, numbers stored as numbers):
    ({row: (number, note) or the IdNumberError}, {row: lookup hash} for the rows that parsed)."""
    hashes: dict[int, str] = {}
    ids: dict[int, tuple[str, str] | idcard.IdNumberError] = {}
    for number, row in rows:
        try:
            parsed = idcard.from_cell(row["id_number"]) if row["id_number"] else ("", "")
        except idcard.IdNumberError as exc:
            ids[number] = exc
            continue
        ids[number] = parsed
        hashes[number] = crypto.lookup_hash(parsed[0]) if parsed[0] else ""
    return ids, hashes


def _registered_id_numbers(hashes) -> set:
    """(register, digest) of the numbers already registered (one query per 500 numbers)."""
    existing: set[tuple[str, str]] = set()
    for chunk in _chunks({h for h in hashes if h}):
        existing.update(Resident.objects.filter(id_number_hash__in=chunk).values_list("registry", "id_number_hash"))
    return existing


def _registered_addresses(rows) -> dict:
    """Addresses already registered on the file's roads, by their four parts in their one form (an address typed
    ５号 long ago is the 5号 of this file)."""
    roads = {r["road"] for _, r in rows if r["road"]}
    known_addresses: dict[tuple, Address] = {}
    for chunk in _chunks(roads):
        for a in Address.objects.filter(road__in=chunk).select_related("region"):
            known_addresses.setdefault(address_key(a.road, a.lane, a.number, a.room), a)
    return known_addresses


def _checked(row_errors: list, row_number, fn, *args):
    """``fn(*args)``, or None with its RowError added to ``row_errors``."""
    try:
        return fn(*args)
    except RowError as exc:
        row_errors.append(error(row_number, exc.column, exc.message))
        return None


def _name_errors(row_number, name) -> list:
    if not name:
        return [error(row_number, "姓名", _("姓名不能为空。"))]
    if len(name) > 50:
        return [error(row_number, "姓名", _("姓名过长（最多 50 个字）。"))]
    return []


def _registry(regions: RegionResolver, text):
    """The register of the row's region, or None when it has none that resolves (reported with the region)."""
    try:
        return registry_of(regions.resolve(text)) if text else None
    except RowError:
        return None


def _address_clash(row_number, known: Address | None, region: Region, regions: RegionResolver) -> list:
    """An error when the address is registered outside the row's region; the other region is named only when
    the uploader may see it (see people.services.address_get_or_create)."""
    if known is None or known.region_id == region.pk or region.contains(known.region):
        return []
    if regions.may_see(known.region):
        message = _("该地址已登记在“%(region)s”，与所填辖区不一致。") % {"region": known.region.name}
    else:
        message = _("该地址不在所填辖区，请核对路名门牌；如确需登记请联系街道。")
    return [error(row_number, "路", message)]


# writing steps -----------------------------------------------------------------------------------
def _write_addresses(rows, addresses: dict) -> dict:
    """The new addresses in one insert, then all of them back with their ids into ``addresses``; returns the new
    ones by key."""
    new_addresses = {}
    for _number, key, region, _resident, _tags in rows:
        if key not in addresses and key not in new_addresses:
            new_addresses[key] = Address(region=region, road=key[0], lane=key[1], number=key[2], room=key[3])
    Address.objects.bulk_create(new_addresses.values(), batch_size=500)
    for chunk in _chunks({k[0] for k in new_addresses}):
        for a in Address.objects.filter(road__in=chunk):
            addresses.setdefault(address_key(a.road, a.lane, a.number, a.room), a)
    for key, a in new_addresses.items():  # ids straight from the insert where the database returns them
        if a.pk is not None:
            addresses[key] = a
    return new_addresses


def _write_households(rows, addresses: dict) -> tuple[dict, dict]:
    """Join the household already at the address, else one new household per address, named after its head
    (else its first member). Returns (households by address id, the new ones by address id)."""
    address_ids = {addresses[key].pk for _n, key, _r, _res, _t in rows}
    households = {}
    for chunk in _chunks(address_ids):
        for h in Household.objects.filter(address_id__in=chunk).order_by("-pk"):
            households[h.address_id] = h
    new_households: dict[int, Household] = {}
    for _n, key, _region, resident, _t in rows:
        address = addresses[key]
        if address.pk in households:
            continue
        household = new_households.get(address.pk)
        if household is None:
            household = new_households[address.pk] = Household(region_id=address.region_id, address=address, name="")
        if resident.relation == Resident.Relation.HEAD or not household.name:
            household.name = resident.name
    Household.objects.bulk_create(new_households.values(), batch_size=500)
    if any(h.pk is None for h in new_households.values()):  # databases that return no ids
        for chunk in _chunks(new_households):
            for h in Household.objects.filter(address_id__in=chunk):
                new_households[h.address_id] = h
    households.update(new_households)
    return households, new_households


def _write_residents(rows, addresses: dict, households: dict) -> list[Resident]:
    """The planned residents in their households, inserted, each with its id."""
    residents = []
    for _n, key, _region, resident, _t in rows:
        resident.household = households[addresses[key].pk]
        residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=500)
    if any(r.pk is None for r in residents):  # databases that return no ids
        by_hash = {}
        for chunk in _chunks([r.id_number_hash for r in residents]):
            found = Resident.objects.filter(id_number_hash__in=chunk).values_list("registry", "id_number_hash", "pk")
            by_hash.update({(registry, digest): pk for registry, digest, pk in found})
        for r in residents:
            r.pk = by_hash[(r.registry, r.id_number_hash)]
    return residents


def _write_audit(job, residents) -> None:
    """One audit entry per registered resident, written in bulk (the job's own entry is added by the runner)."""
    actor, now = job.created_by, timezone.now()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=now,
                actor=actor,
                actor_name=str(actor) if actor else "",
                kind=AuditEntry.Kind.CHANGE,
                action="people.resident.create",
                object_type="people.resident",
                object_id=str(r.pk),
                object_repr=mask_text(r.name)[:200],
                region_id=r.region_id,
                detail={"导入任务": job.pk},
            )
            for r in residents
        ],
        batch_size=1000,
    )
