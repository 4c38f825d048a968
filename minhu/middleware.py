import json
import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.html import escape
from django.views import defaults

logger = logging.getLogger("minhu.availability")


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header. Every script and stylesheet is served by the app
    itself, so 'self' is enough; inline scripts are not allowed (htmx is configured by attributes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # The API docs page ships its own inline bootstrap script; it is staff-only and same-origin.
        if not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


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
