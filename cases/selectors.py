"""Reusable reads of cases."""

from django.contrib.contenttypes.models import ContentType
from django.http import Http404

from .models import Case


def cases_for_source(obj):
    """Cases created from ``obj`` (a consultation, a delivery, a household …), newest first."""
    return Case.objects.filter(source_type=ContentType.objects.get_for_model(obj), source_id=str(obj.pk))


def get_case_for_user(user, pk, *, for_update=False) -> Case:
    """The one access helper: a case the user may see, or 404 (out of scope answers like missing)."""
    qs = Case.objects.visible_to(user).select_related("category", "region", "main_unit", "address", "resident")
    try:
        return qs.get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


INBOX_PAGE = 50


def inbox_for_region(region, *, limit=INBOX_PAGE) -> dict:
    """What the dispatcher must decide under ``region``: cases no routing rule dispatched (oldest
    first, with the count) and units' return/extension/complex requests waiting for a decision."""
    from .models import CaseRequest

    waiting = Case.objects.filter(status=Case.Status.NEW, region_path__startswith=region.path)
    cases = list(waiting.select_related("category", "suggested_unit", "region").order_by("created_at", "id")[:limit])
    requests = list(
        CaseRequest.objects.filter(state=CaseRequest.State.PENDING, case__region_path__startswith=region.path)
        .select_related("case", "unit", "requested_by")
        .order_by("requested_at")[:limit]
    )
    return {"cases": cases, "count": waiting.count(), "requests": requests}
