"""Reading labelled text files (CSV or XLSX) for training and evaluation.

Used by ``manage.py routing_evaluate`` and ``bench/bench_routing.py``. Nothing about the label set is
assumed: the label column holds whatever categories the file has. Text and label columns are found by
name when not given, so a CSV with ``text`` and ``category`` works as is, and so does the TipDM file
(留言主题 / 留言详情 / 一级分类).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

from openpyxl import load_workbook

from .textmodel import Doc

# Looked for in this order (exact header, case-insensitive); the first hit wins for labels, and
# every hit is used for text (title-like columns first, so the title block gets the title).
TEXT_COLUMNS = [
    "title",
    "subject",
    "主题",
    "标题",
    "留言主题",
    "诉求标题",
    "text",
    "content",
    "description",
    "body",
    "内容",
    "详情",
    "留言详情",
    "诉求内容",
    "诉求描述",
    "描述",
]
LABEL_COLUMNS = ["category", "label", "class", "分类", "类别", "一级分类", "诉求分类", "category_code"]


class LabelledFileError(ValueError):
    """The file cannot be used; the message says why (in Chinese)."""


def read_table(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a CSV (UTF-8, with or without BOM; GB18030 accepted) or the first XLSX sheet."""
    path = Path(path)
    if not path.exists():
        raise LabelledFileError(f"找不到文件：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise LabelledFileError(f"无法读取 Excel 文件 {path.name}：{exc}") from exc
        sheet = wb.worksheets[0]
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
        wb.close()
    else:
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise LabelledFileError(f"{path.name} 不是 UTF-8 或 GB18030 编码的 CSV 文件。")
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise LabelledFileError(f"{path.name} 是空文件。")
    return rows[0], rows[1:]


def _find(headers: list[str], wanted: list[str]) -> list[int]:
    lower = [h.strip().lower() for h in headers]
    return [lower.index(w.lower()) for w in wanted if w.lower() in lower]


def load_labelled(path, *, text_columns=None, label_column=None) -> tuple[list[Doc], list[str]]:
    """Docs and labels from a labelled file; rows without text or without a label are skipped."""
    headers, rows = read_table(path)
    name = Path(path).name
    if text_columns:
        missing = [c for c in text_columns if c not in headers]
        if missing:
            raise LabelledFileError(f"{name} 没有文本列：{'、'.join(missing)}（现有列：{'、'.join(headers)}）")
        text_idx = [headers.index(c) for c in text_columns]
    else:
        text_idx = _find(headers, TEXT_COLUMNS)
        if not text_idx:
            raise LabelledFileError(f"{name} 中找不到文本列，请用 --text 指定（现有列：{'、'.join(headers)}）")
    if label_column:
        if label_column not in headers:
            raise LabelledFileError(f"{name} 没有分类列：{label_column}（现有列：{'、'.join(headers)}）")
        label_idx = headers.index(label_column)
    else:
        found = _find(headers, LABEL_COLUMNS)
        if not found:
            raise LabelledFileError(f"{name} 中找不到分类列，请用 --label 指定（现有列：{'、'.join(headers)}）")
        label_idx = found[0]
    if label_idx in text_idx:
        raise LabelledFileError(f"{name}：分类列不能同时作为文本列。")
    docs, labels = [], []
    for row in rows:
        cells = row + [""] * (len(headers) - len(row))
        label = cells[label_idx].strip()
        doc = Doc.of(*(cells[i] for i in text_idx))
        if label and doc.body:
            docs.append(doc)
            labels.append(label)
    if not docs:
        raise LabelledFileError(f"{name} 中没有同时包含文本和分类的行。")
    return docs, labels


_TERM_SPLIT = re.compile(r"[和与及、/，,；;（）()\s]+")
#: Taxonomy names that say nothing about the topic.
_VAGUE_TERMS = {"其他", "其它", "综合", "管理", "问题", "服务", "工作"}


def keyword_terms(name: str) -> set[str]:
    """Keywords in a taxonomy name: its parts split at 和/与/、…, and the jieba words of each part
    (two characters or more), so "城市建设和市政管理" gives 城市建设, 市政管理, 城市, 建设, 市政."""
    import jieba  # noqa: PLC0415 — importing jieba costs more than half a second; only this path needs it

    jieba.setLogLevel(logging.WARNING)
    terms = set()
    for part in _TERM_SPLIT.split(str(name or "")):
        part = part.strip()
        if len(part) >= 2:
            terms.add(part)
        for word in jieba.lcut(part):
            if len(word) >= 2:
                terms.add(word)
    return terms - _VAGUE_TERMS


def load_keywords(path) -> dict[str, list[str]]:
    """Keyword lists per label from a file whose first column is the label and whose other columns
    hold names under it (a label tree such as tipdm2020-label-tree.xlsx, 一级/二级/三级分类) or
    keywords (several in one cell may be separated by 、 or spaces)."""
    _headers, rows = read_table(path)
    out: dict[str, set[str]] = {}
    for row in rows:
        if not row or not row[0].strip():
            continue
        terms = out.setdefault(row[0].strip(), set())
        for cell in row[1:]:
            terms |= keyword_terms(cell)
    return {label: sorted(terms) for label, terms in out.items() if terms}
