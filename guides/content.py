"""A guide's text as plain data: the form, the Excel import, revisions and their differences all use it.

A revision's ``data`` holds every field of ``models.TEXT_FIELDS`` as JSON: strings, ISO dates, the topic's id and
the materials as a list of ``{"name", "originals", "copies", "note"}``. In forms and spreadsheets materials are
written one per line as "名称 | 原件份数 | 复印件份数 | 备注" (the same text in both places).
"""

import datetime
import difflib
import re
from html import escape
from typing import Any

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .models import TEXT_FIELDS, Guide

_MATERIAL_SPLIT = re.compile(r"[|｜]")
_LINE_SPLIT = re.compile(r"[\n；;]+")


class MaterialsError(ValueError):
    """A line of materials that cannot be read; the message names the line in Chinese."""


def parse_materials(text: str) -> list[dict]:
    """ "居民身份证 | 1 | 1 | 老人本人" per line (or separated by "；") → list of dicts. Raises MaterialsError."""
    rows = []
    for number, line in enumerate(_LINE_SPLIT.split(text or ""), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in _MATERIAL_SPLIT.split(line)]
        name = parts[0]
        if not name:
            raise MaterialsError(_("第 %(n)d 项材料没有名称。") % {"n": number})
        counts = []
        for part in parts[1:3]:
            digits = part.replace("原件", "").replace("复印件", "").replace("份", "").strip() or "0"
            if not digits.isdigit():
                raise MaterialsError(
                    _("“%(line)s”：原件、复印件份数应为数字，格式为“名称 | 原件份数 | 复印件份数 | 备注”。")
                    % {"line": line.strip()}
                )
            counts.append(int(digits))
        counts += [1, 0][len(counts) :]
        rows.append({"name": name, "originals": counts[0], "copies": counts[1], "note": " ".join(parts[3:]).strip()})
    return rows


def format_materials(rows) -> str:
    lines = []
    for r in rows or []:
        parts = [r.get("name", ""), str(r.get("originals", 0)), str(r.get("copies", 0))]
        if r.get("note"):
            parts.append(r["note"])
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def data_of(guide: Guide) -> dict:
    """The guide's published text as a revision's data."""
    data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name == "topic":
            data[name] = guide.topic_id
        elif name in ("policy_date", "review_due"):
            value = getattr(guide, name)
            data[name] = value.isoformat() if value else ""
        else:
            data[name] = getattr(guide, name)
    return data


def apply(guide: Guide, data: dict) -> list[str]:
    """Copy a revision's data onto the guide; returns the names of the model fields set."""
    fields = []
    for name in TEXT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "topic":
            guide.topic_id, name = value, "topic"
        elif name in ("policy_date", "review_due"):
            setattr(guide, name, datetime.date.fromisoformat(value) if value else None)
        else:
            setattr(guide, name, value if value is not None else "")
        fields.append(name)
    return fields


def _shown(name: str, value, topics: dict) -> str:
    if name == "materials":
        return format_materials(value)
    if name == "topic":
        return str(topics.get(value, value or ""))
    return "" if value is None else str(value)


_PIECES = re.compile(r"\d+|[A-Za-z]+|\s+|.", re.S)


def _marked(old: str, new: str) -> tuple[str, str]:
    """Old and new text as HTML with what changed wrapped in <del>/<ins>: compared piece by piece, a piece being a
    Chinese character or a whole number or word (so "11:00" → "10:45" reads as two numbers changed)."""
    a_pieces, b_pieces = _PIECES.findall(old), _PIECES.findall(new)
    a, b = [], []
    matcher = difflib.SequenceMatcher(None, a_pieces, b_pieces, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        left, right = escape("".join(a_pieces[i1:i2])), escape("".join(b_pieces[j1:j2]))
        if op == "equal":
            a.append(left)
            b.append(right)
        else:
            if left:
                a.append(f"<del>{left}</del>")
            if right:
                b.append(f"<ins>{right}</ins>")
    return mark_safe("".join(a)), mark_safe("".join(b))


def changes(old: dict | None, new: dict, *, topics: dict | None = None) -> list[dict]:
    """What a revision changed against the text before it: one row per changed field with its label, the old
    and new values as text and marked up. With ``old`` None (the first version) every filled field is listed."""
    topics = topics or {}
    rows = []
    for name in TEXT_FIELDS:
        before = _shown(name, (old or {}).get(name), topics)
        after = _shown(name, new.get(name), topics)
        if before == after:
            continue
        marked_old, marked_new = _marked(before, after)
        rows.append(
            {
                "field": name,
                "label": Guide._meta.get_field(name).verbose_name,  # type: ignore[union-attr]  # a text field
                "old": before,
                "new": after,
                "old_html": marked_old,
                "new_html": marked_new,
            }
        )
    return rows
