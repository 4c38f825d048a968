"""Category suggestions. ``suggest_for_cases`` runs after cases are created (insight.apps hooks ``cases_created``
and ``post_save`` of Case and enqueues ``insight.tasks.suggest_cases`` on commit, one task per batch). It stores a
Suggestion (top 3 with confidence, the model version or "keyword rules", the unit the routing rules give for each)
and auto-dispatches only when ``may_auto_dispatch`` says so: the active model's confidence reaches the threshold
chosen on held-out data (``RoutingModel.threshold``), the case is still unsorted (category ``other``, status new) and
a routing rule with auto-dispatch gives the unit. Everything else waits for a person, who accepts a suggestion with
one click (``suggestion_accept``)."""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.actions.workflow import case_categorize, case_dispatch
from cases.errors import CaseError
from cases.models import Case, Category
from cases.permissions import can_dispatch
from cases.routing import find_routing_rule
from org.actors import Actor, user_of
from org.models import Region

from .. import textmodel
from ..models import RoutingModel, Suggestion
from .store import ACTIVE_TTL, InsightError, active_model, conf, keyword_lists, rule_cache

log = logging.getLogger(__name__)

UNSORTED = "other"


def doc_of(title: str, description: str) -> textmodel.Doc:
    return textmodel.Doc.of(title or "", description or "")


@dataclass
class Suggested:
    source: str
    model: RoutingModel | None
    top: list[dict]
    threshold: float | None

    @property
    def best(self) -> dict | None:
        return self.top[0] if self.top else None


def suggest_text(*, title: str, description: str, region: Region | None = None) -> Suggested:
    """Top 3 categories for a text (no writes): the active model, else the keyword rules. With a
    region, each carries the unit the routing rules give."""
    return suggest_texts([(title, description, region)])[0]


def suggest_texts(items: list[tuple]) -> list[Suggested]:
    """``suggest_text`` for many (title, description, region) at once: one pass of the model over
    all the texts and one query for the categories."""
    meta, model = active_model()
    docs = [doc_of(title, description) for title, description, _region in items]
    if model is not None and meta is not None:  # active_model gives both or neither
        ranked_all = model.top(docs, k=3)
        source, threshold = Suggestion.Source.MODEL, meta.threshold
    else:
        ranked_all = textmodel.KeywordRules(keyword_lists()).top(docs, k=3)
        source, threshold = Suggestion.Source.KEYWORDS, None
    cats = Category.objects.in_bulk({code for ranked in ranked_all for code, _c in ranked}, field_name="code")
    out = []
    for (_title, _description, region), ranked in zip(items, ranked_all, strict=True):
        top = []
        for code, confidence in ranked:
            cat = cats.get(code)
            if cat is None or not cat.is_active:
                continue
            item = {"code": code, "name": cat.name, "confidence": round(float(confidence), 4), "category_id": cat.pk}
            if region is not None:
                item.update(_rule_for(cat, region))
            top.append(item)
        out.append(Suggested(source=source, model=meta if model is not None else None, top=top, threshold=threshold))
    return out


def _rule_for(category: Category, region) -> dict:
    """The unit the routing rules give, as shown next to a suggestion; kept ACTIVE_TTL seconds per
    process (accepting a suggestion looks the rule up afresh, see ``_apply``)."""
    key = (category.pk, region.pk)
    hit = rule_cache.get(key)
    if hit is None or time.monotonic() - hit[0] > ACTIVE_TTL:
        rule = find_routing_rule(category, region)
        value = {
            "unit_id": rule.main_unit_id if rule else None,
            "unit": rule.main_unit.name if rule else "",
            "auto": bool(rule and rule.auto_dispatch),
        }
        if len(rule_cache) > 10_000:
            rule_cache.clear()
        hit = rule_cache[key] = (time.monotonic(), value)
    return dict(hit[1])


def may_auto_dispatch(case: Case, suggested: Suggested) -> bool:
    """The one rule for auto-dispatch. All must hold:

    - the active model suggested (keyword rules never auto-dispatch: no held-out data backs them);
    - that version has a threshold (held-out data showed ≥ target precision above it) and the best
      suggestion's confidence reaches it;
    - MINHU_INSIGHT_AUTO_DISPATCH is on;
    - the case is new and unsorted (category ``other``): a category a person chose is never changed;
    - a routing rule with auto-dispatch gives the suggested category's unit in the case's region.
    """
    best = suggested.best
    return bool(
        best
        and suggested.source == Suggestion.Source.MODEL
        and suggested.threshold is not None
        and best["confidence"] >= suggested.threshold
        and conf("MINHU_INSIGHT_AUTO_DISPATCH", True)
        and case.status == Case.Status.NEW
        and case.category.code == UNSORTED
        and best["code"] != UNSORTED
        and best.get("unit_id")
        and best.get("auto")
    )


def suggest_for_case(*, case: Case, by: Actor = None) -> Suggestion:
    """Suggest categories for a case and record it; auto-dispatch when ``may_auto_dispatch``."""
    return suggest_for_cases(cases=[case], by=by)[0]


@transaction.atomic
def suggest_for_cases(*, cases: list[Case], by: Actor = None) -> list[Suggestion]:
    """``suggest_for_case`` for a batch of new cases (one INSERT for the suggestions)."""
    suggested_all = suggest_texts([(case.title, case.description, case.region) for case in cases])
    suggestions = []
    for case, suggested in zip(cases, suggested_all, strict=True):
        best = suggested.best
        suggestions.append(
            Suggestion(
                case=case,
                source=suggested.source,
                model=suggested.model,
                top=suggested.top,
                category_id=best["category_id"] if best else None,
                confidence=best["confidence"] if best else 0.0,
                threshold=suggested.threshold,
            )
        )
    Suggestion.objects.bulk_create(suggestions)
    for case, suggested, suggestion in zip(cases, suggested_all, suggestions, strict=True):
        if may_auto_dispatch(case, suggested):
            _auto_dispatch(case, suggested, suggestion, by=by)
    return suggestions


def _auto_dispatch(case: Case, suggested: Suggested, suggestion: Suggestion, *, by) -> None:
    best, threshold = suggested.best, suggested.threshold
    if best is None or threshold is None:  # may_auto_dispatch made sure of both
        return
    category = Category.objects.get(pk=best["category_id"])
    note = _("分类模型 %(v)s 建议“%(cat)s”（置信度 %(c).0f%%，不低于自动派单阈值 %(t).0f%%），自动分类并派单。") % {
        "v": suggestion.version_label,
        "cat": category.name,
        "c": best["confidence"] * 100,
        "t": threshold * 100,
    }
    try:
        with transaction.atomic():
            _apply(case=case, category=category, by=by, note=note)
    except CaseError as exc:  # someone was faster: the suggestion stays a suggestion
        log.info("auto-dispatch of case %s skipped: %s", case.pk, exc)
    else:
        Suggestion.objects.filter(pk=suggestion.pk).update(
            auto_dispatched=True, accepted=True, final_category=category, decided_at=timezone.now()
        )
        suggestion.refresh_from_db()


def _apply(*, case: Case, category: Category, by, note: str) -> Case:
    """Set the category (if it differs) and dispatch to the unit the routing rules give."""
    if case.category_id != category.pk:
        case_categorize(case=case, category=category, by=by, note=note)
    if case.status == Case.Status.NEW:
        rule = find_routing_rule(category, case.region)
        if rule is not None:
            case_dispatch(case=case, unit=rule.main_unit, co_units=list(rule.co_units.all()), by=by, note=note)
    return case


def latest_suggestion(case: Case) -> Suggestion | None:
    return Suggestion.objects.filter(case=case).select_related("model").order_by("-created_at", "-id").first()


def latest_suggestions(case_ids) -> dict[int, Suggestion]:
    """The newest suggestion of each case, in two queries (for the dispatcher's inbox)."""
    ids = list(case_ids)
    if not ids:
        return {}
    newest = Suggestion.objects.filter(case_id__in=ids).values("case_id").annotate(m=Max("id")).values_list("m")
    return {s.case_id: s for s in Suggestion.objects.filter(id__in=newest).select_related("model")}


@transaction.atomic
def suggestion_accept(*, case: Case, code: str, by: Actor) -> Case:
    """One click: the case takes the chosen category and goes to the unit the routing rules give
    (the case stays in the inbox when no rule decides). Recorded on the suggestion as accepted (the
    best suggestion was taken) or as a correction (another one)."""
    if not can_dispatch(by, case):
        raise InsightError(_("您没有权限对这件诉求派单。"))
    if not case.is_open:
        raise InsightError(_("诉求已经结束，不能再改分类。"))
    try:
        category = Category.objects.get(code=code, is_active=True)
    except Category.DoesNotExist:
        raise InsightError(_("没有编码为“%(code)s”的诉求分类。") % {"code": code}) from None
    suggestion = latest_suggestion(case)
    note = _("采纳分类建议“%(cat)s”（%(v)s）。") % {
        "cat": category.name,
        "v": suggestion.version_label if suggestion else _("人工"),
    }
    _apply(case=case, category=category, by=by, note=note)
    if suggestion is not None:
        Suggestion.objects.filter(pk=suggestion.pk).update(
            accepted=suggestion.category_id == category.pk,
            final_category=category,
            decided_at=timezone.now(),
            decided_by=user_of(by),
        )
    record(actor=by, action="insight.suggestion.accept", obj=case, region=case.region, detail={"category": code})
    return case


def feedback_sweep() -> int:
    """Suggestions whose case has since been dispatched learn the final category: accepted when it
    is the suggested one, a correction otherwise. Returns how many were settled."""
    pending = (
        Suggestion.objects.filter(accepted__isnull=True, case__dispatched_at__isnull=False)
        .exclude(case__status__in=[Case.Status.NEW, Case.Status.CANCELLED])
        .select_related("case")
    )
    settled = 0
    for s in pending.iterator(chunk_size=1000):
        Suggestion.objects.filter(pk=s.pk, accepted__isnull=True).update(
            accepted=s.category_id == s.case.category_id,
            final_category_id=s.case.category_id,
            decided_at=s.case.dispatched_at,
        )
        settled += 1
    return settled


def acceptance_figures(days: int = 30) -> dict:
    """How the suggestions of the last ``days`` fared (shown on the insight page)."""
    since = timezone.now() - datetime.timedelta(days=days)
    qs = Suggestion.objects.filter(created_at__gte=since)
    decided = qs.filter(accepted__isnull=False)
    n, ok = decided.count(), decided.filter(accepted=True).count()
    auto = qs.filter(auto_dispatched=True)
    auto_n = auto.count()
    auto_ok = auto.filter(final_category=F("category")).count() if auto_n else 0
    return {
        "suggested": qs.count(),
        "decided": n,
        "accepted": ok,
        "accepted_rate": ok / n if n else None,
        "auto": auto_n,
        "auto_correct_rate": auto_ok / auto_n if auto_n else None,
    }
