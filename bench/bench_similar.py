"""Possibly the same issue (section "similar"): precision and recall on labelled pairs, and the
time of the look-up on a busy neighbourhood.

1. tests/data/similar_pairs.csv: realistic same/different pairs (the same blocked pipe reported by two
   neighbours in different words; the same kind of problem in the next building; the same building
   with an unrelated problem …). Three parts: "dev" and "test" were both looked at while the lexicon
   and thresholds of insight/similarity.py were set, so their figures are in-sample; "fresh" was written
   after that and judged once, unchanged.
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


def judge_pairs():
    from insight import similarity

    rows = list(csv.DictReader(PAIRS.open(encoding="utf-8")))
    out = {}
    timer = common.Timer()
    misses = []
    for row in rows:
        a = similarity.Need.of(
            title=row["a_title"], description=row["a_description"], location_text=row["a_location"], region_id=1
        )
        b = similarity.Need.of(
            title=row["b_title"],
            description=row["b_description"],
            location_text=row["b_location"],
            region_id=1 if row["same_grid"] == "1" else 2,
        )
        score, _why = timer.time(similarity.same_issue_score, a, b)
        predicted, gold = score >= 0.5, row["same"] == "1"
        for split in (row["split"], "all"):
            c = out.setdefault(split, {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
            c["tp" if predicted and gold else "fp" if predicted else "fn" if gold else "tn"] += 1
        if predicted != gold:
            misses.append((row["id"], row["split"], "false alarm" if predicted else "missed", row["note"]))
    return out, timer, misses


def lookup_latency():
    from django.test.utils import override_settings

    from cases import services as case_services
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
                case_services.case_create(
                    title=title, description=description, region=area, channel="web", category=code
                )
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
        f"**Pairs** — {PAIRS.relative_to(common.ROOT)}: realistic same/different pairs; a pair counts as "
        '"possibly the same issue" at score ≥ 0.5 (insight/similarity.py).',
        "",
        "| part | pairs | same | precision | recall | note |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    notes = {
        "dev": "looked at while tuning",
        "test": "also looked at while tuning (in-sample)",
        "fresh": "written after tuning, judged once",
        "all": "",
    }
    for split in ("dev", "test", "fresh", "all"):
        c = counts[split]
        n = sum(c.values())
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        lines.append(f"| {split} | {n} | {c['tp'] + c['fn']} | {precision:.3f} | {recall:.3f} | {notes[split]} |")
    lines += ["", "Errors: " + ("; ".join(f"#{i} ({s}) {kind}: {note}" for i, s, kind, note in misses) or "none") + "."]
    lines += [
        "",
        f"One pair comparison: p50 {pair_timer.ms(50):.3f} ms. Look-up for an open case among 500 cases of one "
        f"neighbourhood within the window: p50 {lookup.ms(50):.1f} ms, p95 {lookup.ms(95):.1f} ms "
        f"({found} candidates offered for 100 cases).",
    ]
    common.report("similar", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
