"""Home page panel: the current hot spots of the user's regions (staff and leaders)."""

from django.template.loader import render_to_string

from org.models import STAFF_ROLES, Role

from .actions import hotspots


def panel(request) -> str | None:
    user = request.user
    if not (user.is_superuser or user.has_role(*STAFF_ROLES, Role.LEADER)):
        return None
    spots = list(hotspots.latest_hotspots(user, limit=5))
    may_model = user.is_superuser or user.has_role(*STAFF_ROLES)
    return render_to_string("insight/_home_panel.html", {"spots": spots, "may_model": may_model}, request=request)
