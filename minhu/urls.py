from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from org import views as org_views

admin.site.site_header = "民呼 Minhu 后台管理"
admin.site.site_title = "民呼后台"
admin.site.index_title = "后台管理"

urlpatterns = [
    path("", org_views.home, name="home"),
    path("healthz", org_views.healthz, name="healthz"),
    path("accounts/login/", org_views.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    # The API is versioned under /api/v1/ (docs/api.md); /api/ answers the same, deprecated (a Deprecation header
    # names the successor), and stays until v2. The schema documents /api/v1/ only, at both addresses.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema-unversioned"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
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

# Uploaded media. In production the reverse proxy serves MEDIA_ROOT (docs/operations.md); photos
# whose EXIF must be stripped are only ever stored stripped, so direct serving is safe.
if settings.DEBUG:
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    )
