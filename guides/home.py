"""Home page panel for the offices that own guides: guides past or near their review date, and revisions waiting
for this user's review."""

from django.template.loader import render_to_string

from org.access import holds_role

from . import selectors
from .models import EDIT_ROLES


def panel(request) -> str | None:
    user = request.user
    if not holds_role(user, *EDIT_ROLES):
        return None
    attention = selectors.owner_attention(user)
    queue = selectors.review_queue(user)
    if not attention and not queue:
        return None
    return render_to_string("guides/_home_panel.html", {"attention": attention, "queue": queue}, request=request)
