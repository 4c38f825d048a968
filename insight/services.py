"""Every write of insight, and the reads the pages share (docs/architecture.md, "Writes").

Category suggestions
    ``suggest_for_case`` runs after a case is created (insight.apps hooks ``cases_created`` and
    ``post_save`` of Case and enqueues ``insight.tasks.suggest_cases`` on commit, one task per
    batch). It stores a Suggestion (top 3 with
    confidence, the model version or "keyword rules", the unit the routing rules give for each) and
    auto-dispatches only when the active model's confidence reaches the threshold chosen on held-out
    data (``RoutingModel.threshold``), the case is still unsorted (category ``other``, status new) and
    a routing rule with auto-dispatch gives the unit. Everything else waits for a person, who
    accepts a suggestion with one click (``suggestion_accept``).
Training
    ``routing_train`` trains on the deployment's own dispatched cases (text → the category the case
    had after dispatch: staff corrections included) once there are ``MINHU_INSIGHT_MIN_CASES``;
    before that the keyword rules suggest. Each run is a new RoutingModel version.
Similar cases and hot spots
    ``similar_cases`` and ``hotspots_refresh`` (insight.similarity decides what is alike).
"""

from __future__ import annotations

import datetime
import io
import logging
import pickle
import threading
import time
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases import services as case_services
from cases.models import Case, Category

from . import similarity, textmodel
from .models import HotSpot, KeywordRule, RoutingModel, Suggestion, split_keywords

log = logging.getLogger(__name__)

UNSORTED = "other"


def conf(name: str, default):
    return getattr(settings, name, default)


class InsightError(case_services.CaseError):
    """A request insight refuses, with a message for the person who asked."""


# ----------------------------------------------------------------------------------------------
# the model in memory
# ----------------------------------------------------------------------------------------------
_cache_lock = threading.Lock()
_loaded: dict[int, textmodel.TextClassifier] = {}
_active: dict = {"checked": -1e9, "meta": None}
#: seconds an app server trusts its idea of the active version before asking the database again
ACTIVE_TTL = 30.0


def dumps(model: textmodel.TextClassifier) -> bytes:
    buf = io.BytesIO()
    pickle.dump(model, buf, protocol=pickle.HIGHEST_PROTOCOL)
    return buf.getvalue()


def _load(meta: RoutingModel) -> textmodel.TextClassifier:
    with _cache_lock:
        model = _loaded.get(meta.pk)
        if model is None:
            blob = bytes(RoutingModel.objects.values_list("blob", flat=True).get(pk=meta.pk))
            if RoutingModel.digest(blob) != meta.sha256:
                raise InsightError(_("分类模型 v%(v)s 校验失败，请重新训练。") % {"v": meta.version})
            model = pickle.loads(blob)  # our own bytes, checked against the recorded hash
            _loaded.clear()
            _loaded[meta.pk] = model
        return model


def active_model() -> tuple[RoutingModel | None, textmodel.TextClassifier | None]:
    """The version that suggests now (None before there is one) and the model itself. Each process
    asks the database at most every ACTIVE_TTL seconds; a version trained elsewhere takes over
    within that time."""
    if time.monotonic() - _active["checked"] > ACTIVE_TTL:
        meta = RoutingModel.objects.defer("blob").filter(is_active=True).first()
        _active.update(checked=time.monotonic(), meta=meta)
    meta = _active["meta"]
    if meta is None:
        return None, None
    try:
        return meta, _load(meta)
    except RoutingModel.DoesNotExist:  # deleted since: ask again
        forget_active()
        meta = RoutingModel.objects.defer("blob").filter(is_active=True).first()
        _active.update(checked=time.monotonic(), meta=meta)
        return (meta, _load(meta)) if meta is not None else (None, None)


def forget_active() -> None:
    """Make the next suggestion ask the database which version is active and which keywords hold
    (after training, switching versions or editing keywords)."""
    _active.update(checked=-1e9, meta=None)
    _keywords.update(at=-1e9)
    _rules.clear()
    _needs.clear()


# ----------------------------------------------------------------------------------------------
# suggestions
# ----------------------------------------------------------------------------------------------
_keywords: dict = {"at": -1e9, "lists": {}}


def keyword_lists(*, fresh: bool = False) -> dict[str, list[str]]:
    """Active keyword rules by category code (kept for ACTIVE_TTL seconds per process)."""
    now = time.monotonic()
    if fresh or now - _keywords["at"] > ACTIVE_TTL:
        rules = KeywordRule.objects.filter(is_active=True, category__is_active=True).select_related("category")
        _keywords.update(at=now, lists={r.category.code: r.words for r in rules if r.words})
    return _keywords["lists"]


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


def suggest_text(*, title: str, description: str, region=None) -> Suggested:
    """Top 3 categories for a text (no writes): the active model, else the keyword rules. With a
    region, each carries the unit the routing rules give."""
    return suggest_texts([(title, description, region)])[0]


def suggest_texts(items: list[tuple]) -> list[Suggested]:
    """``suggest_text`` for many (title, description, region) at once: one pass of the model over
    all the texts and one query for the categories."""
    meta, model = active_model()
    docs = [doc_of(title, description) for title, description, _region in items]
    if model is not None:
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


_rules: dict = {}


def _rule_for(category: Category, region) -> dict:
    """The unit the routing rules give, as shown next to a suggestion; kept ACTIVE_TTL seconds per
    process (accepting a suggestion looks the rule up afresh, see ``_apply``)."""
    key = (category.pk, region.pk)
    hit = _rules.get(key)
    if hit is None or time.monotonic() - hit[0] > ACTIVE_TTL:
        rule = case_services.find_routing_rule(category, region)
        value = {
            "unit_id": rule.main_unit_id if rule else None,
            "unit": rule.main_unit.name if rule else "",
            "auto": bool(rule and rule.auto_dispatch),
        }
        if len(_rules) > 10_000:
            _rules.clear()
        hit = _rules[key] = (time.monotonic(), value)
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


def suggest_for_case(*, case: Case, by=None) -> Suggestion:
    """Suggest categories for a case and record it; auto-dispatch when ``may_auto_dispatch``."""
    return suggest_for_cases(cases=[case], by=by)[0]


@transaction.atomic
def suggest_for_cases(*, cases: list[Case], by=None) -> list[Suggestion]:
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
    best = suggested.best
    category = Category.objects.get(pk=best["category_id"])
    note = _("分类模型 %(v)s 建议“%(cat)s”（置信度 %(c).0f%%，不低于自动派单阈值 %(t).0f%%），自动分类并派单。") % {
        "v": suggestion.version_label,
        "cat": category.name,
        "c": best["confidence"] * 100,
        "t": suggested.threshold * 100,
    }
    try:
        with transaction.atomic():
            _apply(case=case, category=category, by=by, note=note)
    except case_services.CaseError as exc:  # someone was faster: the suggestion stays a suggestion
        log.info("auto-dispatch of case %s skipped: %s", case.pk, exc)
    else:
        Suggestion.objects.filter(pk=suggestion.pk).update(
            auto_dispatched=True, accepted=True, final_category=category, decided_at=timezone.now()
        )
        suggestion.refresh_from_db()


def _apply(*, case: Case, category: Category, by, note: str) -> Case:
    """Set the category (if it differs) and dispatch to the unit the routing rules give."""
    if case.category_id != category.pk:
        case_services.case_categorize(case=case, category=category, by=by, note=note)
    if case.status == Case.Status.NEW:
        rule = case_services.find_routing_rule(category, case.region)
        if rule is not None:
            case_services.case_dispatch(
                case=case, unit=rule.main_unit, co_units=list(rule.co_units.all()), by=by, note=note
            )
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
def suggestion_accept(*, case: Case, code: str, by) -> Case:
    """One click: the case takes the chosen category and goes to the unit the routing rules give
    (the case stays in the inbox when no rule decides). Recorded on the suggestion as accepted (the
    best suggestion was taken) or as a correction (another one)."""
    if not case_services.can_dispatch(by, case):
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
            decided_by=by if getattr(by, "is_authenticated", False) else None,
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


# ----------------------------------------------------------------------------------------------
# training
# ----------------------------------------------------------------------------------------------
def training_cases():
    """Cases that reached a unit, labelled with the category they have now (after any correction).
    Cancelled cases and cases still waiting are left out."""
    return (
        Case.objects.filter(dispatched_at__isnull=False)
        .exclude(status__in=[Case.Status.NEW, Case.Status.CANCELLED])
        .order_by("-created_at")
    )


def training_data(limit: int | None = None) -> tuple[list[textmodel.Doc], list[str]]:
    limit = limit or conf("MINHU_INSIGHT_MAX_TRAIN", 200_000)
    rows = training_cases().values_list("title", "description", "category__code")[:limit]
    docs, labels = [], []
    for title, description, code in rows.iterator(chunk_size=5000):
        docs.append(doc_of(title, description))
        labels.append(code)
    return docs, labels


class NotEnoughCases(InsightError):
    pass


def routing_train(*, by=None, min_cases: int | None = None) -> RoutingModel:
    """Train a new version on the deployment's own cases and make it active.

    Raises NotEnoughCases below ``MINHU_INSIGHT_MIN_CASES`` (the keyword rules go on suggesting).
    The fitting happens outside any transaction; only the new row is written in one.
    """
    feedback_sweep()
    min_cases = conf("MINHU_INSIGHT_MIN_CASES", 200) if min_cases is None else min_cases
    docs, labels = training_data()
    if len(docs) < min_cases or len(set(labels)) < 2:
        raise NotEnoughCases(
            _("已派单的诉求只有 %(n)d 件（需要至少 %(m)d 件、两个以上分类），暂由关键词规则提供建议。")
            % {"n": len(docs), "m": min_cases}
        )
    target = conf("MINHU_INSIGHT_TARGET_PRECISION", 0.97)
    keywords = keyword_lists(fresh=True)
    started = time.perf_counter()
    trained = textmodel.train_routing(
        docs, labels, make=lambda: textmodel.TextClassifier(keywords=keywords), target=target
    )
    seconds = time.perf_counter() - started
    blob = dumps(trained.model)
    held = trained.heldout
    with transaction.atomic():
        version = (RoutingModel.objects.select_for_update().aggregate(m=Max("version"))["m"] or 0) + 1
        RoutingModel.objects.filter(is_active=True).update(is_active=False)
        row = RoutingModel.objects.create(
            version=version,
            trained_at=timezone.now(),
            trained_by=by if getattr(by, "is_authenticated", False) else None,
            n_cases=len(docs),
            n_classes=len(set(labels)),
            labels=sorted(set(labels)),
            n_heldout=len(held.y_true) if held else 0,
            accuracy=held.accuracy if held else None,
            macro_f1=held.macro_f1 if held else None,
            top3=held.top3 if held else None,
            threshold=trained.threshold,
            threshold_precision=trained.threshold_precision,
            threshold_coverage=trained.threshold_coverage,
            target_precision=target,
            seconds=seconds,
            blob=blob,
            sha256=RoutingModel.digest(blob),
            size=len(blob),
            is_active=True,
        )
        record(
            actor=by,
            action="insight.model.train",
            obj=row,
            detail={"version": version, "cases": len(docs), "accuracy": row.accuracy, "threshold": row.threshold},
        )
    forget_active()
    return row


@transaction.atomic
def model_activate(*, model: RoutingModel, by) -> RoutingModel:
    """Switch suggestions to another recorded version (e.g. back to the previous one)."""
    RoutingModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    RoutingModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    record(actor=by, action="insight.model.activate", obj=model, detail={"version": model.version})
    transaction.on_commit(forget_active)
    return model


@transaction.atomic
def keyword_rule_save(*, category: Category, keywords: str, by, is_active: bool = True) -> KeywordRule:
    words = split_keywords(keywords)
    rule, _created = KeywordRule.objects.update_or_create(
        category=category,
        defaults={
            "keywords": " ".join(words),
            "is_active": is_active,
            "updated_by": by if getattr(by, "is_authenticated", False) else None,
        },
    )
    record(actor=by, action="insight.keywords.save", obj=rule, detail={"category": category.code, "n": len(words)})
    transaction.on_commit(forget_active)
    return rule


# ----------------------------------------------------------------------------------------------
# similar cases
# ----------------------------------------------------------------------------------------------
def need_of(case: Case) -> similarity.Need:
    return similarity.Need.of(
        title=case.title,
        description=case.description,
        location_text=case.location_text,
        address=case.address,
        region_id=case.region_id,
        category=case.category.code if case.category_id else "",
    )


def _neighbourhood(region):
    from org.models import Region

    if region.kind == Region.Kind.GRID and region.parent_id:
        return region.parent
    return region


def similar_candidates(*, region, around=None, exclude_pk=None, days=None):
    """Open cases, and cases closed within the window, of the same neighbourhood created within
    ``days`` (MINHU_INSIGHT_SIMILAR_DAYS) of ``around``."""
    days = conf("MINHU_INSIGHT_SIMILAR_DAYS", 30) if days is None else days
    around = around or timezone.now()
    start, end = around - datetime.timedelta(days=days), around + datetime.timedelta(days=days)
    area = _neighbourhood(region)
    qs = (
        Case.objects.filter(region_path__startswith=area.path, created_at__gte=start, created_at__lte=end)
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
#: pk → (Need, bag) of cases already compared in this process: title and description never change
_needs: dict = {}


def _need_and_bag(case: Case):
    key = (case.title, case.location_text, case.address_id, case.category_id)
    hit = _needs.get(case.pk)
    if hit is None or hit[0] != key:
        need = need_of(case)
        hit = (key, need, similarity.bag(need.text))
        if len(_needs) > 50_000:
            _needs.clear()
        _needs[case.pk] = hit
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
    return case_services.case_merge(
        case=case, into=into, by=by, note=_("与 %(n)s 为同一问题（相似诉求提示），合并办理。") % {"n": into.number}
    )


# ----------------------------------------------------------------------------------------------
# hot spots
# ----------------------------------------------------------------------------------------------
URGENCY_WEIGHT = {"low": 0.0, "normal": 0.0, "high": 1.0, "critical": 1.0}
#: text similarity that links two cases of one place into one cluster
LINK_TEXT = 0.30


@dataclass
class Cluster:
    region: object
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
    import logging as _logging

    import jieba

    jieba.setLogLevel(_logging.WARNING)
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


def _place_key(case: Case, need: similarity.Need) -> str:
    return need.place.lane_key or need.place.road or ""


def _common_region(cases):
    paths = [c.region_path for c in cases]
    regions = {c.region_id: c.region for c in cases}
    for c in sorted(cases, key=lambda c: -len(c.region_path)):
        if all(p.startswith(c.region_path) for p in paths):
            return regions[c.region_id]
    # different grids: their neighbourhood
    first = cases[0].region
    return _neighbourhood(first)


def detect_hotspots(*, now=None, days: int | None = None, min_count: int | None = None, region=None) -> list[Cluster]:
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
        qs = qs.filter(region_path__startswith=region.path)
    qs = qs.select_related("region", "address", "category").only(
        "id", "number", "title", "description", "location_text", "region", "region_path", "address",
        "category", "urgency", "resident_id", "reporter_phone_hash", "created_at", "status",
    )  # fmt: skip
    groups: dict[tuple, dict[str, list]] = {}
    for case in qs.iterator(chunk_size=2000):
        need = need_of(case)
        area = _neighbourhood(case.region)
        key = (area.pk, _place_key(case, need) or f"region:{case.region_id}")
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
def hotspots_refresh(*, now=None, days: int | None = None) -> int:
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
