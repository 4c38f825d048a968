"""Home page panel: this month's three rates for the user's first dashboard region."""

from django.template.loader import render_to_string

from org.access import holds_role

from . import selectors


def panel(request) -> str | None:
    user = request.user
    if not holds_role(user, *selectors.DASHBOARD_ROLES):
        return None
    regions = selectors.dashboard_regions(user)
    if not regions:
        return None
    start, end = selectors.period_bounds("month")
    figures = selectors.headline(regions[0], start, end)
    return render_to_string("dashboard/_home_panel.html", {"figures": figures}, request=request)
