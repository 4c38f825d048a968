"""The REST API (DRF). Each app exposes ``api.router_urls`` (a list of url patterns) or a router."""

from django.urls import include, path

urlpatterns = [
    path("", include("org.api")),
    path("", include("people.api")),
]
