import importlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from huey.contrib.djhuey import HUEY

from audit.models import AuditEntry
from audit.services import record
from lib.client_ip import client_ip

from . import throttle
from .access import role_required
from .api import READ_ROLES
from .models import Unit
from .navigation import entries_for
from .scoping import visible_regions
from .tasks import last_periodic_run

# Apps that put a panel on the home page provide ``<app>/home.py`` with ``panel(request) -> str | None``
# (rendered HTML, or None when the panel does not apply to this user).
HOME_PANEL_APPS = [
    "cases", "insight", "care", "events", "guides", "renewal", "resources", "volunteers", "deeds", "dashboard",
]  # fmt: skip


def home_panels(request) -> list[str]:
    panels = []
    for app in HOME_PANEL_APPS:
        try:
            module = importlib.import_module(f"{app}.home")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.home":
                raise
            continue
        html = module.panel(request)
        if html:
            panels.append(html)
    return panels


def home(request):
    if not request.user.is_authenticated:
        return render(request, "org/welcome.html")
    return render(request, "org/home.html", {"tiles": entries_for(request.user), "panels": home_panels(request)})


@never_cache
def healthz(request):
    """Liveness and readiness for load balancers: the database answers and the queue is reachable."""
    checks, ok = {}, True
    try:
        connection.ensure_connection()
        if not connection.is_usable():  # the backend's own liveness probe on an open connection
            raise DatabaseError("connection not usable")
        checks["database"] = "ok"
    except Exception as exc:  # report, do not raise: the caller wants JSON
        checks["database"], ok = f"error: {type(exc).__name__}", False
    try:
        checks["queue_pending"] = HUEY.pending_count()
        checks["queue"] = "ok"
    except Exception as exc:
        checks["queue"], ok = f"error: {type(exc).__name__}", False
    try:
        # When the periodic scheduler last ran (ISO time, None before its first minute).
        checks["last_periodic_run"] = last_periodic_run()
    except Exception as exc:
        checks["last_periodic_run"] = f"error: {type(exc).__name__}"
    checks["status"] = "ok" if ok else "error"
    return JsonResponse(checks, status=200 if ok else 503)


@role_required(*READ_ROLES)
def region_list(request):
    """The region tree the user works in, with the units attached to each region."""
    regions = list(visible_regions(request.user, roles=READ_ROLES).order_by("path"))
    units: dict[int, list] = {}
    for unit in Unit.objects.filter(region__in=regions, is_active=True).order_by("kind", "name"):
        units.setdefault(unit.region_id, []).append(unit)
    # Nest by path: a region's parent is the nearest earlier region whose path prefixes its own.
    nodes, roots, by_path = [], [], {}
    for region in regions:
        node = {"region": region, "units": units.get(region.pk, []), "children": []}
        parent_path = region.path[: -(len(region.path.rsplit(".", 2)[-2]) + 1)]
        parent = by_path.get(parent_path)
        (parent["children"] if parent else roots).append(node)
        by_path[region.path] = node
        nodes.append(node)
    return render(request, "org/region_list.html", {"roots": roots, "count": len(nodes)})


class ThrottledLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        refused = throttle.refusal(request, username, client_ip(request))
        if refused:
            form = self.get_form()
            form.errors.clear()
            if refused == "slow":
                message = _("该账号近期登录失败较多，请%(s)d秒后再试；在常用设备上登录不受影响。") % {
                    "s": settings.LOGIN_SLOW_SECONDS
                }
            else:
                message = _("登录失败次数过多，请15分钟后再试。")
            form.add_error(None, message)
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(
                settings.LOGIN_SLOW_SECONDS if refused == "slow" else settings.LOGIN_FAILURE_WINDOW
            )
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        throttle.note_failure(self.request.POST.get("username", ""), client_ip(self.request))
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        throttle.clear(user.get_username(), client_ip(self.request))
        throttle.remember_device(response, user.get_username())
        # Logins are filed under the user's first region so that staff of that region see them.
        membership = user.memberships.select_related("region").order_by("pk").first()
        region = membership.region if membership else None
        record(actor=user, action="org.login", kind=AuditEntry.Kind.LOGIN, region=region, request=self.request)
        return response
