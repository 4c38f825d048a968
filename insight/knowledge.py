"""What Minhu knows about each category before any case is labelled. Pure Python.

A deployment starts with no history, and even after a few months a category may have only a dozen
dispatched cases. The category tree itself says a lot: each category's name ("物业与设施报修") and
description, the staff-edited keyword rules (insight.models.KeywordRule, shipped by migration
insight.0002), and the things of the problem lexicon that belong to it (insight/data/problems.txt:
污水管, 电梯 … → repair). ``keyword_lists`` merges these into one list of words per category; the
classifier (insight.textmodel) uses them as a feature block and as a prior that counts most while
history is short.

The labels of a file may be codes ("repair") or names ("物业与设施报修"); ``for_labels`` gives the
lists keyed by whatever labels the file uses.
"""

from __future__ import annotations

import functools
import importlib
from pathlib import Path

from . import problems
from .labelled import keyword_terms

WORDS = Path(__file__).resolve().parent / "data" / "category_words.txt"


@functools.cache
def shipped_words() -> dict[str, frozenset[str]]:
    """insight/data/category_words.txt: code → words residents use for it (a code may have several
    lines; their words add up)."""
    out: dict[str, set[str]] = {}
    if WORDS.exists():
        for line in WORDS.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                out.setdefault(parts[0], set()).update(w for w in parts[1:] if len(w) >= 2)
    return {code: frozenset(words) for code, words in out.items()}


def shipped_categories() -> list[tuple[str, str, str]]:
    """(code, name, description) of the shipped tree (cases migration 0002), leaves only."""
    tree = importlib.import_module("cases.migrations.0002_default_categories").DEFAULT_CATEGORIES
    parents = {parent for _c, _n, parent, _d, _o in tree if parent}
    return [(code, name, "") for code, name, _p, _d, _o in tree if code not in parents and code != "other"]


def shipped_keywords() -> dict[str, list[str]]:
    words = importlib.import_module("insight.migrations.0002_default_keywords").DEFAULT_KEYWORDS
    return {code: text.split() for code, text in words.items()}


def keyword_lists(
    categories: list[tuple[str, str, str]] | None = None, rules: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """Words per category code: name and description terms, keyword rules, problem-lexicon things."""
    categories = shipped_categories() if categories is None else categories
    rules = shipped_keywords() if rules is None else rules
    things: dict[str, set[str]] = {}
    for e in problems.entries():
        if e.kind == "物" and e.category:
            things.setdefault(e.category, set()).update(w for w in e.words if len(w) >= 2)
    out = {}
    for code, name, description in categories:
        words = set(keyword_terms(name)) | set(keyword_terms(description)) | set(rules.get(code, ()))
        words |= things.get(code, set()) | shipped_words().get(code, frozenset())
        words = {w for w in words if len(w) >= 2}
        if words:
            out[code] = sorted(words)
    return out


def for_labels(labels, categories=None, rules=None) -> dict[str, list[str]]:
    """``keyword_lists`` keyed by the labels a file uses: codes, or category names; a label that is
    neither gets the terms of its own name ("城乡建设" → 城乡建设, 城乡, 建设)."""
    categories = shipped_categories() if categories is None else categories
    lists = keyword_lists(categories, rules)
    code_of = {name: code for code, name, _d in categories}
    out = {}
    for label in set(labels):
        code = label if label in lists else code_of.get(label)
        if code in lists:
            out[label] = lists[code]
        else:
            terms = sorted(w for w in keyword_terms(label) if len(w) >= 2)
            if terms:
                out[label] = terms
    return out


def enrich(keywords: dict[str, list[str]]) -> dict[str, list[str]]:
    """Keyword lists with the shipped knowledge added to each label that is a shipped category code
    or name; other labels keep their lists unchanged."""
    lists = keyword_lists()
    code_of = {name: code for code, name, _d in shipped_categories()}
    return {
        label: sorted(set(words) | set(lists.get(label, lists.get(code_of.get(label, ""), ()))))
        for label, words in keywords.items()
    }
