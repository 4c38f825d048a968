"""The REST API (DRF). Each app's ``api.py`` holds its viewsets and ``urlpatterns``."""

from django.urls import include, path

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

urlpatterns = [path("", include(f"{app}.api")) for app in APPS]
