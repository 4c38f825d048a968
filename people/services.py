"""State changes of residents, households, addresses and tags, and the access helpers for them.

Every write here is ``@transaction.atomic`` and appends to the audit log in the same transaction.
Views, the API, the admin and imports all call these functions; nothing else writes this state.

Who may see what (decided here, documented in docs/user-guide.md "居民档案与导入"):
- Lists, the API, exports and the detail page show ID numbers and phones masked to everyone.
- The full ID number and phone of one resident are shown only through ``resident_reveal``: to a
  worker (居委干部/网格员), subdistrict staff or administrator whose region contains the resident
  (``PERSONAL_DATA_ROLES``) — the people who call residents and fill in forms for them. Every reveal
  writes an audit entry of kind "view". A leader, volunteer or partner never gets personal records.
- Exports carry masked ID numbers and phones; only an administrator may ask for a full export, and
  that export is audited as such (``people.views.export``).
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from audit.services import record, record_view
from lib import crypto, idcard, normalize
from lib import phone as phones
from org.actors import Actor, Viewer
from org.models import PERSONAL_DATA_ROLES, Region
from org.scoping import get_visible_or_404, is_within, visible_regions

from .models import Address, Household, Resident, Tag, registry_of

# Residents and households belong to a neighbourhood or one of its grids, never to a subdistrict.
RESIDENT_REGION_KINDS = (Region.Kind.NEIGHBOURHOOD, Region.Kind.GRID)


# Access helpers ------------------------------------------------------------------------------
def get_resident_for_user(user, pk) -> Resident:
    """The resident if ``user`` may open it; 404 for anything out of scope, exactly like missing."""
    queryset = Resident.objects.select_related("region", "household__address").prefetch_related("tags")
    return get_visible_or_404(queryset, user, pk=pk)


def get_household_for_user(user, pk) -> Household:
    return get_visible_or_404(Household.objects.select_related("region", "address"), user, pk=pk)


def get_address_for_user(user, pk) -> Address:
    return get_visible_or_404(Address.objects.select_related("region"), user, pk=pk)


def may_reveal(user, resident: Resident) -> bool:
    """Whether ``user`` may see this resident's full ID number and phone (see the module docstring)."""
    return visible_regions(user, roles=PERSONAL_DATA_ROLES).filter(pk=resident.region_id).exists()


def assignable_regions(user: Viewer) -> QuerySet[Region]:
    """Neighbourhoods and grids a user may put residents in (their personal-data regions)."""
    return visible_regions(user, roles=PERSONAL_DATA_ROLES).filter(kind__in=RESIDENT_REGION_KINDS)


def _check_region(by, region: Region, field: str = "region") -> None:
    if region.kind not in RESIDENT_REGION_KINDS:
        raise ValidationError({field: _("请选择居委会或网格，而不是街道或区。")})
    if by is not None and not assignable_regions(by).filter(pk=region.pk).exists():
        raise ValidationError({field: _("该辖区不在您的管辖范围内。")})


def _clean_id_number(number: str) -> str:
    try:
        return idcard.validate(number)
    except idcard.IdNumberError as exc:
        raise ValidationError({"id_number": str(exc)}) from None


def clean_phone(value: str) -> str:
    """A resident's phone by lib.phone's rule (a home landline with its area code is fine), the error on "phone"."""
    try:
        return phones.clean(value, landline=True)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None


def _check_id_free(number: str, *, region, exclude_pk=None) -> None:
    """The number is free in the neighbourhood's register (``registry_of``): a record elsewhere is not looked at,
    so the answer is the same whether the number is registered in another subdistrict or nowhere."""
    others = Resident.objects.filter(registry=registry_of(region), id_number_hash=crypto.lookup_hash(number))
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    if number and others.exists():
        raise ValidationError({"id_number": _("已有相同身份证号的居民。")})


# Addresses, households, tags -----------------------------------------------------------------
@transaction.atomic
def address_get_or_create(
    *, region: Region, road: str, lane: str = "", number: str = "", room: str = "", by: Actor = None
) -> Address:
    """The address with these parts, created in ``region`` if new.

    An address is unique across the city (road, 弄, 号, 室); if it exists already in another region,
    that is a mistake in the input, not a second address.
    """
    # the one form the import uses too (lib.normalize): ５号 typed on a phone is the registered 5号
    road, lane, number, room = normalize.address_parts(road, lane, number, room)
    if not road:
        raise ValidationError({"road": _("请填写路名。")})
    _check_region(by, region)
    address = Address.objects.filter(road=road, lane=lane, number=number, room=room).first()
    if address is not None:
        if address.region_id != region.pk and not region.contains(address.region):
            if by is not None and not is_within(address.region, visible_regions(by, roles=PERSONAL_DATA_ROLES)):
                # out of the writer's regions: not named, so the form does not tell which grid holds an address
                raise ValidationError({"road": _("该地址不在所选辖区，请核对路名门牌；如确需登记请联系街道。")})
            raise ValidationError(
                {"road": _("该地址已登记在“%(region)s”，与所选辖区不一致。") % {"region": address.region.name}}
            )
        return address
    address = Address.objects.create(region=region, road=road, lane=lane, number=number, room=room)
    record(actor=by, action="people.address.create", obj=address, detail={"地址": address.text})
    return address


@transaction.atomic
def household_create(
    *, address: Address, by: Actor, name: str = "", note: str = "", region: Region | None = None
) -> Household:
    region = region or address.region
    _check_region(by, region)
    household = Household.objects.create(region=region, address=address, name=name.strip(), note=note)
    record(actor=by, action="people.household.create", obj=household, detail={"地址": address.text})
    return household


def household_for_address(*, address: Address, by: Actor, name: str = "") -> Household:
    """The household living at ``address`` (one per flat in practice), created if there is none."""
    household = Household.objects.filter(address=address).order_by("pk").first()
    return household or household_create(address=address, by=by, name=name)


@transaction.atomic
def resident_set_tags(*, resident: Resident, tags: Iterable[Tag], by: Actor) -> Resident:
    new = {t.pk for t in tags}
    old = set(resident.tags.values_list("pk", flat=True))
    if new != old:
        resident.tags.set(list(tags))
        names = sorted(Tag.objects.filter(pk__in=new).values_list("name", flat=True))
        record(actor=by, action="people.resident.tags", obj=resident, detail={"标签": names})
    return resident


# Residents -----------------------------------------------------------------------------------
@transaction.atomic
def resident_create(
    *,
    region: Region,
    name: str,
    by: Actor,
    id_number: str = "",
    phone: str = "",
    household: Household | None = None,
    relation: str = "",
    tags: Iterable[Tag] = (),
    note: str = "",
    request: HttpRequest | None = None,
) -> Resident:
    """Register a resident. Raises ValidationError (Chinese, keyed by field) on bad input."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写姓名。")})
    _check_region(by, region)
    number = _clean_id_number(id_number) if id_number else ""
    phone = clean_phone(phone)
    _check_id_free(number, region=region)
    resident = Resident(region=region, name=name, household=household, relation=relation, note=note)
    resident.set_id_number(number)
    resident.set_phone(phone)
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:  # a concurrent registration of the same ID number won the race
        raise ValidationError({"id_number": _("已有相同身份证号的居民。")}) from None
    if tags:
        resident.tags.set(list(tags))
    record(
        actor=by,
        action="people.resident.create",
        obj=resident,
        request=request,
        detail={"户": household.pk if household else None, "标签": [t.name for t in tags]},
    )
    return resident


UPDATABLE = ("name", "region", "household", "relation", "note")


@transaction.atomic
def resident_update(
    *,
    resident: Resident,
    by: Actor,
    expected_updated_at: datetime.datetime | None = None,
    id_number: str | None = None,
    phone: str | None = None,
    tags: Iterable[Tag] | None = None,
    request: HttpRequest | None = None,
    **changes,
) -> Resident:
    """Change a resident. ``id_number``/``phone`` None means unchanged ("" clears the phone).

    ``expected_updated_at`` is the version the editor saw: if someone saved in between, the update
    is refused with a clear message instead of silently overwriting their change.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"resident_update() got unexpected fields {sorted(unknown)}")
    current = Resident.objects.select_for_update().get(pk=resident.pk)
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise ValidationError(_("该居民信息已被他人修改，请刷新页面后重新编辑。"))
    changed = []
    for field, value in changes.items():
        if field == "name":
            value = (value or "").strip()
            if not value:
                raise ValidationError({"name": _("请填写姓名。")})
        if field == "region" and value.pk != current.region_id:
            _check_region(by, value)
        if getattr(current, field) != value:
            setattr(current, field, value)
            changed.append(field)
    if id_number is not None and id_number.strip():
        number = _clean_id_number(id_number)
        if crypto.lookup_hash(number) != current.id_number_hash:
            _check_id_free(number, region=current.region, exclude_pk=current.pk)
            current.set_id_number(number)
            changed += ["id_number_encrypted", "id_number_hash", "id_number_masked", "birth_date", "gender"]
    if phone is not None:
        phone = clean_phone(phone)
        if crypto.lookup_hash(phone) != current.phone_hash:
            current.set_phone(phone)
            changed += ["phone_encrypted", "phone_hash", "phone_masked"]
    if changed:
        try:
            with transaction.atomic():
                current.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise ValidationError({"id_number": _("已有相同身份证号的居民。")}) from None
        # field names only: the audit log never holds the identifiers themselves
        labels = sorted(
            {"id_number" if f.startswith("id_number") else "phone" if f.startswith("phone") else f for f in changed}
        )
        record(actor=by, action="people.resident.update", obj=current, request=request, detail={"字段": labels})
    if tags is not None:
        resident_set_tags(resident=current, tags=tags, by=by)
    return current


@transaction.atomic
def resident_reveal(*, resident: Resident, by: Actor, request: HttpRequest | None = None) -> dict:
    """The full ID number and phone of one resident, for a person allowed to see them; audited."""
    if not may_reveal(by, resident):
        raise PermissionDenied(_("您无权查看该居民的完整信息。"))
    record_view(actor=by, obj=resident, request=request, detail={"字段": ["身份证号", "手机"]})
    return {"id_number": resident.id_number, "phone": resident.phone}
