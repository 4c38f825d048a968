"""Hot spots: clusters of similar needs in one place within a window (``detect_hotspots``), ranked by heat
(``heat_score``, docs/insight.md), stored hourly as a snapshot (``hotspots_refresh``) for the home page."""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from audit.services import record
from cases.models import Case
from org.models import Region
from org.scoping import within

from .. import similarity
from ..models import HotSpot
from .similar import need_of, neighbourhood
from .store import conf

URGENCY_WEIGHT = {"low": 0.0, "normal": 0.0, "high": 1.0, "critical": 1.0}
#: text similarity that links two cases of one place into one cluster
LINK_TEXT = 0.30


@dataclass
class Cluster:
    region: Region
    place: str
    cases: list
    previous: int = 0

    @property
    def count(self) -> int:
        return len(self.cases)

    @property
    def urgent(self) -> int:
        return sum(1 for c in self.cases if URGENCY_WEIGHT.get(c.urgency, 0))

    @property
    def repeat_reporters(self) -> int:
        keys = Counter(c.resident_id and f"r{c.resident_id}" or c.reporter_phone_hash for c in self.cases)
        keys.pop("", None)
        keys.pop(None, None)
        return sum(1 for n in keys.values() if n >= 2)

    @property
    def growth(self) -> float:
        return (self.count - self.previous) / max(self.previous, 1)

    @property
    def heat(self) -> float:
        return heat_score(
            count=self.count, previous=self.previous, urgent=self.urgent, repeat_reporters=self.repeat_reporters
        )

    @property
    def topic(self) -> str:
        return topic_of([c.title for c in self.cases], [f"{c.title} {c.description}" for c in self.cases])

    @property
    def category(self):
        counts = Counter(c.category_id for c in self.cases)
        cat_id, n = counts.most_common(1)[0]
        return cat_id if n * 2 > self.count else None


def heat_score(*, count: int, previous: int, urgent: int, repeat_reporters: int) -> float:
    """热度 = 起数 × (1 + 0.5 × 紧急占比) × (1 + 0.5 × min(增长率, 2)) + 重复反映人数.

    起数: cases in the window; 增长率: (起数 − 上一窗口起数) / max(上一窗口起数, 1), negative taken as 0;
    紧急占比: share of high/critical cases; 重复反映人数: reporters (same resident or phone) with two or
    more of the cases. docs/insight.md explains the choice.
    """
    growth = max(0.0, (count - previous) / max(previous, 1))
    urgency = urgent / count if count else 0.0
    return round(count * (1 + 0.5 * urgency) * (1 + 0.5 * min(growth, 2.0)) + repeat_reporters, 2)


def topic_of(titles: list[str], texts: list[str] | None = None) -> str:
    """What a cluster is about, in a few characters ("粪管堵塞"): the words at least half of the titles
    share; else the most repeated title words, completed by the concept most texts share (堵塞, 漏水 …);
    else the shortest title."""
    import jieba  # noqa: PLC0415 — importing it costs more than half a second, and only hot spots need it

    jieba.setLogLevel(logging.WARNING)
    counts: Counter = Counter()
    for t in titles:
        stripped = similarity._strip_places(t)
        counts.update({w for w in jieba.lcut(stripped) if len(w) >= 2 and w not in similarity.FILLER})
    ranked = counts.most_common()
    words = [w for w, n in ranked if n * 2 >= len(titles)][:2]
    if len(words) < 2:
        words += [w for w, n in ranked if n >= 2 and w not in words][: 2 - len(words)]
    if len(words) < 2:
        concepts: Counter = Counter()
        for text in texts or titles:
            concepts.update(k[1:] for k in similarity.bag(text) if k.startswith("#"))
        shared = [
            c
            for c, n in concepts.most_common()
            if n * 2 >= len(titles) and not any(c in w or w in similarity.CONCEPTS[c] for w in words)
        ]
        words += shared[: 2 - len(words)]
    if words:
        return "".join(words)[:30]
    return min(titles, key=len)[:30] if titles else ""


def _place_key(need: similarity.Need) -> str:
    return need.place.lane_key or need.place.road or ""


def _common_region(cases):
    paths = [c.region_path for c in cases]
    regions = {c.region_id: c.region for c in cases}
    for c in sorted(cases, key=lambda c: -len(c.region_path)):
        if all(p.startswith(c.region_path) for p in paths):
            return regions[c.region_id]
    # different grids: their neighbourhood
    first = cases[0].region
    return neighbourhood(first)


def detect_hotspots(
    *,
    now: datetime.datetime | None = None,
    days: int | None = None,
    min_count: int | None = None,
    region: Region | None = None,
) -> list[Cluster]:
    """Clusters of similar needs in one place within ``days`` before ``now``, hottest first.

    Cases of a neighbourhood are grouped by place (the lane "陕西南路582弄", else the road, else the
    grid) and linked when their texts are alike (cosine ≥ LINK_TEXT); connected groups of at least
    ``min_count`` cases are hot spots. ``previous`` counts the place's cases of the window before
    that are alike to the cluster.
    """
    now = now or timezone.now()
    days = days or conf("MINHU_INSIGHT_HOTSPOT_DAYS", 7)
    min_count = min_count or conf("MINHU_INSIGHT_HOTSPOT_MIN", 3)
    start, before = now - datetime.timedelta(days=days), now - datetime.timedelta(days=2 * days)
    qs = Case.objects.filter(created_at__gte=before, created_at__lte=now).exclude(status=Case.Status.CANCELLED)
    if region is not None:
        qs = qs.filter(within(region, "region_path"))
    qs = qs.select_related("region", "address", "category").only(
        "id", "number", "title", "description", "location_text", "region", "region_path", "address",
        "category", "urgency", "resident_id", "reporter_phone_hash", "created_at", "status",
    )  # fmt: skip
    groups: dict[tuple, dict[str, list]] = {}
    for case in qs.iterator(chunk_size=2000):
        need = need_of(case)
        area = neighbourhood(case.region)
        key = (area.pk, _place_key(need) or f"region:{case.region_id}")
        slot = "now" if case.created_at >= start else "before"
        groups.setdefault(key, {"now": [], "before": []})[slot].append((case, similarity.bag(need.text), need))
    groups = _merge_roadless(groups)
    clusters = []
    for (_area, key), group in groups.items():
        current = group["now"]
        if len(current) < min_count:
            continue
        for members in _components(current):
            if len(members) < min_count:
                continue
            cases = [current[i][0] for i in members]
            bags = [current[i][1] for i in members]
            previous = sum(
                1 for _c, b, _n in group["before"] if max(similarity.cosine(b, mb) for mb in bags) >= LINK_TEXT
            )
            place = key if not key.startswith("region:") else cases[0].region.name
            clusters.append(Cluster(region=_common_region(cases), place=place, cases=cases, previous=previous))
    clusters.sort(key=lambda c: (-c.heat, -c.count))
    return clusters


def _merge_roadless(groups: dict) -> dict:
    """ "582弄" (no road named) joins "陕西南路582弄" of the same neighbourhood when that is the only
    lane 582 there."""
    full: dict[tuple, list[str]] = {}
    for area, key in groups:
        if not key.startswith("region:") and not key[0].isdigit():
            lane = similarity.find_place(key).lane
            if lane:
                full.setdefault((area, lane), []).append(key)
    merged: dict = {}
    for (area, key), group in groups.items():
        target = key
        if key[:1].isdigit():
            lane = similarity.find_place(key).lane
            candidates = full.get((area, lane), [])
            if len(candidates) == 1:
                target = candidates[0]
        slot = merged.setdefault((area, target), {"now": [], "before": []})
        slot["now"] += group["now"]
        slot["before"] += group["before"]
    return merged


def _components(items) -> list[list[int]]:
    n = len(items)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if similarity.cosine(items[i][1], items[j][1]) >= LINK_TEXT:
                parent[find(i)] = find(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(find(i), []).append(i)
    return list(out.values())


@transaction.atomic
def hotspots_refresh(*, now: datetime.datetime | None = None, days: int | None = None) -> int:
    """The periodic job: store the current hot spots (a snapshot ``as_of`` now); returns how many."""
    now = now or timezone.now()
    days = days or conf("MINHU_INSIGHT_HOTSPOT_DAYS", 7)
    clusters = detect_hotspots(now=now, days=days)
    made = 0
    for c in clusters:
        spot = HotSpot.objects.create(
            region=c.region,
            place=c.place[:100],
            topic=c.topic[:60],
            category_id=c.category,
            as_of=now,
            window_days=days,
            count=c.count,
            previous_count=c.previous,
            urgent_count=c.urgent,
            repeat_reporters=c.repeat_reporters,
            heat=c.heat,
            first_at=min(x.created_at for x in c.cases),
            last_at=max(x.created_at for x in c.cases),
        )
        spot.cases.set(c.cases)
        made += 1
    # the home page shows the newest snapshot; older ones stay a week so links to them keep working
    # (the weekly report computes its week afresh, see views.weekly)
    HotSpot.objects.filter(as_of__lt=now - datetime.timedelta(days=7)).delete()
    record(actor=None, action="insight.hotspots.refresh", detail={"found": made, "days": days})
    return made


def latest_hotspots(user, *, limit: int = 10):
    """The newest snapshot's hot spots the user may see, hottest first."""
    newest = HotSpot.objects.aggregate(m=Max("as_of"))["m"]
    if newest is None:
        return HotSpot.objects.none()
    return HotSpot.objects.visible_to(user).filter(as_of=newest).select_related("region", "category")[:limit]
