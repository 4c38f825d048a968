from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from minhu import files, health
from org import views as org_views

admin.site.site_header = "民呼 Minhu 后台管理"
admin.site.site_title = "民呼后台"
admin.site.index_title = "后台管理"

handler500 = "minhu.middleware.server_error"  # the database being away answers 503 (minhu.middleware)

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz", health.ready, name="healthz"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("accounts/login/", org_views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    # The API is versioned under /api/v1/ (docs/api.md); /api/ answers the same, deprecated (a Deprecation header
    # names the successor), and stays until v2. The schema documents /api/v1/ only, at both addresses.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema-unversioned"),
    # Swagger UI and Redoc from drf-spectacular-sidecar; the split view serves its start-up script as a file (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/docs/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include("minhu.api_urls")),
    path("api/", include("minhu.api_urls")),
    path("open311/", include("cases.open311_urls")),
    path("org/", include("org.urls")),
    path("audit/", include("audit.urls")),
    path("people/", include("people.urls")),
    path("cases/", include("cases.urls")),
    path("insight/", include("insight.urls")),
    path("volunteers/", include("volunteers.urls")),
    path("events/", include("events.urls")),
    path("care/", include("care.urls")),
    path("renewal/", include("renewal.urls")),
    path("resources/", include("resources.urls")),
    path("deeds/", include("deeds.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("notify/", include("notify.urls")),
    path("calendars/", include("calendars.urls")),
    path("guides/", include("guides.urls")),
    path("g/", include("guides.public_urls")),
]

# Uploaded files: never an open folder. Each request passes the owning object's access check
# (minhu/files.py); in production nginx then sends the bytes from an internal location.
urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", files.media, name="media"))
