"""Reusable reads of cases."""

from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.functional import cached_property

from org.models import Region
from org.scoping import within

from .models import Case, CaseRequest


def cases_for_source(obj: Model) -> QuerySet[Case]:
    """Cases created from ``obj`` (a consultation, a delivery, a household …), newest first."""
    return Case.objects.filter(source_type=ContentType.objects.get_for_model(obj), source_id=str(obj.pk))


def get_case_for_user(user, pk) -> Case:
    """The one access helper: a case the user may see, or 404 (out of scope answers like missing)."""
    qs = Case.objects.visible_to(user).select_related("category", "region", "main_unit", "address", "resident")
    try:
        return qs.get(pk=pk)
    except Case.DoesNotExist:
        raise Http404 from None


INBOX_PAGE = 50
INBOX_FIELDS = (
    "id", "number", "title", "created_at", "status", "category__name", "region__name", "suggested_unit__name",
)  # fmt: skip


def inbox_for_region(region: Region, *, limit: int = INBOX_PAGE) -> dict:
    """What the dispatcher must decide under ``region``: cases no routing rule dispatched (oldest
    first, with the count) and units' return/extension/complex requests waiting for a decision."""
    waiting = Case.objects.filter(within(region, "region_path"), status=Case.Status.NEW)
    # ids first (an index-only scan on PostgreSQL: case_inbox_cover), then the rows themselves
    ids = list(waiting.order_by("created_at", "id").values_list("id", flat=True)[:limit])
    # then those rows with only what the inbox shows (no description, search text or phone)
    cases = (
        list(
            Case.objects.filter(pk__in=ids)
            .select_related("category", "suggested_unit", "region")
            .only(*INBOX_FIELDS)
            .order_by("created_at", "id")
        )
        if ids
        else []
    )
    requests = list(
        CaseRequest.objects.filter(within(region, "case__region_path"), state=CaseRequest.State.PENDING)
        .select_related("case", "unit", "requested_by")
        .order_by("requested_at")[:limit]
    )
    return {"cases": cases, "count": waiting.count(), "requests": requests}


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows: a search that matches 60,000 cases says "1000 件以上"
    instead of counting them all (bench/bench_cases.py measures this path)."""

    def __init__(self, object_list, per_page, *, cap=1000, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cap = cap

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
