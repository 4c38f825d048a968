"""Open311 GeoReport v2 under ``/open311/v2/`` (http://wiki.open311.org/GeoReport_v2), with the
``servicerequestupdates`` extension FixMyStreet-style clients use for two-way status sync.

Every method answers in XML (``text/xml``, the spec's element names) or JSON (arrays as in the
spec: even a single request is a one-element array), chosen by the ``.xml``/``.json`` suffix
(no suffix means XML). Errors are ``errors/error`` (code, description) with 400, 403 or 404. An
empty parameter counts as absent. ``service/<code>`` is accepted as an alias of
``services/<code>``.

Who may read what: GETs need no key. Without a key they list only requests of the services named
in ``settings.OPEN311_PUBLIC_SERVICES`` (public-space problems); with a partner's ``api_key``
they also list that partner's own submissions, with resolution and timeline notes. Reporter names,
phones and e-mail never appear in any GET, and ID or phone numbers inside free text are masked.
Writes (POST requests, POST servicerequestupdates) need the partner's ``api_key`` and go through
``cases.open311_services``.
"""

import datetime
import functools
import json
import logging
import re
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from lib.masking import mask_text

from . import open311_services as svc
from .models import Attachment, Case, CaseEvent, Category, Open311Attribute, Open311Request
from .open311_services import Open311Error

logger = logging.getLogger(__name__)

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-27T00:00:00+08:00"  # the date this API's shape last changed
FORMATS = ("xml", "json")
WINDOW = datetime.timedelta(days=90)
MAX_PAGE_SIZE = 1000
CLOSED = set(Case.FINAL_STATUSES) | {Case.Status.RESOLVED}

# XML: the element name of each item inside a list element.
LIST_CHILD = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "service_request_updates": "request_update",
}

# Timeline entries that are internal management, never published as updates.
INTERNAL_KINDS = {CaseEvent.Kind.WARNED, CaseEvent.Kind.ESCALATED, CaseEvent.Kind.SUPERVISED}
OPENING_KINDS = {
    CaseEvent.Kind.CREATED,
    CaseEvent.Kind.DISPATCHED,
    CaseEvent.Kind.ACCEPTED,
    CaseEvent.Kind.CONTACTED,
    CaseEvent.Kind.STARTED,
    CaseEvent.Kind.PAUSED,
    CaseEvent.Kind.RESUMED,
    CaseEvent.Kind.REHANDLED,
    CaseEvent.Kind.RETURN_APPROVED,
    CaseEvent.Kind.REASSIGNED,
}
CLOSING_KINDS = {
    CaseEvent.Kind.RESOLVED,
    CaseEvent.Kind.VISITED,
    CaseEvent.Kind.ARCHIVED,
    CaseEvent.Kind.CANCELLED,
    CaseEvent.Kind.MERGED,
}
# Notes of these entries are written for the resident and shown to the submitting partner.
NOTE_KINDS = {CaseEvent.Kind.RESOLVED, CaseEvent.Kind.CANCELLED, CaseEvent.Kind.MERGED, CaseEvent.Kind.INFO_ADDED}


# ----------------------------------------------------------------------------------------------
# rendering
# ----------------------------------------------------------------------------------------------
def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(el, data: dict) -> None:
    for key, value in data.items():
        child = ET.SubElement(el, key)
        if isinstance(value, list):
            name = LIST_CHILD[key]
            for item in value:
                sub = ET.SubElement(child, name)
                if isinstance(item, dict):
                    _xml_fill(sub, item)
                else:
                    sub.text = _text(item)
        elif isinstance(value, dict):
            _xml_fill(child, value)
        else:
            child.text = _text(value)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    """``data`` is a list (items of ``root``) or a dict (fields of ``root``)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    el = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _xml_fill(ET.SubElement(el, LIST_CHILD[root]), item)
    else:
        _xml_fill(el, data)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="utf-8", xml_declaration=False)
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt if fmt in FORMATS else "xml", "errors", [{"code": status, "description": description}], status)


def iso(dt) -> str | None:
    """ISO 8601 in Shanghai time with its offset: 2026-10-08T09:30:00+08:00."""
    if dt is None:
        return None
    return timezone.localtime(dt).isoformat(timespec="seconds")


def endpoint(*methods):
    """Format check, method check, Open311Error → errors/error, and CSRF exemption (writes are
    authenticated by api_key, never by a browser session)."""

    def wrap(view):
        @csrf_exempt
        @functools.wraps(view)
        def inner(request, *args, fmt=None, **kwargs):
            fmt = (fmt or "xml").lower()
            if fmt not in FORMATS:
                return error("xml", 400, _("不支持的格式 .%(fmt)s：请用 .xml 或 .json。") % {"fmt": fmt})
            if request.method not in methods:
                response = error(fmt, 405, _("不支持 %(m)s 方法。") % {"m": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, *args, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.message)
            except (RequestDataTooBig, TooManyFieldsSent):
                return error(fmt, 413, _("请求体过大：description 最多 %(n)d 个字符。") % {"n": svc.MAX_DESCRIPTION})
            except (OperationalError, InterfaceError):
                raise  # the database is away: 503 with Retry-After (minhu.middleware.DatabaseUnavailableMiddleware)
            except Exception:
                # a client parses errors/error for every answer, a server fault included; the log keeps the trace
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return error(fmt, 500, _("服务器内部错误，请稍后重试；如持续出现请联系街道社区服务办。"))

        return inner

    return wrap


# ----------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------
class Params:
    """Query or form parameters with "empty means absent"; JSON bodies are read too."""

    def __init__(self, request):
        if request.method == "POST" and request.content_type == "application/json":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                raise Open311Error(400, _("请求体不是有效的 JSON。")) from None
            if not isinstance(body, dict):
                raise Open311Error(400, _("请求体必须是 JSON 对象。"))
            self.lists = {k: [str(x) for x in (v if isinstance(v, list) else [v])] for k, v in body.items()}
        else:
            source = request.POST if request.method == "POST" else request.GET
            self.lists = {k: source.getlist(k) for k in source}
            if request.method == "POST" and not self.lists.get("api_key"):
                # api_key may also travel in the query string (as some clients send it)
                self.lists["api_key"] = request.GET.getlist("api_key")

    def get(self, name: str) -> str | None:
        values = [v for v in self.lists.get(name, []) if v is not None and str(v).strip() != ""]
        return str(values[-1]).strip() if values else None

    def csv(self, name: str) -> list[str]:
        value = self.get(name)
        return [part.strip() for part in value.split(",") if part.strip()] if value else []

    def attributes(self) -> dict[str, list[str]]:
        """attribute[code]=v, attribute[code][]=v (multivaluelist), repeated keys allowed."""
        out: dict[str, list[str]] = {}
        for key, values in self.lists.items():
            m = re.fullmatch(r"attribute\[([^\]]+)\](?:\[\])?", key)
            if m:
                out.setdefault(m.group(1), []).extend(str(v) for v in values if str(v).strip())
        return out

    def datetime(self, name: str):
        value = self.get(name)
        if value is None:
            return None
        # an unencoded "+08:00" in a query string arrives as " 08:00"
        value = re.sub(r" (\d\d:?\d\d)$", r"+\1", value)
        try:
            dt = parse_datetime(value)
        except ValueError:
            dt = None
        if dt is None:
            day = parse_date(value) if re.fullmatch(r"\d{4}-\d\d-\d\d", value) else None
            if day is None:
                raise Open311Error(
                    400, _("%(name)s 不是有效的 ISO 8601 时间：%(v)s") % {"name": name, "v": self.get(name)}
                )
            dt = datetime.datetime.combine(day, datetime.time.min)
        if timezone.is_naive(dt):
            dt = timezone.make_aware(dt)
        return dt

    def positive_int(self, name: str, default: int, maximum: int | None = None) -> int:
        value = self.get(name)
        if value is None:
            return default
        if not value.isdigit() or int(value) < 1:
            raise Open311Error(400, _("%(name)s 必须是正整数：%(v)s") % {"name": name, "v": value})
        number = int(value)
        if maximum is not None and number > maximum:
            raise Open311Error(400, _("%(name)s 不能大于 %(max)s。") % {"name": name, "max": maximum})
        return number


def optional_client(params: Params):
    """The partner behind an api_key on a GET (more rows, fuller notes); no key is fine."""
    key = params.get("api_key")
    return svc.client_for_key(key) if key else None


def window(params: Params) -> tuple[datetime.datetime, datetime.datetime]:
    """start_date/end_date, 90 days by default and at most 90 days apart."""
    start, end = params.datetime("start_date"), params.datetime("end_date")
    if start and end and end < start:
        raise Open311Error(400, _("end_date 早于 start_date。"))
    if start is None and end is None:
        end = timezone.now()
        start = end - WINDOW
    elif start is None:
        start = end - WINDOW
    elif end is None:
        end = start + WINDOW
    return start, end


def page_slice(params: Params) -> slice:
    page = params.positive_int("page", 1)
    size = params.positive_int("page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    return slice((page - 1) * size, page * size)


# ----------------------------------------------------------------------------------------------
# discovery and services
# ----------------------------------------------------------------------------------------------
def base_url(request) -> str:
    return request.build_absolute_uri("/open311/v2/").rstrip("/")


@endpoint("GET")
def discovery(request, fmt):
    data = {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT or _("请联系街道社区服务办。"),
        "key_service": _("写入接口的 api_key 由街道工作人员在后台“Open311 接入系统”中为每个对接系统签发。"),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


def _service(category: Category) -> dict:
    parent = category.parent.name if category.parent is not None else ""
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": bool(category.has_attributes),  # type: ignore[attr-defined]  # annotated by the look-up
        "type": "realtime",
        "keywords": ",".join(k for k in (category.name, parent, category.code) if k),
        "group": parent or category.name,
    }


@endpoint("GET")
def services_list(request, fmt):
    has = Open311Attribute.objects.filter(category=OuterRef("pk"))
    categories = (
        Category.objects.filter(is_active=True)
        .select_related("parent")
        .annotate(has_attributes=Exists(has))
        .order_by("sort_order", "code")
    )
    return render(fmt, "services", [_service(c) for c in categories])


@endpoint("GET")
def service_definition(request, fmt, code):
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise Open311Error(404, _("没有编码为 %(code)s 的服务（service_code）。") % {"code": code})
    attributes = []
    for attr in category.open311_attributes.all():
        item = {
            "variable": attr.variable,
            "code": attr.code,
            "datatype": attr.datatype,
            "required": attr.required,
            "datatype_description": attr.datatype_description or None,
            "order": attr.order,
            "description": attr.description,
        }
        if attr.datatype in (Open311Attribute.Datatype.SINGLE, Open311Attribute.Datatype.MULTI):
            item["values"] = [{"key": str(v.get("key")), "name": str(v.get("name", v.get("key")))} for v in attr.values]
        attributes.append(item)
    return render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


# ----------------------------------------------------------------------------------------------
# requests
# ----------------------------------------------------------------------------------------------
def readable_cases(client=None):
    """Cases any client may read (public services), plus the calling partner's own submissions."""
    q = Q(category__code__in=settings.OPEN311_PUBLIC_SERVICES)
    if client is not None:
        q |= Q(open311__client=client)
    return Case.objects.filter(q)


def _with_details(qs):
    return qs.select_related("category", "main_unit", "address", "open311", "merged_into").prefetch_related(
        Prefetch(
            "attachments",
            queryset=Attachment.objects.filter(kind=Attachment.Kind.INTAKE).order_by("id"),
            to_attr="intake_photos",
        )
    )


def open_or_closed(case) -> str:
    return "closed" if case.status in CLOSED else "open"


def _own(case, client) -> bool:
    o = _open311(case)
    return client is not None and o is not None and o.client_id == client.pk


def _open311(case):
    try:
        return case.open311
    except Open311Request.DoesNotExist:
        return None


def status_notes(case, *, full: bool) -> str:
    S = Case.Status
    if case.status == S.NEW:
        return _("已受理，等待派单。")
    if case.status in Case.HANDLING_STATUSES:
        if case.paused_at is not None:
            return _("%(s)s：等待补充信息，暂停计时。") % {"s": case.get_status_display()}
        return _("%(s)s。") % {"s": case.get_status_display()}
    if case.status == S.RESOLVED:
        if full and case.resolution:
            return _("已办结：%(r)s") % {"r": mask_text(case.resolution)}
        return _("已办结，等待回访。")
    if case.status == S.MERGED and case.merged_into_id:
        return _("与诉求 %(n)s 合并办理。") % {"n": case.merged_into.number}
    if case.status == S.CANCELLED:
        return _("已撤销。")
    if full and case.resolution:
        return _("已办结归档：%(r)s") % {"r": mask_text(case.resolution)}
    return _("已办结归档。")


def _media_url(request, case) -> str | None:
    photos = getattr(case, "intake_photos", None)
    if photos:
        return request.build_absolute_uri(photos[0].image.url)
    o = _open311(case)
    return (o.media_url or None) if o else None


def request_item(request, case, client=None) -> dict:
    o = _open311(case)
    address = case.address
    lat = o.latitude if o and o.latitude is not None else (address.latitude if address else None)
    long = o.longitude if o and o.longitude is not None else (address.longitude if address else None)
    # the building, never the room: a public answer must not point at one household
    place = (o.address_string if o else "") or (address.building if address else "") or case.location_text
    category = case.category
    return {
        "service_request_id": case.number,
        "status": open_or_closed(case),
        "status_notes": status_notes(case, full=_own(case, client)),
        "service_name": category.name,
        "service_code": category.code,
        "description": mask_text(case.description),
        "agency_responsible": case.main_unit.name if case.main_unit_id else None,
        "service_notice": service_notice(category),
        "requested_datetime": iso(case.created_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": mask_text(place) or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(lat) if lat is not None else None,
        "long": float(long) if long is not None else None,
        "media_url": _media_url(request, case),
    }


def service_notice(category) -> str:
    return _("%(name)s：1 个工作日内先行联系，%(days)s 个工作日内办结（法定节假日顺延）。") % {
        "name": category.name,
        "days": category.resolve_days,
    }


@endpoint("GET", "POST")
def requests_view(request, fmt):
    if request.method == "POST":
        return _post_request(request, fmt)
    params = Params(request)
    client = optional_client(params)
    qs = readable_cases(client)
    ids = params.csv("service_request_id")
    if ids:
        # the spec: with service_request_id every other filter is ignored
        qs = qs.filter(number__in=ids[:MAX_PAGE_SIZE])
    else:
        start, end = window(params)
        if end - start > WINDOW:
            raise Open311Error(400, _("start_date 与 end_date 相差不能超过 90 天。"))
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        codes = params.csv("service_code")
        if codes:
            qs = qs.filter(category__code__in=codes)
        statuses = {s.lower() for s in params.csv("status")}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status 只能是 open 或 closed。"))
        if statuses == {"open"}:
            qs = qs.exclude(status__in=CLOSED)
        elif statuses == {"closed"}:
            qs = qs.filter(status__in=CLOSED)
    cases = _with_details(qs.order_by("-created_at", "-id"))[page_slice(params)]
    return render(fmt, "service_requests", [request_item(request, c, client) for c in cases])


@endpoint("GET")
def request_detail(request, fmt, request_id):
    params = Params(request)
    client = optional_client(params)
    case = _with_details(readable_cases(client).filter(number=request_id)).first()
    if case is None:
        raise Open311Error(404, _("没有编号为 %(id)s 的公开诉求。") % {"id": request_id})
    return render(fmt, "service_requests", [request_item(request, case, client)])


@endpoint("GET")
def token_view(request, fmt, token):
    o = Open311Request.objects.filter(token=token).select_related("case").first()
    if o is None:
        raise Open311Error(404, _("没有这个 token。"))
    if o.case is None and not o.error:
        # still waiting for the intake worker: the partner asking now gets its case made now
        svc.take_pending(token=token)
        o.refresh_from_db()
    if o.case is None:
        if o.error:
            raise Open311Error(400, _("该请求未能登记为诉求：%(reason)s") % {"reason": o.error})
        return render(fmt, "service_requests", [{"service_request_id": None, "token": o.token}])
    return render(fmt, "service_requests", [{"service_request_id": o.case.number, "token": o.token}])


def _post_request(request, fmt):
    params = Params(request)
    client = svc.client_for_key(params.get("api_key"), service_code=params.get("service_code"))
    key = (request.headers.get("Idempotency-Key") or "").strip() or None
    o, created = svc.request_create(
        client=client,
        service_code=params.get("service_code"),
        description=params.get("description"),
        lat=params.get("lat"),
        long=params.get("long"),
        address_string=params.get("address_string"),
        address_id=params.get("address_id"),
        first_name=params.get("first_name") or params.get("name"),
        last_name=params.get("last_name"),
        phone=params.get("phone"),
        media_url=params.get("media_url"),
        attributes=params.attributes(),
        media=request.FILES.get("media"),
        idempotency_key=key,
    )
    status = 201 if created else 200
    if o.case is None:
        # answer_with_token: the case is made by the intake worker; GeoReport v2 answers with a token
        item = {"token": o.token, "service_notice": _("已收到，正在登记；凭 token 查询诉求编号。"), "account_id": None}
        return render(fmt, "service_requests", [item], status=status)
    item = {
        "service_request_id": o.case.number,
        "token": o.token,
        "service_notice": service_notice(o.case.category),
        "account_id": None,
    }
    return render(fmt, "service_requests", [item], status=status)


# ----------------------------------------------------------------------------------------------
# servicerequestupdates
# ----------------------------------------------------------------------------------------------
def _update_status(event) -> str:
    if event.kind in CLOSING_KINDS:
        return "closed"
    if event.kind in OPENING_KINDS:
        return "open"
    return open_or_closed(event.case)


def _update_description(event, *, full: bool) -> str:
    label = event.get_kind_display()
    if event.data.get("open311_client") is not None and full:
        return mask_text(event.note)
    if full and event.kind in NOTE_KINDS and event.note:
        return f"{label}：{mask_text(event.note)}"
    return label


def update_item(request, event, client=None) -> dict:
    photos = list(event.attachments.all())
    media = request.build_absolute_uri(photos[0].image.url) if photos else event.data.get("media_url")
    return {
        "update_id": str(event.pk),
        "service_request_id": event.case.number,
        "status": _update_status(event),
        "updated_datetime": iso(event.at),
        "description": _update_description(event, full=_own(event.case, client)),
        "media_url": media or None,
    }


@endpoint("GET", "POST")
def updates_view(request, fmt):
    if request.method == "POST":
        return _post_update(request, fmt)
    params = Params(request)
    client = optional_client(params)
    start, end = window(params)
    cases = readable_cases(client)
    qs = (
        CaseEvent.objects.filter(case__in=cases, is_public=True, at__gte=start, at__lte=end)
        .exclude(kind__in=INTERNAL_KINDS)
        .select_related("case", "case__open311")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )
    ids = params.csv("service_request_id")
    if ids:
        qs = qs.filter(case__number__in=ids[:MAX_PAGE_SIZE])
    events = qs[page_slice(params)]
    return render(fmt, "service_request_updates", [update_item(request, e, client) for e in events])


def _post_update(request, fmt):
    params = Params(request)
    client = svc.client_for_key(params.get("api_key"))
    number = params.get("service_request_id")
    if not number:
        raise Open311Error(400, _("缺少 service_request_id。"))
    case = readable_cases(client).filter(number=number).first()
    if case is None:
        raise Open311Error(404, _("没有编号为 %(id)s 的诉求，或本系统无权更新它。") % {"id": number})
    event, _created = svc.update_create(
        client=client,
        case=case,
        description=params.get("description"),
        update_id=params.get("update_id"),
        status=params.get("status"),
        updated_datetime=params.datetime("updated_datetime"),
        first_name=params.get("first_name"),
        last_name=params.get("last_name"),
        media_url=params.get("media_url"),
        media=request.FILES.get("media"),
    )
    # the update's own time on this platform (when it joined the timeline), as every update in a GET carries it
    item = {"update_id": str(event.pk), "updated_datetime": iso(event.at)}
    return render(fmt, "service_request_updates", [item], status=201 if _created else 200)


_SUFFIX = re.compile(r"\.(?P<fmt>[A-Za-z0-9]+)/?$")


@csrf_exempt
def not_found(request, path=""):
    """Every other path under /open311/v2/ — a typo, a trailing slash, an unknown method — answers in the errors
    format (in the suffix's format when it names one), never the site's HTML 404 page."""
    match = _SUFFIX.search(path)
    fmt = match.group("fmt").lower() if match and match.group("fmt").lower() in FORMATS else "xml"
    if path.endswith("/") and path.strip("/"):
        bare = request.path.rstrip("/")
        message = _("GeoReport v2 的地址不以“/”结尾：请用 %(url)s。") % {"url": bare}
    else:
        message = _("没有这个接口：%(path)s。可用的接口见 %(url)s。") % {
            "path": request.path,
            "url": base_url(request) + "/discovery.json",
        }
    return error(fmt, 404, message)
