"""Labelled pairs of needs (same issue or not) and how the product's scorer does on them.

Shared by ``manage.py similar_evaluate`` and ``bench/bench_similar.py``. A file is CSV (UTF-8 or
GB18030) or XLSX with the columns ``text_a``, ``text_b``, ``same_issue`` (1/0) and optionally
``region_a``, ``region_b`` (names from the region tree); the older layout of
tests/data/similar_pairs.csv (``a_title``, ``a_description``, ``a_location``, ``b_…``, ``same``,
``same_grid``) is read too. Each side becomes exactly what the intake form builds
(``similarity.Need.of``) and is scored by ``similarity.same_issue_score`` at ``similarity.THRESHOLD``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import similarity
from .labelled import LabelledFileError, read_table


@dataclass
class Pair:
    a: similarity.Need
    b: similarity.Need
    same: bool
    row: int
    #: the regions are in different neighbourhoods: the product never offers such a pair
    apart: bool = False
    note: str = ""


@dataclass
class Result:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary_line(self) -> str:
        return f"precision={self.precision:.3f} recall={self.recall:.3f} f1={self.f1:.3f}"


def _yes(value: str) -> bool:
    return str(value).strip().lower() in ("1", "yes", "true", "y", "是", "同一", "same")


def load_pairs(path, *, region_id=None, neighbourhood_of=None) -> list[Pair]:
    """Pairs from a file. ``region_id(name)`` gives a region's id (names unknown to it get ids of
    their own, one per name); ``neighbourhood_of(id)`` the neighbourhood of a region id, or None."""
    headers, rows = read_table(path)
    col = {h.strip().lower(): i for i, h in enumerate(headers)}
    ids: dict[str, int] = {}

    def rid(name: str):
        name = (name or "").strip()
        if not name:
            return None
        found = region_id(name) if region_id else None
        return found if found is not None else ids.setdefault(name, -1 - len(ids))

    def cell(row, name):
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    out = []
    if "text_a" in col and "text_b" in col:
        label = "same_issue" if "same_issue" in col else "same" if "same" in col else None
        if label is None:
            raise LabelledFileError("缺少 same_issue 列（1 表示同一问题，0 表示不同问题）。")
        for n, row in enumerate(rows, start=2):
            ra, rb = rid(cell(row, "region_a")), rid(cell(row, "region_b"))
            a = similarity.Need.of(description=cell(row, "text_a"), region_id=ra)
            b = similarity.Need.of(description=cell(row, "text_b"), region_id=rb)
            apart = bool(neighbourhood_of and ra and rb and neighbourhood_of(ra) != neighbourhood_of(rb))
            out.append(Pair(a, b, _yes(cell(row, label)), n, apart, cell(row, "note")))
    elif "a_title" in col:
        for n, row in enumerate(rows, start=2):
            a = similarity.Need.of(
                title=cell(row, "a_title"), description=cell(row, "a_description"),
                location_text=cell(row, "a_location"), region_id=1,
            )  # fmt: skip
            b = similarity.Need.of(
                title=cell(row, "b_title"), description=cell(row, "b_description"),
                location_text=cell(row, "b_location"), region_id=1 if cell(row, "same_grid") != "0" else 2,
            )  # fmt: skip
            out.append(Pair(a, b, _yes(cell(row, "same")), n, False, cell(row, "note")))
    else:
        raise LabelledFileError("找不到 text_a、text_b 两列（现有列：" + "、".join(headers) + "）。")
    return out


def judge(pairs: list[Pair], *, threshold: float | None = None) -> Result:
    threshold = similarity.THRESHOLD if threshold is None else threshold
    result = Result()
    for p in pairs:
        score, why = similarity.same_issue_score(p.a, p.b)
        predicted = score >= threshold and not p.apart
        if predicted and p.same:
            result.tp += 1
        elif predicted:
            result.fp += 1
            result.errors.append((p, score, why))
        elif p.same:
            result.fn += 1
            result.errors.append((p, score, why))
        else:
            result.tn += 1
    return result
