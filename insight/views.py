"""Staff pages of insight: the model page (versions, figures, retrain button), keyword rules, the
suggestion and "possibly the same issue" panels on cases and on intake, hot spots. Every case goes
through cases.selectors.get_case_for_user; every change through insight.actions or cases.actions."""

import datetime

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.errors import CaseError
from cases.models import Case, Category
from cases.permissions import can_dispatch
from cases.selectors import get_case_for_user
from lib import dates
from org.access import role_required
from org.models import STAFF_ROLES, Role
from org.scoping import visible_regions

from .actions import hotspots, similar, store, suggestions, training
from .models import HotSpot, KeywordRule, RoutingModel, split_keywords
from .tasks import train_routing_model

MANAGE_ROLES = (Role.STAFF, Role.ADMIN)
HOTSPOT_ROLES = (*STAFF_ROLES, Role.LEADER)


def _back(request, default):
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect(default)


@role_required(*STAFF_ROLES)
def index(request):
    """The model: which version suggests, its held-out figures and threshold, all versions."""
    active = RoutingModel.objects.defer("blob").filter(is_active=True).first()
    versions = RoutingModel.objects.defer("blob").select_related("trained_by")[:20]
    dispatched = training.training_cases().count()
    return render(
        request,
        "insight/index.html",
        {
            "active": active,
            "versions": versions,
            "dispatched": dispatched,
            "min_cases": store.conf("MINHU_INSIGHT_MIN_CASES", 200),
            "target": store.conf("MINHU_INSIGHT_TARGET_PRECISION", 0.97),
            "figures": suggestions.acceptance_figures(),
            "rules": KeywordRule.objects.filter(is_active=True).count(),
            "may_manage": request.user.is_superuser or request.user.has_role(*MANAGE_ROLES),
        },
    )


@role_required(*MANAGE_ROLES)
@require_POST
def train(request):
    """Retrain now (in the task queue); the page shows the new version when it is done."""
    user_id = request.user.pk
    transaction.on_commit(lambda: train_routing_model(user_id))
    messages.success(request, _("已开始训练新版本，通常一分钟内完成，请稍后刷新本页。"))
    return redirect("insight:index")


@role_required(*MANAGE_ROLES)
@require_POST
def activate(request, pk):
    model = get_object_or_404(RoutingModel.objects.defer("blob"), pk=pk)
    store.model_activate(model=model, by=request.user)
    messages.success(request, _("已切换到模型 v%(v)s。") % {"v": model.version})
    return redirect("insight:index")


@role_required(*MANAGE_ROLES)
def keywords(request):
    """Keyword rules, one text box per category (the cold-start suggester and a model feature)."""
    categories = list(Category.objects.filter(is_active=True, children__isnull=True).order_by("sort_order", "code"))
    rules = {r.category_id: r for r in KeywordRule.objects.all()}
    if request.method == "POST":
        changed = 0
        for cat in categories:
            text = (request.POST.get(f"kw-{cat.pk}") or "").strip()
            old = rules.get(cat.pk)
            if (old.keywords if old else "") != " ".join(split_keywords(text)):
                store.keyword_rule_save(category=cat, keywords=text, by=request.user, is_active=bool(text))
                changed += 1
        messages.success(request, _("已保存 %(n)d 个分类的关键词。") % {"n": changed})
        return redirect("insight:keywords")
    rows = [(cat, rules[cat.pk].keywords if cat.pk in rules else "") for cat in categories]
    return render(request, "insight/keywords.html", {"rows": rows})


def _panel_context(request, case):
    suggestion = suggestions.latest_suggestion(case)
    live = None
    if suggestion is None and case.is_open:
        live = suggestions.suggest_text(title=case.title, description=case.description, region=case.region)
    may = can_dispatch(request.user, case) and case.is_open
    return {
        "case": case,
        "suggestion": suggestion,
        "live": live,
        "top": suggestion.top if suggestion else (live.top if live else []),
        "similar": similar.similar_to_case(case, user=request.user) if case.is_open else [],
        "may_dispatch": may,
        "next": reverse("cases:detail", args=[case.pk]),
    }


@role_required(*STAFF_ROLES, Role.PARTNER)
def case_panel(request, pk):
    """On the case page (loaded by htmx): category suggestions and possibly the same issue."""
    case = get_case_for_user(request.user, pk)
    return render(request, "insight/_case_panel.html", _panel_context(request, case))


@role_required(*STAFF_ROLES)
@require_POST
def accept(request, pk):
    case = get_case_for_user(request.user, pk)
    try:
        suggestions.suggestion_accept(case=case, code=request.POST.get("code", ""), by=request.user)
    except CaseError as exc:
        messages.error(request, exc.messages[0])
    else:
        case = get_case_for_user(request.user, pk)
        if case.main_unit_id:
            messages.success(
                request,
                _("已按“%(cat)s”派给%(unit)s。") % {"cat": case.category.name, "unit": case.main_unit.name},
            )
        else:
            text = _("已改为“%(cat)s”，派单规则未指定单位，请手动派单。") % {"cat": case.category.name}
            messages.success(request, text)
    return _back(request, reverse("cases:detail", args=[pk]))


@role_required(*STAFF_ROLES)
@require_POST
def merge(request, pk):
    """One click from "possibly the same issue": the newer of the two joins the older (合并)."""
    case = get_case_for_user(request.user, pk)
    other_pk = request.POST.get("other", "")
    if not other_pk.isdigit():
        raise Http404
    other = get_case_for_user(request.user, int(other_pk))
    try:
        merged = similar.merge_into(case=case, into=other, by=request.user)
    except CaseError as exc:
        messages.error(request, exc.messages[0])
        return redirect("cases:detail", pk=pk)
    messages.success(request, _("已将 %(a)s 合并到 %(b)s。") % {"a": merged.number, "b": merged.merged_into.number})
    return redirect("cases:detail", pk=merged.merged_into_id)


@role_required(*STAFF_ROLES)
def intake_hints(request):
    """While a need is typed in: category suggestions (a click picks one) and open cases that may
    be the same issue."""
    title = (request.GET.get("title") or "").strip()
    description = (request.GET.get("description") or "").strip()
    region = None
    region_id = request.GET.get("region", "")
    if region_id.isdigit():
        region = visible_regions(request.user).filter(pk=int(region_id)).first()
    if len(title + description) < 4:
        return render(request, "insight/_intake_hints.html", {"empty": True})
    suggested = suggestions.suggest_text(title=title, description=description, region=region)
    alike = []
    if region is not None:
        need = similar.need_from(
            title=title,
            description=description,
            location_text=request.GET.get("location_text", ""),
            region_id=region.pk,
        )
        alike = similar.similar_cases(need=need, region=region, user=request.user)
    return render(request, "insight/_intake_hints.html", {"suggested": suggested, "similar": alike})


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@role_required(*HOTSPOT_ROLES)
def weekly(request):
    """周报: the hot spots of one week (Monday to Sunday), hottest first, each with its cases."""
    today = timezone.localdate()
    week = _monday(dates.parse_date(request.GET.get("week", ""), default=today))
    end = timezone.make_aware(datetime.datetime.combine(week + datetime.timedelta(days=7), datetime.time.min))
    now = min(end, timezone.now())
    regions = {r.pk for r in visible_regions(request.user, roles=HOTSPOT_ROLES)}
    clusters = [c for c in hotspots.detect_hotspots(now=now, days=7) if c.region.pk in regions]
    visible = set(Case.objects.visible_to(request.user).values_list("pk", flat=True)) if clusters else set()
    rows = [
        {"c": c, "cases": [x for x in sorted(c.cases, key=lambda x: x.created_at) if x.pk in visible]} for c in clusters
    ]
    return render(
        request,
        "insight/weekly.html",
        {
            "rows": rows,
            "week": week,
            "week_end": week + datetime.timedelta(days=6),
            "prev": week - datetime.timedelta(days=7),
            "next": week + datetime.timedelta(days=7) if week < _monday(today) else None,
            "total": sum(c.count for c in clusters),
        },
    )


@role_required(*HOTSPOT_ROLES)
def hotspot(request, pk):
    spot = get_object_or_404(HotSpot.objects.visible_to(request.user).select_related("region", "category"), pk=pk)
    cases = list(
        Case.objects.visible_to(request.user)
        .filter(pk__in=spot.cases.values("pk"))
        .select_related("category", "region", "main_unit")
        .order_by("created_at")
    )
    return render(request, "insight/hotspot.html", {"spot": spot, "cases": cases, "now": timezone.now()})
