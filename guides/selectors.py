"""Reads: access helpers, who may write and review, a region's guides, suggestions at the desk, answer figures."""

import threading
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from events.models import DeskTopic
from org.actors import Viewer
from org.models import Membership, Region, Role, Unit
from org.scoping import get_visible_or_404

from . import matching
from .models import EDIT_ROLES, Guide, GuideRevision, ancestor_ids


# Access -------------------------------------------------------------------------------------------------------
def get_guide_for_user(user, pk) -> Guide:
    """A guide the user may see (org.scoping's rule, see GuideQuerySet.visible_to); anything else is 404."""
    return get_visible_or_404(Guide.objects.select_related("region", "owner__region", "topic"), user, pk=pk)


def _edit_memberships(user):
    return [m for m in user.memberships.select_related("region", "unit") if m.role in EDIT_ROLES]


def may_write_at(user: Viewer, *, region: Region | None, owner: Unit) -> bool:
    """May ``user`` write a guide of ``region`` (None: city) owned by ``owner``? Admins for anything in their
    subtree (the city's: any admin); staff for their own unit, at their unit's region or its ancestors' levels
    being their own (a subdistrict office writes subdistrict guides; a district office, district ones)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for m in _edit_memberships(user):
        if m.role == Role.ADMIN and (region is None or region.path.startswith(m.region.path)):
            return True
        if m.role == Role.STAFF and m.unit_id == owner.pk and region is not None and region.pk == owner.region_id:
            return True
    return False


def may_edit(user: Viewer, guide: Guide) -> bool:
    return may_write_at(user, region=guide.region, owner=guide.owner)


def may_review(user: Viewer, revision: GuideRevision, *, memberships: list[Membership] | None = None) -> bool:
    """Another staff member (not the author) whose region holds the owning office: its colleagues, its superiors.
    ``memberships``: the user's edit memberships, when the caller checks many revisions."""
    if not user.is_authenticated or user.pk == revision.author_id:
        return False
    if user.is_superuser:
        return True
    owner_path = revision.guide.owner.region.path
    memberships = _edit_memberships(user) if memberships is None else memberships
    return any(owner_path.startswith(m.region.path) for m in memberships)


def writable_levels(user) -> list[tuple[Region, Unit]]:
    """(region, owner unit) pairs the user may create guides for: staff for their unit at its region."""
    pairs = []
    for m in _edit_memberships(user):
        if m.unit is not None and m.unit.region_id == m.region_id:
            pairs.append((m.region, m.unit))
    return pairs


def review_queue(user):
    """Revisions waiting for review that ``user`` may approve."""
    pending = (
        GuideRevision.objects.filter(status=GuideRevision.Status.PENDING)
        .filter(guide__in=Guide.objects.visible_to(user))
        .select_related("guide__owner__region", "guide__region", "author")
        .order_by("submitted_at")
    )
    memberships = _edit_memberships(user)
    return [r for r in pending if may_review(user, r, memberships=memberships)]


# A region's guides ------------------------------------------------------------------------------------------------
def effective(guides) -> list[Guide]:
    """One guide per matter: the deepest region's (a subdistrict's own over its district's over the city's)."""
    best: dict[str, Guide] = {}
    for g in guides:
        depth = -1 if g.region is None else g.region.depth
        current = best.get(g.code)
        if current is None or depth > (-1 if current.region is None else current.region.depth):
            best[g.code] = g
    return sorted(best.values(), key=lambda g: (g.topic.order, g.topic.name, g.code))


def region_guides(region: Region) -> list[Guide]:
    """The published guides residents of ``region`` are answered from (overrides applied)."""
    return effective(Guide.objects.published().applicable_to(region).select_related("region", "topic", "owner"))


def public_guide(region: Region, code: str) -> Guide:
    for g in region_guides(region):
        if g.code == code:
            return g
    raise Http404


def answerable_guide(region: Region, pk: int | str | None) -> Guide | None:
    """A guide the desk of ``region`` may mark as the answer (one of the region's published guides), or None."""
    if not pk or not str(pk).isdigit():
        return None
    return next((g for g in region_guides(region) if g.pk == int(pk)), None)


def public_region(pk: int | str) -> Region:
    return get_object_or_404(Region, pk=pk)


def inherited_by(guide: Guide, user) -> list[Region]:
    """The user's subdistricts that inherit ``guide`` from above (they could write their own version)."""
    regions = []
    for m in _edit_memberships(user):
        r = m.region
        inherits = guide.region_id is None or guide.region_id in ancestor_ids(r.path)
        if r.kind == Region.Kind.SUBDISTRICT and r.pk != guide.region_id and inherits:
            regions.append(r)
    return regions


# Suggestions at the desk ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Suggestion:
    guide: Guide
    score: float
    confident: bool


_indexes: dict[int, tuple] = {}  # region id -> (stamp, index, guides by pk)
_lock = threading.Lock()


def _stamp(region: Region) -> tuple:
    """Count and last change of the published guides a region reads: one small statement, written by hand because
    building it with the ORM took longer than the ranking itself (bench/bench_guides.py)."""
    ids = ancestor_ids(region.path)
    table = connection.ops.quote_name(Guide._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX(updated_at) FROM {table} WHERE status = %s"
            f" AND (region_id IS NULL OR region_id IN ({', '.join(['%s'] * len(ids))}))",
            [Guide.Status.PUBLISHED, *ids],
        )
        return tuple(cursor.fetchone())


def _index_for(region: Region):
    """The region's matcher index, kept per process and rebuilt when the region's published guides change (their
    count or last update differ), so every app server answers from the same text."""
    stamp = _stamp(region)
    cached = _indexes.get(region.pk)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    guides = region_guides(region)
    index = matching.GuideIndex.build(
        matching.GuideText(
            key=g.pk,
            topic=g.topic.name,
            name=g.name,
            summary=g.summary,
            tags=g.tags,
            questions=g.questions,
            conditions=g.conditions,
            process=g.process,
            materials=" ".join(m.get("name", "") for m in g.materials or []),
            basis=g.basis,
        )
        for g in guides
    )
    by_pk = {g.pk: g for g in guides}
    with _lock:
        _indexes[region.pk] = (stamp, index, by_pk)
    return index, by_pk


def suggest(*, question: str, region: Region, topic: str = "", limit: int = 3) -> list[Suggestion]:
    """The guides that best answer ``question`` asked at a desk of ``topic`` (a DeskTopic name) in ``region``.
    The desk console, the consultation record, the public search and ``guides_evaluate`` all call this."""
    if not (question or "").strip():
        return []
    index, by_pk = _index_for(region)
    return [Suggestion(by_pk[m.key], m.score, m.confident) for m in index.rank(question, topic=topic, limit=limit)]


def topic_for_desk(desk: str) -> str:
    """A desk label from a question file ("养老") → the DeskTopic name ("养老政策")."""
    return matching.topic_for_desk(desk, list(DeskTopic.objects.values_list("name", flat=True)))


# Figures -----------------------------------------------------------------------------------------------------------
@dataclass
class DeskAnswers:
    label: str
    asked: int = 0
    from_guide: int = 0

    @property
    def share(self) -> float | None:
        return round(100 * self.from_guide / self.asked, 1) if self.asked else None

    @property
    def unanswered(self) -> int:
        return self.asked - self.from_guide


@dataclass
class AnswerFigures:
    rows: list  # DeskAnswers per desk (or per topic)
    total: DeskAnswers
    top_guides: list = field(default_factory=list)  # (guide name, times)
    unanswered: list = field(default_factory=list)  # consultations no guide answered (staff pages only)


def answer_figures(consultations, *, by: str = "desk", with_questions: bool = False, top: int = 5) -> AnswerFigures:
    """Questions asked, how many a guide answered, the most-used guides and the questions left unanswered, per
    desk (``by="desk"``: the event report) or per desk topic (``by="topic"``: the dashboard, the gaps page).
    One aggregate statement (the dashboard pins its statement count), plus the unanswered list when asked for."""
    if by == "desk":
        fields = ("desk_id", "desk__name", "desk__order")
    else:
        fields = ("topic", "topic", "desk__topic__order")
    counts = consultations.values(*dict.fromkeys(fields), "guide_id", "guide__name").annotate(n=Count("id")).order_by()
    total = DeskAnswers(_("合计"))
    rows: dict = {}
    order: dict = {}
    guides: Counter = Counter()
    names: dict = {}
    for row in counts:
        key, label = row[fields[0]], row[fields[1]] or "—"
        rank = (999 if row[fields[2]] is None else row[fields[2]], label)  # desk or topic order, then name
        order[key] = min(order.get(key, rank), rank)
        target = rows.setdefault(key, DeskAnswers(label))
        for t in (target, total):
            t.asked += row["n"]
            if row["guide_id"]:
                t.from_guide += row["n"]
        if row["guide_id"]:
            guides[row["guide_id"]] += row["n"]
            names[row["guide_id"]] = row["guide__name"]
    ordered = [rows[k] for k in sorted(rows, key=lambda k: order[k])]
    top_guides = [(names[pk], n) for pk, n in guides.most_common(top)]
    unanswered = []
    if with_questions:
        unanswered = list(
            consultations.filter(guide__isnull=True).select_related("desk").order_by("topic", "-created_at")[:200]
        )
    return AnswerFigures(ordered, total, top_guides, unanswered)


def owner_attention(user) -> list[Guide]:
    """Guides the user's office owns that are past or near their review date (the home page panel)."""
    units = {m.unit_id for m in _edit_memberships(user) if m.unit_id}
    if not units:
        return []
    guides = Guide.objects.filter(owner_id__in=units).exclude(status=Guide.Status.RETIRED).order_by("review_due")
    return [g for g in guides.select_related("region") if g.is_stale or g.is_due_soon]
