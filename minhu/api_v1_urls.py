"""The URL configuration the OpenAPI schema is generated from: the API under its versioned prefix only, so the
document names /api/v1/ paths (the deprecated /api/ paths answer the same; minhu/urls.py)."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("minhu.api_urls"))]
