"""Home page panel: what waits for this user in the case workflow."""

from django.template.loader import render_to_string
from django.utils import timezone

from org.access import holds_role
from org.models import STAFF_ROLES, Role

from .models import Case


def panel(request) -> str | None:
    user = request.user
    if not holds_role(user, *STAFF_ROLES, Role.PARTNER):
        return None
    visible = Case.objects.visible_to(user)
    units = [m.unit_id for m in user.memberships.all() if m.unit_id]
    figures = {
        "waiting": visible.filter(status=Case.Status.NEW).count(),
        "mine": Case.objects.filter(main_unit_id__in=units, status__in=Case.HANDLING_STATUSES).count(),
        "overdue": visible.overdue(timezone.now()).count(),
    }
    return render_to_string("cases/_home_panel.html", {"f": figures}, request=request)
