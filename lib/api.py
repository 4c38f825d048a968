"""Shared pieces of the REST API's plumbing: routers whose object ids are numbers, and JSON answers for
addresses under /api/ that match nothing.

Every viewset is looked up by its integer primary key. DRF's default lookup pattern (``[^/.]+``) let
``/api/residents/abc/`` reach the database as ``WHERE id = 'abc'``, which raised and answered 500; with
the pattern ``[0-9]+`` such an address matches no route and gets the JSON 404 below.
"""

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import routers

NUMERIC_ID = "[0-9]{1,18}"  # at most 18 digits: anything longer overflows a bigint and cannot exist


class _NumericIds:
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None and getattr(viewset, "lookup_field", "pk") in (
            "pk",
            "id",
        ):
            lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
            return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{NUMERIC_ID})"
        return super().get_lookup_regex(viewset, lookup_prefix)


class DefaultRouter(_NumericIds, routers.DefaultRouter):
    pass


class SimpleRouter(_NumericIds, routers.SimpleRouter):
    pass


def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any /api/ address no route matched (an id that is not a number, a typo): 404 in the API's own shape."""
    return JsonResponse({"detail": _("未找到。")}, status=404)
