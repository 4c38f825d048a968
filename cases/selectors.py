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
