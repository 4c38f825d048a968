"""Open311 GeoReport v2, mounted at ``/open311/`` (see cases/open311.py). The format suffix is
optional (XML by default); ``service/<code>`` is an alias of ``services/<code>``; every other path under ``v2/``
answers 404 in the errors format."""

from django.urls import re_path

from . import open311 as views

FMT = r"(?:\.(?P<fmt>[A-Za-z0-9]+))?"
CODE = r"(?P<code>[-\w]+)"

app_name = "open311"
urlpatterns = [
    re_path(rf"^v2/discovery{FMT}$", views.discovery, name="discovery"),
    re_path(rf"^v2/services{FMT}$", views.services_list, name="services"),
    re_path(rf"^v2/services/{CODE}{FMT}$", views.service_definition, name="service"),
    re_path(rf"^v2/service/{CODE}{FMT}$", views.service_definition, name="service_alias"),
    re_path(rf"^v2/requests{FMT}$", views.requests_view, name="requests"),
    re_path(rf"^v2/requests/(?P<request_id>[-\w]+){FMT}$", views.request_detail, name="request"),
    re_path(rf"^v2/tokens/(?P<token>[-\w]+){FMT}$", views.token_view, name="token"),
    re_path(rf"^v2/servicerequestupdates{FMT}$", views.updates_view, name="updates"),
    # last: anything else under v2/ (a trailing slash included) answers in the errors format
    re_path(r"^v2(?:/(?P<path>.*))?$", views.not_found, name="not_found"),
]
