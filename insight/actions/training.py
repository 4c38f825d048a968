"""Training: a new routing-model version from the deployment's own dispatched cases (text → the category the case
had after dispatch: staff corrections included) once there are ``MINHU_INSIGHT_MIN_CASES``; before that the keyword
rules suggest. Each run is a new RoutingModel version and becomes the active one."""

from __future__ import annotations

import time

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from cases.models import Case
from org.actors import Actor, user_of

from .. import textmodel
from ..models import RoutingModel
from .store import InsightError, conf, dumps, forget_active, keyword_lists
from .suggestions import doc_of, feedback_sweep


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


def routing_train(*, by: Actor = None, min_cases: int | None = None) -> RoutingModel:
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
            trained_by=user_of(by),
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
