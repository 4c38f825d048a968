"""Reads of the renovation app: the access helpers for its objects and the progress figures.

Who sees what: the renovation office (staff/admin memberships whose region contains the project's region) opens
certificates and their finances; a leader sees progress aggregates only; anyone else gets 404.
"""

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from org.models import Membership, User
from org.scoping import get_visible_or_404

from .models import OFFICE_ROLES, PROGRESS_ROLES, Certificate, RenewalProject


# Access helpers ---------------------------------------------------------------------------------------------------
def get_project_for_office(user, pk) -> RenewalProject:
    return get_visible_or_404(RenewalProject.objects.select_related("region"), user, pk=pk)


def get_project_for_progress(user, pk) -> RenewalProject:
    """Office and leaders (aggregates only)."""
    try:
        return RenewalProject.objects.select_related("region").visible_to(user, roles=PROGRESS_ROLES).get(pk=pk)
    except RenewalProject.DoesNotExist:
        raise Http404 from None


def get_certificate_for_user(user, pk) -> Certificate:
    queryset = Certificate.objects.select_related("project__region", "plot", "owner", "signed_plan")
    return get_visible_or_404(queryset, user, pk=pk)


def is_office(user: User, project: RenewalProject) -> bool:
    """An office membership on the project's region or above it; one query (the region's path lists its
    ancestors' paths as prefixes)."""
    if user.is_superuser:
        return True
    parts = [p for p in project.region.path.split(".") if p]
    prefixes = [".".join(parts[: i + 1]) + "." for i in range(len(parts))]
    return Membership.objects.filter(user=user, role__in=list(OFFICE_ROLES), region__path__in=prefixes).exists()


def office_members(project: RenewalProject) -> QuerySet[User]:
    """People who may be put in charge of a holdout: the office for this project."""
    paths = [r.path for r in project.region.ancestors()]
    ids = Membership.objects.filter(role__in=list(OFFICE_ROLES), region__path__in=paths).values("user_id")
    return User.objects.filter(pk__in=ids).order_by("display_name")


# Progress -----------------------------------------------------------------------------------------------------------
def ratio(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP) if whole else Decimal("0")


def progress(project: RenewalProject) -> dict:
    """Live counts and ratios per plot and overall, and the unit certificates, in one grouped query."""
    counted = Q() if project.count_unit_certificates else Q(holder_kind=Certificate.HolderKind.RESIDENT)
    rows = (
        Certificate.objects.filter(project=project)
        .values("plot_id", "plot__name")
        .annotate(
            total=Count("id", filter=counted),
            voted=Count("id", filter=counted & ~Q(round1_vote="")),
            agreed=Count("id", filter=counted & Q(round1_vote=Certificate.Vote.YES)),
            signed=Count("id", filter=counted & Q(signed_at__isnull=False)),
            cash=Count("id", filter=counted & Q(choice=Certificate.Choice.CASH)),
            moved=Count("id", filter=counted & Q(moved_at__isnull=False)),
            handed=Count("id", filter=counted & Q(handed_over_at__isnull=False)),
            units=Count("id", filter=Q(holder_kind=Certificate.HolderKind.UNIT)),
        )
        .order_by("plot__name")
    )
    keys = ("total", "voted", "agreed", "signed", "cash", "moved", "handed")
    plots: list[dict[str, Any]] = []
    overall: dict[str, Any] = dict.fromkeys(keys, 0)
    units = 0
    for row in rows:
        units += row["units"]
        if not row["total"]:
            continue  # a sub-plot of unit certificates only, when they do not count
        entry: dict[str, Any] = {k: row[k] for k in keys}  # type: ignore[literal-required]  # keys of the row
        entry["name"] = row["plot__name"] or _("未分子地块")
        entry["round1_ratio"] = ratio(row["agreed"], row["total"])
        entry["round2_ratio"] = ratio(row["signed"], row["total"])
        plots.append(entry)
        for k in keys:
            overall[k] += row[k]  # type: ignore[literal-required]
    overall["name"] = _("全地块")
    overall["round1_ratio"] = ratio(overall["agreed"], overall["total"])
    overall["round2_ratio"] = ratio(overall["signed"], overall["total"])
    overall["round1_met"] = overall["round1_ratio"] >= project.round1_threshold
    overall["round2_met"] = overall["round2_ratio"] >= project.round2_threshold
    # how many more signatures reach the threshold
    needed = math.ceil(project.round2_threshold * overall["total"]) if overall["total"] else 0
    overall["signatures_needed"] = max(0, needed - overall["signed"])
    now = timezone.now()
    remaining = project.signing_end - now if project.signing_end and project.signing_end > now else None
    return {"plots": plots, "overall": overall, "remaining": remaining, "unit_certificates": units}


def not_signed(project: RenewalProject) -> QuerySet[Certificate]:
    return (
        Certificate.objects.counted(project)
        .filter(signed_at__isnull=True)
        .select_related("plot", "owner")
        .only(
            "id",
            "number",
            "address",
            "holder_name",
            "not_signed_reason",
            "reason_note",
            "plot__name",
            "owner__display_name",
            "owner__username",
        )
        .order_by("not_signed_reason", "number")
    )


def not_signed_reasons(project: RenewalProject) -> list[dict]:
    """[{"code", "label", "count"}] of the holdouts by reason (no reason recorded: code "none")."""
    labels = dict(Certificate.Reason.choices)
    rows = (
        Certificate.objects.counted(project)
        .filter(signed_at__isnull=True)
        .values("not_signed_reason")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [
        {
            "code": r["not_signed_reason"] or "none",
            "label": labels.get(r["not_signed_reason"], _("未登记原因")),
            "count": r["n"],
        }
        for r in rows
    ]
