"""``{% insight_suggestion case %}`` in the dispatcher's inbox: the case's top 3 with the unit each
would go to, one click to accept. The suggestions of all cases on the page load in one query."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse

from cases.permissions import can_dispatch

from ..actions import suggestions

register = template.Library()


@register.simple_tag(takes_context=True)
def insight_suggestion(context, case):
    cache = context.render_context.setdefault("insight_suggestions", {})
    if "by_case" not in cache:
        ids = [c.pk for _region, box in context.get("boxes", []) for c in box["cases"]]
        cache["by_case"] = suggestions.latest_suggestions(ids or [case.pk])
    suggestion = cache["by_case"].get(case.pk)
    request = context.get("request")
    if suggestion is None:
        return ""
    return render_to_string(
        "insight/_inbox_cell.html",
        {
            "suggestion": suggestion,
            "top": suggestion.top,
            "case": case,
            "threshold": suggestion.threshold,
            "may_dispatch": request is not None and can_dispatch(request.user, case) and case.is_open,
            "next": reverse("cases:inbox"),
        },
        request=request,
    )
