"""Similar cases: "possibly the same issue" on the intake form and on every open case — candidates of the same
neighbourhood within the window, scored by ``insight.similarity`` — and the one-click merge of a duplicate."""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.actions.workflow import case_merge
from cases.models import Case
from org.actors import Actor
from org.models import Region
from org.scoping import within
from people.models import Address

from .. import address, similarity
from .store import conf, need_cache

#: how often the address reader learns the roads of the deployment's own addresses
ROADS_EVERY = 600.0
_roads_learned = {"at": float("-inf"), "count": -1}


def learn_roads() -> None:
    """Teach the address reader the roads of ``people.Address`` (a deployment's own gazetteer), at most
    every ``ROADS_EVERY`` seconds and only when their number changed."""
    now = time.monotonic()
    if now - _roads_learned["at"] < ROADS_EVERY:
        return
    _roads_learned["at"] = now
    roads = Address.objects.order_by().values_list("road", flat=True).distinct()
    count = roads.count()
    if count != _roads_learned["count"]:
        address.add_roads(list(roads))
        _roads_learned["count"] = count


def need_from(**fields) -> similarity.Need:
    """A need read now, with the deployment's roads known (the intake form's unsaved need, a case, a candidate row)."""
    learn_roads()
    fields.setdefault("at", timezone.now())
    return similarity.Need.of(**fields)


def need_of(case: Case) -> similarity.Need:
    return need_from(
        title=case.title,
        description=case.description,
        location_text=case.location_text,
        address=case.address,
        region_id=case.region_id,
        category=case.category.code if case.category_id else "",
        at=case.created_at,
    )


def neighbourhood(region: Region):
    """The neighbourhood a region belongs to: a grid's parent, else the region itself."""
    if region.kind == Region.Kind.GRID and region.parent_id:
        return region.parent
    return region


def similar_candidates(
    *, region: Region, around: datetime.datetime | None = None, exclude_pk: int | None = None, days: int | None = None
):
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
#: what a candidate is compared on, read as plain values: hundreds of candidates are compared for each
#: look-up and only the few offered are loaded as cases
_COMPARED = (
    "pk", "title", "description", "location_text", "region_id", "created_at", "category_id", "category__code",
    "address_id", "address__road", "address__lane", "address__number", "address__latitude", "address__longitude",
)  # fmt: skip


@dataclass(frozen=True)
class _Row:
    pk: int
    title: str
    description: str
    location_text: str
    region_id: int | None
    created_at: datetime.datetime
    category_id: int | None
    category_code: str | None
    address_id: int | None
    road: str | None
    lane: str | None
    number: str | None
    latitude: float | None
    longitude: float | None


def _address_of(row: _Row) -> SimpleNamespace | None:
    if row.address_id is None:
        return None
    return SimpleNamespace(
        road=row.road, lane=row.lane, number=row.number, latitude=row.latitude, longitude=row.longitude
    )


def _need_and_bag(row: _Row):
    key = (row.title, row.description, row.location_text, row.address_id, row.category_id, row.region_id)
    hit = need_cache.get(row.pk)
    if hit is None or hit[0] != key:
        need = need_from(
            title=row.title,
            description=row.description,
            location_text=row.location_text,
            address=_address_of(row),
            region_id=row.region_id,
            category=row.category_code or "",
            at=row.created_at,
        )
        hit = (key, need, similarity.bag(need.text))
        if len(need_cache) > 50_000:
            need_cache.clear()
        need_cache[row.pk] = hit
    return hit[1], hit[2]


@dataclass
class Similar:
    """A case that may be the same issue, its score and the reasons (``similarity.same_issue_score``)."""

    case: Case
    score: float
    why: dict = field(default_factory=dict)

    @property
    def text(self) -> float:
        return self.why.get("text", 0.0)

    @property
    def place(self) -> float:
        return self.why.get("place", 0.0)

    @property
    def reason(self) -> str:
        """What the staff member reads: "同一楼栋 · 同一问题：污水管堵塞 · 描述相似度 64%"."""
        return self.why.get("summary", "")


def similar_cases(
    *,
    need: similarity.Need,
    region: Region,
    user=None,
    around: datetime.datetime | None = None,
    exclude_pk: int | None = None,
    limit: int = 5,
) -> list[Similar]:
    """ "Possibly the same issue": candidates scoring ≥ 0.5 (insight.similarity), best first; only
    cases ``user`` may see when a user is given."""
    qs = similar_candidates(region=region, around=around, exclude_pk=exclude_pk)
    if user is not None:
        qs = Case.objects.visible_to(user).filter(pk__in=list(qs.values_list("pk", flat=True)))
    mine = similarity.bag(need.text)
    scored = []
    for values in qs.values_list(*_COMPARED):
        row = _Row(*values)
        other_need, other_bag = _need_and_bag(row)
        if similarity.surely_apart(need, other_need):
            continue
        score, why = similarity.same_issue_score(need, other_need, bags=(mine, other_bag))
        if score >= similarity.THRESHOLD:
            scored.append((score, row.pk, why))
    scored.sort(key=lambda t: (-t[0], -t[1]))
    scored = scored[:limit]
    offered = Case.objects.select_related("category", "address").only(*CANDIDATE_FIELDS)
    cases = offered.in_bulk([pk for _s, pk, _w in scored])
    return [Similar(cases[pk], score, why) for score, pk, why in scored if pk in cases]


def similar_to_case(case: Case, *, user=None, limit: int = 5) -> list[Similar]:
    return similar_cases(
        need=need_of(case), region=case.region, user=user, around=case.created_at, exclude_pk=case.pk, limit=limit
    )


def merge_into(*, case: Case, into: Case, by: Actor) -> Case:
    """One click from "possibly the same issue": the newer case joins the older one (合并)."""
    if case.created_at < into.created_at and into.is_open and into.status != Case.Status.RESOLVED:
        case, into = into, case
    return case_merge(
        case=case, into=into, by=by, note=_("与 %(n)s 为同一问题（相似诉求提示），合并办理。") % {"n": into.number}
    )
