"""Guide suggestions at the desk (section "guides"): right guide first, in the top three, and time per question.

1. A fresh benchmark database gets 黄浦区 › 老西门街道 and the shipped guides (guides/data/shanghai.toml), imported
   and published through the same code as an Excel import and a review.
2. Each question of the file is ranked by ``guides.selectors.suggest`` with its desk's topic: the function the
   desk console calls (guides.evaluation, shared with ``manage.py guides_evaluate``).

Run: .venv/bin/python bench/bench_guides.py [FILE]   (CSV or XLSX with columns question, desk, guide)
Without FILE it scores the open dev set tests/data/dev/desk_questions.csv and records the figures in
docs/benchmarks.md; with a FILE it only prints them.
"""

import argparse
import os

import common

DEV = common.ROOT / "tests" / "data" / "dev" / "desk_questions.csv"
FRESH = common.ROOT / "guides" / "tests" / "data" / "fresh_questions.csv"
SPENT = common.ROOT / "tests" / "data" / "spent" / "desk_questions.csv"
PARAPHRASE = common.ROOT / "guides" / "tests" / "data" / "paraphrase_questions.csv"


def load_guides():
    from guides import importers, services
    from guides.demo import DATA, DISTRICT_UNITS
    from guides.models import GuideRevision
    from org.models import Region, Unit, User

    huangpu = Region.objects.create(name="黄浦区", kind=Region.Kind.DISTRICT)
    laoximen = Region.objects.create(name="老西门街道", kind=Region.Kind.SUBDISTRICT, parent=huangpu)
    for name in ("老西门街道社区服务办", "老西门街道旧改办"):
        Unit.objects.create(name=name, kind=Unit.Kind.SUBDISTRICT_OFFICE, region=laoximen)
    for name in DISTRICT_UNITS:
        Unit.objects.create(name=name, kind=Unit.Kind.OTHER, region=huangpu)
    author = User.objects.create_superuser("bench_author", password=None)
    reviewer = User.objects.create_superuser("bench_reviewer", password=None)
    plan, errors = importers.validate(importers.toml_rows(DATA), region=laoximen, by=author)
    if errors:
        raise SystemExit(f"shipped guides do not import: {errors[:3]}")
    importers.write(plan, by=author)
    for revision in GuideRevision.objects.filter(status=GuideRevision.Status.PENDING):
        services.revision_approve(revision=revision, by=reviewer)
    return laoximen, len(plan)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file", nargs="?", default=str(DEV))
    parser.add_argument("--misses", action="store_true", help="print the questions whose first suggestion is wrong")
    args = parser.parse_args()
    common.setup()
    from guides.evaluation import evaluate, read_questions

    region, guides = load_guides()
    rows = read_questions(args.file)
    result = evaluate(rows, region=region)
    if args.misses:
        for question, desk, expected, codes in result.misses:
            print(f"  [{desk}] {question[:50]} → {expected}; suggested {', '.join(codes) or 'nothing'}")
    p50, p99 = common.percentile(result.times, 50) * 1000, common.percentile(result.times, 99) * 1000
    n = max(result.questions, 1)
    mean, cpu = 1000 * result.seconds / n, 1000 * result.cpu_seconds / n
    load = os.getloadavg()[0]
    name = args.file.replace(str(common.ROOT) + "/", "")
    body = f"""
Questions: `{name}`: {result.questions} questions, {result.answered} with a guide, {result.none_rows} that no guide
answers (`none`). Guides: the {guides} shipped rows, as 老西门街道 reads them (one per matter).

| measure | value | target |
| --- | --- | --- |
| right guide first (top-1) | {result.top1}/{result.answered} = {result.top1 / max(result.answered, 1):.1%} | ≥ 80 % |
| right guide in the top 3 | {result.top3}/{result.answered} = {result.top3 / max(result.answered, 1):.1%} | ≥ 95 % |
| `none` questions with no confident suggestion | {result.none_quiet}/{result.none_rows} | — |
| time per question, mean / p50 / p99 | {mean:.2f} / {p50:.2f} / {p99:.2f} ms | < 20 ms |
| CPU time per question, mean | {cpu:.2f} ms | |

Load average during the run: {load:.1f} on {os.cpu_count()} cores (the wall-clock p99 is what
a busy machine adds; the CPU time is what the ranking costs).

The guides' wording (tags, common phrasings) and the matcher's lexicon were written with this open set in view, so
its figures are in-sample; the sealed set is scored once, by someone else, at the end.
"""
    if args.file == str(DEV):
        rows = []
        for label, path, before in (
            ("`tests/data/dev/desk_questions.csv`", DEV, "0.992 / 1.000, 12/15"),
            ("`guides/tests/data/fresh_questions.csv`", FRESH, "0.915 / 1.000, 10/11"),
            ("`tests/data/spent/desk_questions.csv`", SPENT, "0.860 / 0.945, 20/20"),
            ("`guides/tests/data/paraphrase_questions.csv`", PARAPHRASE, "0.875 / 0.975, 6/8"),
        ):
            r = result if path == DEV else evaluate(read_questions(path), region=region)
            top1, top3 = r.top1 / max(r.answered, 1), r.top3 / max(r.answered, 1)
            rows.append(
                f"| {label} | {r.answered} + {r.none_rows} | {top1:.3f} / {top3:.3f}, "
                f"{r.none_quiet}/{r.none_rows} | {before} |"
            )
        table = "\n".join(rows)
        body += f"""
The open sets, all **in-sample** (each was read while the matcher's word lists and weights were tuned; none is a
blind test). Before: the matcher of the first sealed scoring (commit 9c53a54).

| open set | questions (with a guide + none) | top-1 / top-3, none left quiet | before |
| --- | --- | --- | --- |
{table}

The fresh set was written by the same hand as the guides; the paraphrase set after this round's word lists (its
misses then fixed). The spent set was the first sealed set (written from a brief by someone who had not seen the
matcher), scored once at 0.860 / 0.945 and opened since; its misses were read to find what the matcher lacked
(synonyms and Shanghainese, a desk bonus too weak in long questions, a refused place read as the one asked about).
The mechanisms alone, with the word lists as they were, give it 0.878 / 0.976
(docs/decisions.md); the claim waits for the new sealed set.
"""
        common.report("guides", body)
    else:
        print(body)
    print(result.line())


if __name__ == "__main__":
    main()
