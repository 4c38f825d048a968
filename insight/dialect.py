"""Shanghainese and hotline phrasing made plain before matching and classifying. Pure Python.

"伊屋里厢马桶堵牢了，交关臭" and "他家里马桶堵了，很臭" are one complaint; so are "来电人反映…现诉求…"
and "居民反映…希望…". The rules are a data file, ``insight/data/dialect.txt`` (words as said ⇒ plain
word), that staff may edit; ``normalise`` applies them in one pass, longest words first, so "伊拉"
becomes 他们 and not 他拉. Places are read before this (insight.address), so a road such as 伊宁路
keeps its name.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

LEXICON = Path(__file__).resolve().parent / "data" / "dialect.txt"
_RULE = re.compile(r"\s*=>\s*|\t+")


def parse(text: str) -> dict[str, str]:
    """Rules from the lexicon's text: one "said => plain" (or tab-separated) a line, # for comments."""
    rules = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = _RULE.split(line, maxsplit=1)
        said = parts[0].strip()
        if said:
            rules[said] = parts[1].strip() if len(parts) > 1 else ""
    return rules


@functools.cache
def rules() -> dict[str, str]:
    return parse(LEXICON.read_text(encoding="utf-8")) if LEXICON.exists() else {}


@functools.cache
def _pattern() -> re.Pattern | None:
    words = sorted(rules(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def normalise(text: str) -> str:
    """The text with every lexicon word replaced by its plain word."""
    pattern = _pattern()
    if pattern is None or not text:
        return text or ""
    table = rules()
    return pattern.sub(lambda m: table[m.group(0)], text)


def reload() -> None:
    """Read the lexicon file again (after staff edited it)."""
    rules.cache_clear()
    _pattern.cache_clear()
