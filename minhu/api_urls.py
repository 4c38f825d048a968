"""The REST API (DRF). Each app's ``api.py`` holds its viewsets and ``urlpatterns``."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from lib.api import not_found

APPS = [
    "org",
    "people",
    "cases",
    "insight",
    "volunteers",
    "events",
    "care",
    "renewal",
    "resources",
    "deeds",
    "dashboard",
    "audit",
]

urlpatterns: list[URLPattern | URLResolver] = [path("", include(f"{app}.api")) for app in APPS]
# Last: whatever no app matched (``/api/residents/abc/``) is a JSON 404, not the HTML page.
urlpatterns.append(re_path(r"^.*$", not_found))
