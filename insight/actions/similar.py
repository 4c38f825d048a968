"""Similar cases: "possibly the same issue" on the intake form and on every open case — candidates of the same
neighbourhood within the window, scored by ``insight.similarity`` — and the one-click merge of a duplicate."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.actions.workflow import case_merge
from cases.models import Case
from org.models import Region
from org.scoping import within

from .. import similarity
from .store import conf, need_cache


def need_of(case: Case) -> similarity.Need:
    return similarity.Need.of(
        title=case.title,
        description=case.description,
        location_text=case.location_text,
        address=case.address,
        region_id=case.region_id,
        category=case.category.code if case.category_id else "",
    )


def neighbourhood(region):
    """The neighbourhood a region belongs to: a grid's parent, else the region itself."""
    if region.kind == Region.Kind.GRID and region.parent_id:
        return region.parent
    return region


def similar_candidates(*, region, around=None, exclude_pk=None, days=None):
    """Open cases, and cases closed within the window, of the same neighbourhood created within
    ``days`` (MINHU_INSIGHT_SIMILAR_DAYS) of ``around``."""
    days = conf("MINHU_INSIGHT_SIMILAR_DAYS", 30) if days is None else days
    around = around or timezone.now()
    start, end = around - datetime.timedelta(days=days), around + datetime.timedelta(days=days)
    area = neighbourhood(region)
    qs = (
        Case.objects.filter(within(area, "region_path"), created_at__gte=start, created_at__lte=end)
        .filter(Q(status__in=Case.OPEN_STATUSES) | Q(closed_at__gte=start) | Q(resolved_at__gte=start))
        .exclude(status__in=[Case.Status.CANCELLED, Case.Status.MERGED])
        .select_related("category", "address")
        .only(*CANDIDATE_FIELDS)
    )
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.order_by("-created_at")[:MAX_CANDIDATES]


MAX_CANDIDATES = 500
CANDIDATE_FIELDS = (
    "id", "number", "title", "description", "location_text", "region_id", "status", "created_at",
    "category__code", "category__name", "address__road", "address__lane", "address__number",
    "address__latitude", "address__longitude",
)  # fmt: skip


def _need_and_bag(case: Case):
    key = (case.title, case.location_text, case.address_id, case.category_id)
    hit = need_cache.get(case.pk)
    if hit is None or hit[0] != key:
        need = need_of(case)
        hit = (key, need, similarity.bag(need.text))
        if len(need_cache) > 50_000:
            need_cache.clear()
        need_cache[case.pk] = hit
    return hit[1], hit[2]


@dataclass
class Similar:
    case: Case
    score: float
    text: float
    place: float

    @property
    def reason(self) -> str:
        places = {1.0: _("同一楼栋"), 0.7: _("同一弄堂"), 0.6: _("距离很近"), 0.3: _("同一条路")}
        where = places.get(self.place, _("同一网格"))
        return _("%(where)s，内容相似度 %(t).0f%%") % {"where": where, "t": self.text * 100}


def similar_cases(*, need: similarity.Need, region, user=None, around=None, exclude_pk=None, limit=5) -> list[Similar]:
    """ "Possibly the same issue": candidates scoring ≥ 0.5 (insight.similarity), best first; only
    cases ``user`` may see when a user is given."""
    qs = similar_candidates(region=region, around=around, exclude_pk=exclude_pk)
    if user is not None:
        visible = Case.objects.visible_to(user).filter(pk__in=list(qs.values_list("pk", flat=True)))
        qs = visible.select_related("category", "address").only(*CANDIDATE_FIELDS)
    mine = similarity.bag(need.text)
    found = []
    for other in qs:
        other_need, other_bag = _need_and_bag(other)
        score, why = similarity.same_issue_score(need, other_need, bags=(mine, other_bag))
        if score >= 0.5:
            found.append(Similar(other, score, why["text"], why["place"]))
    found.sort(key=lambda s: (-s.score, -s.case.pk))
    return found[:limit]


def similar_to_case(case: Case, *, user=None, limit=5) -> list[Similar]:
    return similar_cases(
        need=need_of(case), region=case.region, user=user, around=case.created_at, exclude_pk=case.pk, limit=limit
    )


def merge_into(*, case: Case, into: Case, by) -> Case:
    """One click from "possibly the same issue": the newer case joins the older one (合并)."""
    if case.created_at < into.created_at and into.is_open and into.status != Case.Status.RESOLVED:
        case, into = into, case
    return case_merge(
        case=case, into=into, by=by, note=_("与 %(n)s 为同一问题（相似诉求提示），合并办理。") % {"n": into.number}
    )
