"""Writes that come in over Open311 GeoReport v2 (cases/open311.py), and the issuing of partner
keys. Each is atomic, goes through ``cases.actions`` for the case itself (timeline, deadlines,
routing, notifications) and writes the audit log in the same transaction.

Idempotency: a POST that carries an ``Idempotency-Key`` header creates at most one case per
(partner, key); the case's own ``idempotency_key`` column is the guard, so two concurrent
retries also end with one case. Without the header every POST is a new case: Minhu does not
guess duplicates from device_id + description (two residents reporting the same broken lamp
through one app within minutes are two reporters, and staff merge true duplicates with 合并).
A POSTed update is idempotent on the partner's ``update_id`` per case.
"""

import datetime
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from lib import crypto, db
from org.actors import Partner, user_of
from org.models import Region
from org.scoping import within
from people.models import Address

from . import open311_area, sql
from .actions.base import attachment_add
from .actions.intake import case_create_many
from .actions.workflow import case_add_info
from .models import Attachment, Case, CaseEvent, Category, Open311Attribute, Open311Client, Open311Request

CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LAST_USED_EVERY = datetime.timedelta(minutes=5)


class Open311Error(Exception):
    """A request Open311 refuses: ``status`` is the HTTP code, ``message`` the Chinese reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def actor_for(client: Open311Client, person: str = ""):
    """The client's linked account, or the partner system itself (``org.actors.Partner``: the timeline says which
    system, and for an update which person there, acted; the audit log records the system in detail)."""
    if client.user_id and client.user.is_active:  # type: ignore[union-attr]  # user_id: there is one
        return client.user
    return Partner(client, person)


# ----------------------------------------------------------------------------------------------
# keys
# ----------------------------------------------------------------------------------------------
@transaction.atomic
def client_issue_key(*, client: Open311Client, by) -> str:
    """Issue (or re-issue) the client's key; saves the client and returns the key to show once."""
    creating = client.pk is None
    key = client.issue_key()
    if creating and user_of(by) is not None:
        client.created_by = by
    client.save()
    record(
        actor=by,
        action="cases.open311client.issue_key",
        obj=client,
        region=client.region,
        detail={"name": client.name, "key_prefix": client.key_prefix, "new": creating},
    )
    return key


def client_for_key(key: str | None, *, service_code: str | None = None) -> Open311Client:
    """The active client owning ``key``; Open311Error 403 otherwise. With ``service_code`` (a POST),
    the active service of that code is read in the same statement, for ``request_create``."""
    key = (key or "").strip()
    if not key:
        raise Open311Error(403, _("缺少 api_key：写入操作需要接入密钥（由街道工作人员在后台签发）。"))
    client = _client_with_region(Open311Client.digest(key), service_code)
    if client is None:
        raise Open311Error(403, _("api_key 无效或已停用。"))
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
        # bookkeeping, not a state change: at most one write per client every few minutes
        Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client


def _client_with_region(key_hash: str, service_code: str | None = None) -> Open311Client | None:
    """The active client with this key hash and its region; with ``service_code`` also the active service of that
    code, as ``client.prefetched_service`` (service_code, Category or None). One statement on PostgreSQL
    (``cases.sql.partner_with_region``)."""
    if sql.fast():
        return sql.partner_with_region(key_hash, service_code)
    client = Open311Client.objects.select_related("region").filter(key_hash=key_hash, is_active=True).first()
    if client is not None and service_code:
        client.prefetched_service = (service_code, _service(service_code))
    return client


def _service(code: str) -> Category | None:
    """The active service (category) of ``code``, with ``has_attributes`` (whether it asks any)."""
    if sql.fast():
        return sql.service(code)
    asks = Open311Attribute.objects.filter(category=OuterRef("pk"))
    return Category.objects.filter(code=code, is_active=True).annotate(has_attributes=Exists(asks)).first()


# ----------------------------------------------------------------------------------------------
# names, places, attributes
# ----------------------------------------------------------------------------------------------
def join_name(first: str | None, last: str | None) -> str:
    """One name from Open311's first_name/last_name. Chinese names are family name first with no
    space (张 + 三 → 张三); a whole name sent in either field alone (张三 or 欧阳娜娜) is kept as it
    is; Latin names are "first last"."""
    first = (first or "").strip()
    last = (last or "").strip()
    if not first or not last:
        return first or last
    if CJK_RE.search(first) or CJK_RE.search(last):
        if first.startswith(last):  # the whole name in first_name and the family name again in last_name
            return first
        return f"{last}{first}"
    return f"{first} {last}"


def split_name(name: str) -> tuple[str, str]:
    """(first_name, last_name) of a whole name, for clients that need both fields. A Chinese name
    without a space keeps the whole name as first_name (family names may be two characters:
    欧阳, 司马), so nothing is cut wrongly; "Zhang San" splits at the first space."""
    name = (name or "").strip()
    if not name:
        return "", ""
    if " " in name and not CJK_RE.search(name):
        first, last = name.split(" ", 1)
        return first, last.strip()
    return name, ""


# Text bounds of what a partner may post (characters). A case description is read by a handler on a phone: a few
# thousand characters is a long letter, a megabyte is a mistake or an attack. Longer text is refused with 400,
# never cut silently: the partner learns its resident's words did not all arrive.
MAX_DESCRIPTION = 4000
MAX_UPDATE_DESCRIPTION = 2000
MAX_ADDRESS = 200
MAX_NAME = 50
MAX_ATTRIBUTE = 500  # one answer to a service's question (a dropdown key, a short text)


def bounded(value: str | None, name: str, limit: int) -> str:
    """``value`` stripped, or Open311Error 400 when longer than ``limit`` characters."""
    text = (value or "").strip()
    if len(text) > limit:
        message = _("%(name)s 过长：最多 %(limit)d 个字符，收到 %(n)d 个。")
        raise Open311Error(400, message % {"name": name, "limit": limit, "n": len(text)})
    return text


def _in_area(lat: Decimal, long: Decimal) -> None:

    if not open311_area.contains(lat, long):
        raise Open311Error(
            400,
            _("坐标（lat %(lat)s，long %(long)s）不在本平台的受理辖区内：请核对经纬度（WGS-84，纬度在前）。")
            % {"lat": lat.normalize(), "long": long.normalize()},
        )


def _decimal(value, name: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise Open311Error(400, _("%(name)s 不是有效的数字：%(value)s") % {"name": name, "value": value}) from None
    if not number.is_finite() or not (low <= number <= high):
        raise Open311Error(400, _("%(name)s 超出范围：%(value)s") % {"name": name, "value": value})
    return number.quantize(Decimal("0.000001"))


def _regions_for(requests: list[Open311Request], addresses: dict) -> list:
    """Where each request's case belongs: its address's own region, else the region of the nearest
    known address within about 150 m of its point (inside its partner's region), else the
    partner's region. The points of a whole batch are looked up in one statement."""
    points = [
        (i, o.client.region.path, o.latitude, o.longitude)
        for i, o in enumerate(requests)
        if o.pending.get("address") is None and o.latitude is not None and o.longitude is not None
    ]
    nearest = _nearest_region_ids(points)
    regions = Region.objects.in_bulk(set(nearest.values()) - {o.client.region_id for o in requests})
    out = []
    for i, o in enumerate(requests):
        address = addresses.get(o.pending.get("address"))
        region_id = nearest.get(i)
        if address is not None:
            out.append(address.region)
        elif region_id is not None and region_id != o.client.region_id:
            out.append(regions[region_id])
        else:
            out.append(o.client.region)
    return out


NEAREST = Decimal("0.0015")  # degrees: about 150 m either way, the box a point's nearest address is looked for in


def _nearest_region_ids(points: list[tuple]) -> dict:
    """{key: region id of the known address nearest to the point, within about 150 m, under path}
    for (key, path, lat, long) points; points with no such address are left out. On PostgreSQL one
    statement for all the points (``cases.sql.nearest_region_ids``); elsewhere one query per point."""
    if not points:
        return {}
    if sql.fast():
        return sql.nearest_region_ids(points, NEAREST)
    out = {}
    for key, path, lat, long in points:
        lat, long = Decimal(str(lat)), Decimal(str(long))
        dy, dx = F("latitude") - Value(lat), F("longitude") - Value(long)
        region_id = (
            Address.objects.filter(
                within(path),
                latitude__range=(lat - NEAREST, lat + NEAREST),
                longitude__range=(long - NEAREST, long + NEAREST),
            )
            .annotate(distance=ExpressionWrapper(dy * dy + dx * dx, output_field=DecimalField()))
            .order_by("distance", "id")
            .values_list("region_id", flat=True)
            .first()
        )
        if region_id is not None:
            out[key] = region_id
    return out


def check_attributes(category: Category, answers: dict[str, list[str]]) -> list[tuple[Open311Attribute, list[str]]]:
    """Validate ``attribute[code]`` answers against the service definition; returns the answered
    attributes in order. Unknown codes are kept by the caller but not checked."""
    answered: list = []
    if getattr(category, "has_attributes", True) is False:
        return answered  # the POST's lookup of the service already said it asks nothing
    for attr in Open311Attribute.objects.filter(category_id=category.pk).order_by("order", "id"):
        if not attr.variable:
            continue
        values = [v.strip() for v in answers.get(attr.code, []) if v.strip()]
        if not values:
            if attr.required:
                raise Open311Error(
                    400, _("缺少必填属性 attribute[%(code)s]（%(q)s）。") % {"code": attr.code, "q": attr.description}
                )
            continue
        if attr.datatype == Open311Attribute.Datatype.NUMBER:
            for v in values:
                _decimal(v, f"attribute[{attr.code}]", -(10**12), 10**12)
        if attr.datatype in (Open311Attribute.Datatype.SINGLE, Open311Attribute.Datatype.MULTI):
            keys = {str(opt.get("key")) for opt in attr.values or []}
            bad = [v for v in values if v not in keys]
            if bad:
                raise Open311Error(
                    400,
                    _("attribute[%(code)s] 的取值 %(bad)s 不在可选值之内。")
                    % {"code": attr.code, "bad": "、".join(bad)},
                )
            if attr.datatype == Open311Attribute.Datatype.SINGLE and len(values) > 1:
                raise Open311Error(400, _("attribute[%(code)s] 只能选一个值。") % {"code": attr.code})
        answered.append((attr, values))
    return answered


def _answer_text(attr: Open311Attribute, values: list[str]) -> str:
    names = {str(opt.get("key")): str(opt.get("name") or opt.get("key")) for opt in attr.values or []}
    return "、".join(names.get(v, v) for v in values)


# ----------------------------------------------------------------------------------------------
# POST requests
# ----------------------------------------------------------------------------------------------
def case_key(client: Open311Client, idempotency_key: str) -> str:
    return f"open311:{client.pk}:{idempotency_key}"[:100]


def _posted_service(client: Open311Client, service_code: str | None) -> Category:
    """The service a POST names: 400 without a code, 404 for an unknown or inactive one."""
    if not service_code:
        raise Open311Error(400, _("缺少 service_code。"))
    prefetched = getattr(client, "prefetched_service", None)  # read with the key (client_for_key)
    category = prefetched[1] if prefetched and prefetched[0] == service_code else _service(service_code)
    if category is None:
        raise Open311Error(404, _("没有编码为 %(code)s 的服务（service_code）。") % {"code": service_code})
    return category


def _posted_point(lat, long) -> tuple[Decimal | None, Decimal | None]:
    """(lat, long) as decimals inside the platform's area, or (None, None); both or neither must be sent."""
    if (lat is None) != (long is None):
        raise Open311Error(400, _("lat 和 long 必须同时提供。"))
    if lat is None:
        return None, None
    lat = _decimal(lat, "lat", -90, 90)
    long = _decimal(long, "long", -180, 180)
    _in_area(lat, long)
    return lat, long


def _posted_address(client: Open311Client, address_id) -> Address | None:
    """The known address ``address_id`` names, inside the client's region; 400 for any other id."""
    if address_id is None:
        return None
    try:
        return Address.objects.select_related("region").filter(within(client.region)).get(pk=int(address_id))
    except (Address.DoesNotExist, ValueError, TypeError):
        message = _("address_id %(id)s 不存在或不在本系统的受理辖区内。") % {"id": address_id}
        raise Open311Error(400, message) from None


def _posted_media_url(media_url: str | None) -> str:
    media_url = (media_url or "").strip()
    if media_url and (not re.match(r"^https?://", media_url) or len(media_url) > 500):
        raise Open311Error(400, _("media_url 必须是 http(s) 链接，且不超过 500 个字符。"))
    return media_url


def _posted_answers(attributes: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """A copy of the ``attribute[code]`` answers, each answer within MAX_ATTRIBUTE characters."""
    answers = {k: list(v) for k, v in (attributes or {}).items()}
    for code, values in answers.items():
        for value in values:
            bounded(value, f"attribute[{code}]", MAX_ATTRIBUTE)
    return answers


def _case_text(category: Category, description: str, title_hint: str, answered) -> tuple[str, str]:
    """(title, description) of the case: the description with the answered questions below it (or a line
    saying none was written); the title from ``attribute[title]``, else the description's first line, else
    the service's name, cut to 40 characters."""
    lines = [description] if description else []
    extra = [f"{attr.description}：{_answer_text(attr, values)}" for attr, values in answered]
    if extra:
        lines.append("\n".join(extra))
    if not lines:
        lines.append(_("%(service)s（经 Open311 反映，未填写描述）") % {"service": category.name})
    full = "\n\n".join(lines)
    title = title_hint or (description.splitlines()[0] if description else category.name)
    if len(title) > 40:
        title = title[:39] + "…"
    return title, full


def _save_request(
    o: Open311Request, *, client: Open311Client, category: Category, media
) -> tuple[Open311Request, bool]:
    """Write the request: alone for the intake worker (a client answered with a token, no media), else with its
    case. A replay of its Idempotency-Key answers with the first request and created False."""
    try:  # a replay of the key, or a concurrent retry, fails at an INSERT
        if client.answer_with_token and media is None:
            from .tasks import take_open311_requests_soon  # noqa: PLC0415 - cycle: cases.tasks imports this module

            with db.own_transaction():  # one INSERT and nothing else to write
                o.save()
            transaction.on_commit(take_open311_requests_soon)
        else:
            with transaction.atomic():  # the case first, then the request row that points at it
                _make_cases([o], media=media, categories={category.pk: category})
    except IntegrityError:
        prior = _prior(o.idempotency_key) if o.idempotency_key else None
        if prior is None:
            raise
        return prior, False
    except ValidationError as exc:  # workflow (CaseError) and attachment checks, in Chinese
        raise Open311Error(400, " ".join(exc.messages)) from None
    return o, True


def request_create(
    *,
    client: Open311Client,
    service_code: str | None,
    description: str | None = None,
    lat=None,
    long=None,
    address_string: str | None = None,
    address_id=None,
    first_name: str | None = None,
    last_name: str | None = None,
    phone: str | None = None,
    media_url: str | None = None,
    attributes: dict[str, list[str]] | None = None,
    media=None,
    idempotency_key: str | None = None,
) -> tuple[Open311Request, bool]:
    """Accept a POSTed service request. Returns (request, created); ``request.case`` is the case,
    or None while it waits for the intake worker (a client with ``answer_with_token``, no media):
    the partner then gets a token. A replay of an Idempotency-Key answers with the first request
    and created False.

    1. Check each field in turn (service, point, text bounds, address, some location, media URL, answers);
       the first fault is the 400/404 the partner gets.
    2. Compose the case's title and description.
    3. Save the request (and its case, unless the worker takes it in).
    """
    category = _posted_service(client, service_code)
    lat, long = _posted_point(lat, long)
    description = bounded(description, "description", MAX_DESCRIPTION)
    address_string = bounded(address_string, "address_string", MAX_ADDRESS)
    first_name, last_name = bounded(first_name, "first_name", MAX_NAME), bounded(last_name, "last_name", MAX_NAME)
    address = _posted_address(client, address_id)
    if lat is None and address is not None and address.latitude is not None:
        lat, long = address.latitude, address.longitude
    if lat is None and address is None and not address_string:
        raise Open311Error(400, _("缺少位置：请提供 lat/long、address_string 或 address_id 之一。"))
    media_url = _posted_media_url(media_url)
    answers = _posted_answers(attributes)
    answered = check_attributes(category, answers)

    title, full = _case_text(category, description, " ".join(answers.pop("title", [])).strip(), answered)
    phone = (phone or "").strip()[:20]
    o = Open311Request(
        client=client,
        token=secrets.token_hex(16),
        idempotency_key=case_key(client, idempotency_key) if idempotency_key else None,
        latitude=lat,
        longitude=long,
        address_string=address_string,
        media_url=media_url,
        attributes=answers,
        pending={
            "title": title,
            "description": full,
            "category": category.pk,
            "address": address.pk if address else None,
            "reporter_name": join_name(first_name, last_name)[:50],
            "reporter_phone": crypto.encrypt(phone) if phone else "",
            "location_text": address_string or (address.text if address else ""),
        },
    )
    return _save_request(o, client=client, category=category, media=media)


def _prior(key: str) -> Open311Request | None:
    """The request an Idempotency-Key was first used for."""
    return Open311Request.objects.select_related("case", "case__category").filter(idempotency_key=key).first()


def _make_cases(requests: list[Open311Request], *, media=None, categories=None) -> None:
    """Create the cases of accepted requests in one batch (case_create_many): region from
    the address or the point, the partner as the actor (an audit entry each saying which partner),
    the moment of receipt as the time of intake; then the requests with their cases: waiting ones
    (saved) get their case and an empty ``pending``, new ones (unsaved: made in the request) are
    inserted. ``categories`` by id, where the caller has them."""
    wanted = {o.pending["category"] for o in requests}
    if categories is None or not wanted <= set(categories):
        categories = {c.pk: c for c in Category.objects.filter(pk__in=wanted)}
    address_ids = {o.pending["address"] for o in requests if o.pending.get("address")}
    addresses = Address.objects.select_related("region").in_bulk(address_ids) if address_ids else {}
    intakes, actors = [], {}
    for o, region in zip(requests, _regions_for(requests, addresses), strict=True):
        p = o.pending
        address = addresses.get(p.get("address"))
        if o.client_id not in actors:
            actors[o.client_id] = actor_for(o.client)
        intakes.append(
            {
                "title": p["title"],
                "description": p["description"],
                "region": region,
                "channel": Case.Channel.OPEN311,
                "by": actors[o.client_id],
                "category": categories[p["category"]],
                "reporter_name": p["reporter_name"],
                "reporter_phone": crypto.decrypt(p["reporter_phone"]) if p["reporter_phone"] else "",
                "address": address,
                "location_text": p["location_text"],
                "idempotency_key": o.idempotency_key,
                "at": o.created_at,
                "audit": {
                    "action": "cases.case.open311_create",
                    "detail": {"client": o.client.name, "service_code": categories[p["category"]].code},
                },
                # a request made in this transaction is written with its case's timeline
                "also": None if o.pk else (lambda case, o=o: [_attached(o, case)]),
            }
        )
    waiting = [o for o in requests if o.pk is not None]
    cases = [case for case, _created in case_create_many(intakes)]
    for o, case in zip(requests, cases, strict=True):
        _attached(o, case)
    if waiting:
        Open311Request.objects.bulk_update(waiting, ["case"])
        Open311Request.objects.filter(pk__in=[o.pk for o in waiting]).update(pending={}, error="")
    replayed = [o for o in requests if o.pk is None]
    if replayed:  # its case was a replayed key: the request's own key answers at this INSERT
        sql.insert(replayed)
    if media is not None:
        attachment_add(case=cases[0], file=media, kind=Attachment.Kind.INTAKE, by=intakes[0]["by"])


def _attached(o: Open311Request, case: Case) -> Open311Request:
    o.case, o.pending, o.error = case, {}, ""
    return o


def take_pending(*, limit: int = 100, token: str | None = None) -> int:
    """The intake worker's step: create the cases of up to ``limit`` waiting requests (oldest first)
    in one transaction; requests another worker holds are skipped, not waited for. A request the
    workflow refuses (its category was switched off meanwhile, say) keeps its reason in ``error``
    and is not tried again; the others still become cases. Returns how many requests were taken."""
    with transaction.atomic():
        waiting = Open311Request.objects.filter(case__isnull=True, error="").order_by("pk")
        if token is not None:
            waiting = waiting.filter(token=token)
        requests = list(
            waiting.select_related("client", "client__region", "client__user").select_for_update(
                skip_locked=True, of=("self",)
            )[:limit]
        )
        if not requests:
            return 0
        try:
            with transaction.atomic():
                _make_cases(requests)
        except ValidationError:
            for o in requests:  # one at a time, to keep the reason of the one refused
                try:
                    with transaction.atomic():
                        _make_cases([o])
                except ValidationError as exc:
                    o.error = " ".join(exc.messages)[:300]
                    Open311Request.objects.filter(pk=o.pk).update(error=o.error)
        return len(requests)


# ----------------------------------------------------------------------------------------------
# POST servicerequestupdates
# ----------------------------------------------------------------------------------------------
CLOSING_WORDS = {"closed", "fixed", "not_responsible", "no_further_action", "duplicate", "internal_referral"}


@transaction.atomic
def update_create(
    *,
    client: Open311Client,
    case: Case,
    description: str | None,
    update_id: str | None = None,
    status: str | None = None,
    updated_datetime=None,
    first_name: str | None = None,
    last_name: str | None = None,
    media_url: str | None = None,
    media=None,
):
    """Append a partner's update to the case's timeline as 居民补充 (through case_add_info, so a
    paused clock restarts). The partner's status is recorded, never applied: a case closes only
    through its handler's resolution and the resident's verdict. Returns (event, created)."""
    # one writer per case at a time, so a retried update cannot slip in twice
    case = Case.objects.select_for_update().get(pk=case.pk)
    update_id = (update_id or "").strip()[:100]
    if update_id:
        done = CaseEvent.objects.filter(
            case=case, data__open311_client=client.pk, data__open311_update_id=update_id
        ).first()
        if done is not None:
            return done, False
    media_url = (media_url or "").strip()
    if media_url and (not re.match(r"^https?://", media_url) or len(media_url) > 500):
        raise Open311Error(400, _("media_url 必须是 http(s) 链接，且不超过 500 个字符。"))
    note = bounded(description, "description", MAX_UPDATE_DESCRIPTION)
    status = (status or "").strip().lower()
    if status in CLOSING_WORDS:
        note = (note + "\n" if note else "") + _("（对方系统标记为“%(s)s”；本平台以办理单位办结和居民回访为准。）") % {
            "s": status
        }
    if not note and media is None and not media_url:
        raise Open311Error(400, _("请提供 description、media 或 media_url。"))
    if not note:
        note = _("补充了图片。")
    data = {"open311_client": client.pk, "open311_update_id": update_id, "open311_status": status}
    if media_url:
        data["media_url"] = media_url
    if updated_datetime is not None:
        data["open311_updated_datetime"] = updated_datetime.isoformat()
    by = actor_for(client, join_name(first_name, last_name)[:50])
    try:
        event = case_add_info(case=case, note=note, by=by, photos=[media] if media is not None else (), data=data)
    except ValidationError as exc:
        raise Open311Error(400, " ".join(exc.messages)) from None
    record(
        actor=by,
        action="cases.case.open311_update",
        obj=case,
        region=case.region,
        detail={"client": client.name, "update_id": update_id},
    )
    return event, True
