"""Reusable reads: matching volunteers to a case or a desk, and access helpers."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from org.access import holds_role
from org.models import STAFF_ROLES, Region, User
from org.scoping import get_visible_or_404, within

from .models import Assignment, Organisation, ServiceRecord, Volunteer, VolunteerSkill

# Weights of the ranking (docs/user-guide.md explains them to staff).
SKILL_POINTS = 30  # per level (入门 1, 熟练 2, 专业 3) of the best matching skill
AVAILABLE_POINTS = 40  # free at that time by the weekly pattern and exceptions
KM_PENALTY = 4  # per kilometre from home to the place
LOAD_PENALTY = 12  # per open task
MAX_KM_PENALTY = 40


@dataclass
class Match:
    volunteer: Volunteer
    score: float
    skill: str = ""
    level: int = 0
    available: bool = False
    distance_km: float | None = None
    load: int = 0
    reasons: list = field(default_factory=list)


def rank_volunteers(
    *,
    category_code: str,
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    region: Region | None = None,
    limit: int = 20,
) -> list[Match]:
    """Approved volunteers ranked for a task: skill answering the category, availability at that time,
    distance from home and current load. Volunteers at their load limit are left out."""
    volunteers = (
        Volunteer.objects.approved()
        .prefetch_related(
            Prefetch("skills", queryset=VolunteerSkill.objects.select_related("skill")),
            "availability",
            "availability_exceptions",
        )
        .annotate(
            load=Count(
                "assignments",
                filter=Q(
                    assignments__status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED],
                    assignments__signed_out_at__isnull=True,
                ),
            )
        )
    )
    if region is not None:
        volunteers = volunteers.filter(pk__in=assignable_volunteers(region).values("pk"))
    matches = []
    for v in volunteers:
        if v.load >= v.max_load:
            continue
        best = max((s for s in v.skills.all() if category_code in s.skill.codes()), key=lambda s: s.level, default=None)
        m = Match(volunteer=v, score=0.0, load=v.load)
        if best is not None:
            m.skill, m.level = best.skill.name, best.level
            m.score += SKILL_POINTS * best.level
        if starts_at and ends_at:
            m.available = v.is_available(starts_at, ends_at)
            if m.available:
                m.score += AVAILABLE_POINTS
        m.distance_km = v.distance_km(latitude, longitude)
        if m.distance_km is not None:
            m.score -= min(KM_PENALTY * m.distance_km, MAX_KM_PENALTY)
        else:  # no coordinates on file: neither rewarded nor ruled out
            m.score -= MAX_KM_PENALTY / 2
        m.score -= LOAD_PENALTY * v.load
        m.score = round(m.score, 1)
        matches.append(m)
    matches.sort(key=lambda m: (-m.score, m.volunteer.name))
    return matches[:limit]


def assignable_volunteers(region: Region) -> "QuerySet[Volunteer]":
    """Approved volunteers a task in ``region`` may be offered to: those of its subdistrict. The ranking lists
    only them and every POST that names a volunteer for a case or a desk takes it from here (org.scoping's
    ``chosen_or_404``), so another subdistrict's volunteer is never messaged about this one's case."""
    subdistrict = region.ancestor_of_kind("subdistrict") or region
    return Volunteer.objects.approved().filter(within(subdistrict))


def get_volunteer_for_user(user: User, pk) -> Volunteer:
    """Staff see volunteers of their regions; a volunteer sees their own profile."""
    own = Volunteer.objects.filter(pk=pk, user=user).first() if user.is_authenticated else None
    if own is not None:
        return own
    return get_visible_or_404(Volunteer.objects.all(), user, pk=pk)


def get_record_for_user(user: User, pk) -> ServiceRecord:
    own = ServiceRecord.objects.filter(pk=pk, volunteer__user=user).first() if user.is_authenticated else None
    if own is not None:
        return own
    return get_visible_or_404(ServiceRecord.objects.all(), user, pk=pk)


def get_organisation_for_user(user: User, pk) -> Organisation:
    return get_visible_or_404(Organisation.objects.select_related("unit"), user, pk=pk)


def is_staff(user: User) -> bool:
    return holds_role(user, *STAFF_ROLES)
