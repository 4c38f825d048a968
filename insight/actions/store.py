"""The model store: which routing-model version suggests now, the model itself and the keyword rules, as each
process holds them (checked against the database at most every ACTIVE_TTL seconds), and the writes that change
them — switching versions and editing keyword rules. Training a new version is ``training``."""

from __future__ import annotations

import io
import pickle
import threading
import time

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from cases.errors import CaseError
from cases.models import Category
from org.actors import Actor, user_of

from .. import textmodel
from ..models import KeywordRule, RoutingModel, split_keywords


def conf(name: str, default):
    return getattr(settings, name, default)


class InsightError(CaseError):
    """A request insight refuses, with a message for the person who asked."""


# What a process remembers between requests; ``forget_active`` empties all of it.
_cache_lock = threading.Lock()
_loaded: dict[int, textmodel.TextClassifier] = {}
_active: dict = {"checked": -1e9, "meta": None}
_keywords: dict = {"at": -1e9, "lists": {}}
#: (category pk, region pk) → (when, the unit the routing rules give), for ``suggestions``
rule_cache: dict = {}
#: case pk → (key, Need, bag) of cases already compared, for ``similar``: title and description never change
need_cache: dict = {}
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
    rule_cache.clear()
    need_cache.clear()


def keyword_lists(*, fresh: bool = False) -> dict[str, list[str]]:
    """Active keyword rules by category code (kept for ACTIVE_TTL seconds per process)."""
    now = time.monotonic()
    if fresh or now - _keywords["at"] > ACTIVE_TTL:
        rules = KeywordRule.objects.filter(is_active=True, category__is_active=True).select_related("category")
        _keywords.update(at=now, lists={r.category.code: r.words for r in rules if r.words})
    return _keywords["lists"]


@transaction.atomic
def model_activate(*, model: RoutingModel, by: Actor) -> RoutingModel:
    """Switch suggestions to another recorded version (e.g. back to the previous one)."""
    RoutingModel.objects.filter(is_active=True).exclude(pk=model.pk).update(is_active=False)
    RoutingModel.objects.filter(pk=model.pk).update(is_active=True)
    model.is_active = True
    record(actor=by, action="insight.model.activate", obj=model, detail={"version": model.version})
    transaction.on_commit(forget_active)
    return model


@transaction.atomic
def keyword_rule_save(*, category: Category, keywords: str, by: Actor, is_active: bool = True) -> KeywordRule:
    words = split_keywords(keywords)
    rule, _created = KeywordRule.objects.update_or_create(
        category=category,
        defaults={
            "keywords": " ".join(words),
            "is_active": is_active,
            "updated_by": user_of(by),
        },
    )
    record(actor=by, action="insight.keywords.save", obj=rule, detail={"category": category.code, "n": len(words)})
    transaction.on_commit(forget_active)
    return rule
