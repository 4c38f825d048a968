import json
import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger("minhu.availability")


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header. Every script and stylesheet is served by the app
    itself, so 'self' is enough; inline scripts are not allowed (htmx is configured by attributes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = (
            settings.CONTENT_SECURITY_POLICY_API_DOCS
            if request.path.startswith("/api/docs")
            else settings.CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


# One field of a form or query string longer than this is never typed by a person: the whole request is refused
# before any view, whatever app it reaches (the forms and serializers set tighter limits of their own).
MAX_FIELD_CHARS = 50_000
# A form body larger than DATA_UPLOAD_MAX_MEMORY_SIZE (or with more fields than Django reads): 413, nothing read.
TOO_BIG = "请求体过大，请精简内容后再提交（照片请作为附件上传）。"
_UTF8 = {"ensure_ascii": False}


class BadInputMiddleware:
    """Refuses with a Chinese 400 what no view should see: a NUL character anywhere in the address, the query,
    a form field or a JSON body (PostgreSQL cannot store one and answered 500), or a field longer than
    MAX_FIELD_CHARS. API and Open311 addresses get the answer in their own format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem:
            return self._refuse(request, problem, status=413 if problem == TOO_BIG else 400)
        return self.get_response(request)

    def _problem(self, request) -> str | None:
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return _("请求中含有不允许的空字符（NUL）。")
        fields = list(request.GET.lists())
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method in ("POST", "PUT", "PATCH"):
            if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
                try:
                    fields += list(request.POST.lists())
                except (RequestDataTooBig, TooManyFieldsSent):
                    return TOO_BIG
            elif content_type.startswith("application/json"):
                body = request.body
                if b"\x00" in body or b"\\u0000" in body.lower():
                    return _("请求中含有不允许的空字符（NUL）。")
        for key, values in fields:
            for value in [key, *values]:
                if "\x00" in value:
                    return _("请求中含有不允许的空字符（NUL）。")
                if len(value) > MAX_FIELD_CHARS:
                    return _("填写的内容太长（超过 %(n)d 字），请精简后再提交。") % {"n": MAX_FIELD_CHARS}
        return None

    def _refuse(self, request, message: str, *, status: int = 400) -> HttpResponse:
        path = request.path
        if path.startswith("/open311/"):
            if path.endswith(".xml"):
                body = (
                    f'<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>{status}</code>'
                    f"<description>{escape(message)}</description></error></errors>"
                )
                return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
            return JsonResponse(
                [{"code": status, "description": message}], status=status, safe=False, json_dumps_params=_UTF8
            )
        if path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=status, json_dumps_params=_UTF8)
        return HttpResponse(escape(message), status=status, content_type="text/plain; charset=utf-8")


# Seconds a client should wait before trying again while the database is away (a restart takes 1–10 s).
RETRY_AFTER = 5
DATABASE_AWAY = "数据库暂时不可用，请稍后重试。"


def database_away_response(request) -> HttpResponse:
    """503 with Retry-After, in the shape each kind of client reads: Open311 partners get GeoReport's
    ``errors`` (JSON or XML by the path's suffix), API clients JSON, people a short page."""
    path = request.path
    if path.startswith("/open311/"):
        if path.endswith(".json"):
            body = json.dumps([{"code": 503, "description": DATABASE_AWAY}], ensure_ascii=False)
            response = HttpResponse(body, status=503, content_type="application/json; charset=utf-8")
        else:
            body = (
                '<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>503</code>'
                f"<description>{escape(DATABASE_AWAY)}</description></error></errors>"
            )
            response = HttpResponse(body.encode(), status=503, content_type="text/xml; charset=utf-8")
    elif path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"detail": DATABASE_AWAY}, status=503, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": RETRY_AFTER}), status=503, content_type="text/html"
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _database_away(exc) -> bool:
    return isinstance(exc, OperationalError | InterfaceError)


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is away (restart, stop, failover) answers 503 with
    Retry-After instead of a 500 page: partners and API clients retry, nothing was written. Errors raised
    outside views (another middleware) reach ``server_error`` below, which answers the same way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if _database_away(exception):
            logger.warning("database unavailable: %s %s (%s)", request.method, request.path, type(exception).__name__)
            return database_away_response(request)
        return None


def server_error(request):
    """handler500: the database being away is a 503 wherever it was raised; anything else is Django's 500."""
    exc = sys.exc_info()[1]
    if _database_away(exc):
        return database_away_response(request)
    return defaults.server_error(request)


class FriendlyErrorPagesMiddleware:
    """With ``MINHU_FRIENDLY_ERRORS`` on (``make demo`` sets it), the Chinese 404 and 500 pages replace Django's
    English debug pages while DEBUG stays on for everything else: a newcomer trying the demo sees what a user
    would. The error itself is still logged as usual; API and non-HTML answers are left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (settings.DEBUG and getattr(settings, "FRIENDLY_ERRORS", False)):
            return response
        if response.status_code not in (404, 500) or "text/html" not in response.get("Content-Type", ""):
            return response
        if request.path.startswith(("/api/", "/open311/")) or getattr(response, "friendly", False):
            return response
        if response.status_code == 404 and b"Page not found at" not in response.content[:2000]:
            return response  # a page of ours that answered 404 with its own words
        template = loader.get_template(f"{response.status_code}.html")
        body = template.render({}, request if response.status_code == 404 else None)
        friendly = HttpResponse(body, status=response.status_code, content_type="text/html; charset=utf-8")
        friendly.friendly = True
        return friendly


class ApiDeprecationMiddleware:
    """Answers on the unversioned /api/… paths carry ``Deprecation: true`` and a ``Link`` to the same path under
    /api/v1/ (RFC 9745, RFC 8288), so an integrator's logs say where to move before /api/ goes (docs/api.md)."""

    EXEMPT = ("/api/v1/", "/api/schema/", "/api/docs/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        path = request.path
        if path.startswith("/api/") and not path.startswith(self.EXEMPT):
            response.headers["Deprecation"] = "true"
            response.headers["Link"] = f'</api/v1/{path[len("/api/") :]}>; rel="successor-version"'
        return response
