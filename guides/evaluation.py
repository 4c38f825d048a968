"""Scoring the desk's suggestions on a file of questions (``manage.py guides_evaluate``, ``bench/bench_guides.py``).

Each row is ranked exactly as the desk console ranks a typed question: ``selectors.suggest`` with the question, the
region and the desk's topic. Rows whose guide is ``none`` (a question no guide answers, "厕所在哪里") are left out of
top-1/top-3 and counted apart: how many got no confident suggestion, as the desk would show them.
"""

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook

from . import selectors

ALIASES = {
    "question": ("question", "问题", "咨询内容"),
    "desk": ("desk", "咨询台", "咨询主题"),
    "guide": ("guide", "指南", "事项编码"),
}


def read_questions(path) -> list[dict]:
    """CSV (UTF-8, with or without BOM, or GB18030) or XLSX with columns question, desk, guide."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("gb18030")
        values = list(csv.reader(io.StringIO(text)))
    if not values:
        return []
    header = [h.strip().lower() for h in values[0]]
    index = {}
    for key, names in ALIASES.items():
        index[key] = next((header.index(n) for n in names if n in header), None)
    if index["question"] is None or index["guide"] is None:
        raise ValueError("文件须有 question 和 guide 两列（desk 列可选）")
    rows = []
    for row in values[1:]:
        if not any(cell.strip() for cell in row):
            continue
        cell = {k: (row[i].strip() if i is not None and i < len(row) else "") for k, i in index.items()}
        rows.append(cell)
    return rows


@dataclass
class Evaluation:
    answered: int = 0  # rows with a guide
    top1: int = 0
    top3: int = 0
    none_rows: int = 0
    none_quiet: int = 0  # none rows without a confident suggestion
    seconds: float = 0.0
    questions: int = 0
    times: list = field(default_factory=list)  # seconds per question, for percentiles
    cpu_seconds: float = 0.0  # the process's CPU time: what the ranking costs, apart from a busy machine's waits
    misses: list = field(default_factory=list)  # (question, desk, expected, [suggested codes])

    def line(self) -> str:
        top1 = self.top1 / self.answered if self.answered else 0.0
        top3 = self.top3 / self.answered if self.answered else 0.0
        ms = 1000 * self.seconds / self.questions if self.questions else 0.0
        return f"top1={top1:.3f} top3={top3:.3f} ms_per_question={ms:.2f}"


def evaluate(rows: list[dict], *, region) -> Evaluation:
    result = Evaluation()
    topics = {}
    selectors.suggest(question="预热", region=region)  # builds the region's index once, as the first desk query does
    for row in rows:
        desk = row.get("desk", "")
        if desk not in topics:
            topics[desk] = selectors.topic_for_desk(desk)
        started, cpu = time.perf_counter(), time.process_time()
        found = selectors.suggest(question=row["question"], region=region, topic=topics[desk])
        elapsed = time.perf_counter() - started
        result.cpu_seconds += time.process_time() - cpu
        result.seconds += elapsed
        result.times.append(elapsed)
        result.questions += 1
        codes = [s.guide.code for s in found]
        expected = (row.get("guide") or "").strip()
        if expected.lower() == "none" or not expected:
            result.none_rows += 1
            if not (found and found[0].confident):
                result.none_quiet += 1
            continue
        result.answered += 1
        result.top1 += codes[:1] == [expected]
        result.top3 += expected in codes[:3]
        if codes[:1] != [expected]:
            result.misses.append((row["question"], desk, expected, codes))
    return result
