"""Chinese full-text search without a search engine (see docs/decisions.md, "诉求全文检索").

Each case keeps ``search_tokens``: the CJK characters and character bigrams of its title,
description and timeline notes plus lowercased latin words and numbers, separated by spaces and
wrapped in spaces. A query matches when every one of its tokens is present, so "粪管" finds
"粪管改道" and "改道粪管" alike.

On PostgreSQL the tokens are matched as an array against a GIN index on
``string_to_array(search_tokens, ' ')`` (migration 0003); elsewhere (SQLite) with LIKE.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Latin words are cut into pieces of at most 40 letters: one long "word" (a pasted hash, 3 MB of "a") would
# otherwise be one token too large for a GIN index entry (PostgreSQL: "index row size exceeds maximum").
_RUN_RE = re.compile(rf"[{_CJK}]+|[0-9a-z]{{1,40}}")
_CJK_RE = re.compile(rf"[{_CJK}]")
MAX_TOKENS = 6000  # a case with a very long history stays searchable by its first words


def tokens(text: str) -> list[str]:
    """Distinct tokens of ``text`` in first-seen order."""
    seen: dict[str, None] = {}
    for run in _RUN_RE.findall((text or "").lower()):
        if _CJK_RE.match(run):
            for i, ch in enumerate(run):
                seen.setdefault(ch, None)
                if i + 1 < len(run):
                    seen.setdefault(run[i : i + 2], None)
        else:
            seen.setdefault(run, None)
    return list(seen)


def query_tokens(text: str) -> list[str]:
    """Tokens a query must all match: bigrams of each CJK run (a lone character is itself)."""
    out: list[str] = []
    for run in _RUN_RE.findall((text or "").lower()):
        if _CJK_RE.match(run) and len(run) > 1:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return list(dict.fromkeys(out))


def document(*texts: str) -> str:
    toks = tokens(" ".join(t for t in texts if t))[:MAX_TOKENS]
    return f" {' '.join(toks)} " if toks else ""


def filter_search(queryset, text: str):
    wanted = query_tokens(text)
    if not wanted:
        return queryset if not (text or "").strip() else queryset.none()
    if connection.vendor == "postgresql":
        return queryset.filter(
            RawSQL(
                "string_to_array(cases_case.search_tokens, ' ') @> %s::text[]",
                (wanted,),
                output_field=BooleanField(),
            )
        )
    q = Q()
    for tok in wanted:
        q &= Q(search_tokens__contains=f" {tok} ")
    return queryset.filter(q)
