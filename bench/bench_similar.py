"""Possibly the same issue (section "similar"): precision and recall on labelled pairs, and the
time of the look-up on a busy neighbourhood.

1. tests/data/similar_pairs.csv (three parts, dev / test / fresh), tests/data/dev/similar_pairs.csv
   (150 pairs written by someone else: plain speech and dialect, addresses in several forms) and
   tests/data/spent/similar_pairs.csv and tests/data/spent2/similar_pairs.csv (151 and 172 pairs, the
   first and second sealed sets, open since they were scored). All
   were looked at while insight/similarity.py, insight/address.py and the lexicons were set: in-sample.
2. Look-up: ``insight.actions.similar.similar_to_case`` for a case among 500 cases of one neighbourhood in
   the window (the candidates' texts are compared one by one).

Run: .venv/bin/python bench/bench_similar.py
"""

import csv
import os
import random
import sys

import common

PAIRS = common.ROOT / "tests" / "data" / "similar_pairs.csv"
DEV = common.ROOT / "tests" / "data" / "dev" / "similar_pairs.csv"
SPENT = common.ROOT / "tests" / "data" / "spent" / "similar_pairs.csv"
SPENT2 = common.ROOT / "tests" / "data" / "spent2" / "similar_pairs.csv"


def judge_pairs():
    """Both open pair files through insight.pairs (the scorer and threshold the intake form uses)."""
    from insight import pairs

    timer = common.Timer()
    out, misses = {}, []
    rows = list(csv.DictReader(PAIRS.open(encoding="utf-8")))
    loaded = pairs.load_pairs(PAIRS)
    for split in ("dev", "test", "fresh"):
        chosen = [p for p, row in zip(loaded, rows, strict=True) if row["split"] == split]
        out[split] = pairs.judge(chosen)
    out["all"] = pairs.judge(loaded)
    out["open dev set"] = pairs.judge(pairs.load_pairs(DEV))
    out["spent set"] = pairs.judge(pairs.load_pairs(SPENT))
    out["second spent set"] = pairs.judge(pairs.load_pairs(SPENT2))
    for p in loaded + pairs.load_pairs(DEV) + pairs.load_pairs(SPENT) + pairs.load_pairs(SPENT2):
        timer.time(__import__("insight.similarity", fromlist=["x"]).same_issue_score, p.a, p.b)
    for name in ("all", "open dev set", "spent set"):
        misses += [
            (name, p.row, "false alarm" if not p.same else "missed", why["summary"]) for p, _s, why in out[name].errors
        ]
    return out, timer, misses


def lookup_latency():
    from django.test.utils import override_settings

    from cases.actions.intake import case_create
    from insight import synthetic
    from insight.actions import similar
    from org.models import Region

    district = Region.objects.create(name="基准区", kind=Region.Kind.DISTRICT)
    sub = Region.objects.create(name="基准街道", kind=Region.Kind.SUBDISTRICT, parent=district)
    area = Region.objects.create(name="基准居委", kind=Region.Kind.NEIGHBOURHOOD, parent=sub)
    rng = random.Random(5)
    lanes = [(road, str(rng.randint(1, 900))) for road in synthetic.ROADS[:4] for _ in range(10)]
    with override_settings(MINHU_INSIGHT_SUGGEST_ON_CREATE=False):
        cases = []
        for _ in range(500):
            road, lane = rng.choice(lanes)
            title, description, code = synthetic.need(rng, where=(road, lane, str(rng.randint(1, 30))))
            cases.append(
                case_create(title=title, description=description, region=area, channel="web", category=code)[0]
            )
    timer = common.Timer()
    found = 0
    for case in rng.sample(cases, 100):
        found += len(timer.time(similar.similar_to_case, case))
    return timer, found


def main():
    if not os.environ.get("BENCH_DATABASE_URL"):
        path = common.ROOT / "var" / "bench" / "similar.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{path}"
    common.setup()
    counts, pair_timer, misses = judge_pairs()
    lookup, found = lookup_latency()
    lines = [
        '**Pairs** — a pair counts as "possibly the same issue" at score ≥ 0.5, scored exactly as the intake '
        "form scores a need against an open case (insight.similarity through insight.pairs; "
        "`python manage.py similar_evaluate --pairs FILE` gives the same figures). All four files are open and "
        "were looked at while the lexicons and weights were set (the weights were fitted on them), so these "
        "figures are **in-sample**; the sealed set is reported once, by someone else (docs/insight.md).",
        "",
        "| file / part | pairs | same | precision | recall | F1 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    files = {
        "open dev set": "tests/data/dev/similar_pairs.csv",
        "spent set": "tests/data/spent/similar_pairs.csv",
        "second spent set": "tests/data/spent2/similar_pairs.csv",
    }
    for split in ("dev", "test", "fresh", "all", "open dev set", "spent set", "second spent set"):
        r = counts[split]
        n = r.tp + r.fp + r.fn + r.tn
        where = files.get(split, f"similar_pairs.csv, {split}")
        lines.append(f"| {where} | {n} | {r.tp + r.fn} | {r.precision:.3f} | {r.recall:.3f} | {r.f1:.3f} |")
    lines += ["", "Errors: " + ("; ".join(f"{f} row {i} {kind}: {why}" for f, i, kind, why in misses) or "none") + "."]
    r = counts["second spent set"]
    lines += [
        "",
        f"The second spent set's {r.fp} false alarms and {r.fn} misses: `python manage.py similar_evaluate --pairs "
        "tests/data/spent2/similar_pairs.csv --errors`.",
    ]
    lines += [
        "",
        f"One pair comparison: p50 {pair_timer.ms(50):.3f} ms, p95 {pair_timer.ms(95):.3f} ms. Look-up for an open "
        f"case among 500 cases of one neighbourhood within the window: p50 {lookup.ms(50):.1f} ms, "
        f"p95 {lookup.ms(95):.1f} ms ({found} candidates offered for 100 cases).",
    ]
    common.report("similar", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
