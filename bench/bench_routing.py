"""Category suggestions (section "routing"): accuracy on real public data, suggestion latency and
training time at district scale.

1. Accuracy: 5-fold stratified cross-validation (shuffle, seed 0) on the 495 labelled messages of
   ../shared/data/tipdm2020-messages.xlsx (7 classes), text = 留言主题 + 留言详情. Side by side:
   the plain baseline of ../shared/data/README.md (one block of character 1–3-gram TF-IDF, sublinear
   tf, linear SVM over 主题+详情: 0.764 / 0.725), then insight.textmodel step by step. Keywords come
   from the official label tree (tipdm2020-label-tree.xlsx: 二级/三级 names under each 一级 class),
   which holds no message and no test label. Each fold's model is trained as the deployment trains
   (insight.textmodel.train_routing): its auto-dispatch threshold is chosen on a held-out part of the
   fold's training data and then judged on the fold's unseen test texts.
2. Speed: a model trained on synthetic past cases (insight.synthetic, 16 categories); per-text
   latency of a suggestion (model alone, and the full service call that stores a Suggestion row),
   and the time to train on 100,000 cases (the final fit, and the whole job: probe + held-out
   figures + final fit).

Run: .venv/bin/python bench/bench_routing.py [--sweep] [--cases 100000]
(or the two parts in parallel: --only cv, --only speed, then --combine to write docs/benchmarks.md)
"""

import argparse
import functools
import os
import sys
import time
from pathlib import Path

import common

# beside the checkout by default; MINHU_SHARED_DATA points elsewhere (a worktree's checkout is deeper)
DATA = Path(os.environ.get("MINHU_SHARED_DATA") or common.ROOT.parent / "shared" / "data")
MESSAGES = DATA / "tipdm2020-messages.xlsx"
TREE = DATA / "tipdm2020-label-tree.xlsx"


def baseline_cv(docs, labels, *, folds=5, seed=0):
    """The README's plain baseline, reproduced: one block, char 1–3-gram TF-IDF + LinearSVC."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import LinearSVC

    from insight import textmodel

    y = np.asarray(labels)
    tops = [None] * len(docs)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
        vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        X = vec.fit_transform([docs[i].body for i in train])
        svm = LinearSVC().fit(X, y[train])
        scores = svm.decision_function(vec.transform([docs[i].body for i in test]))
        for i, row in zip(test, scores, strict=True):
            order = np.argsort(-row)[:3]
            tops[i] = [(str(svm.classes_[j]), float(row[j])) for j in order]
    return textmodel.evaluate(labels, tops)


def run_cv(sweep: bool = False) -> str:
    from insight import textmodel
    from insight.labelled import load_keywords, load_labelled

    docs, labels = load_labelled(MESSAGES)
    keywords = load_keywords(TREE)
    TC = textmodel.TextClassifier
    rows = []

    def add(name, fn):
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
        rows.append((name, result, seconds))
        auto = f" auto={result.auto_coverage:.3f}@{result.auto_precision:.3f}" if result.auto else ""
        print(f"{name}: {result.summary_line()}{auto} ({seconds:.0f} s)", flush=True)
        return result

    cv = textmodel.cross_validate
    add("baseline: one block, char 1–3-gram TF-IDF + SVM (README)", lambda: baseline_cv(docs, labels))
    add("title block + whole-text block, char 1–2-gram", lambda: cv(docs, labels, make=lambda: TC()))
    add("… + jieba word block", lambda: cv(docs, labels, make=lambda: TC(words=True)))
    for weight in (0.3, 0.6, 1.0) if sweep else (0.3,):
        best = add(
            f"… + label-tree keyword block, weight {weight}" + (" (**shipped default**)" if weight == 0.3 else ""),
            lambda weight=weight: cv(docs, labels, make=lambda: TC(keywords=keywords, keyword_weight=weight)),
        )
        if weight == 0.3:
            shipped = best
    lines = [
        f"**Accuracy** — {len(docs)} TipDM 2020 messages, {len(set(labels))} classes, 5-fold stratified CV "
        "(shuffle, seed 0), text = 留言主题 + 留言详情. Goal: accuracy ≥ 0.85, top-3 ≥ 0.95.",
        "",
        "| model | accuracy | macro-F1 | top-3 | auto-dispatched (share, correct) | time |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, r, seconds in rows:
        auto = "—" if not r.auto else "none" if not any(r.auto) else f"{r.auto_coverage:.1%}, {r.auto_precision:.1%}"
        lines.append(f"| {name} | {r.accuracy:.3f} | {r.macro_f1:.3f} | {r.top3:.3f} | {auto} | {seconds:.0f} s |")
    lines += [
        "",
        "The keyword weight was not tuned beyond 0.3, 0.6 and 1.0 (`--sweep` shows all three; each beat the goal "
        "when tried); 0.3 is shipped. The label tree is public taxonomy and contains no message text or test label. "
        '"auto-dispatched" is the share of test texts at or above the threshold each fold\'s model chose on '
        "its own held-out predictions (the lowest confidence above which the one-sided 95 % Wilson lower "
        "bound of precision is ≥ 97 %, raised a quarter of the way to 1: textmodel.with_margin), and how many of "
        "those were right on texts the threshold never saw. The promise (≥ 97 %) is the shipped model's; the "
        "jieba row is a variant we do not ship, whose confidences a threshold chosen this way does not hold.",
        "",
        "Per class, shipped model:",
        "",
        "| class | precision | recall | F1 | support |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in shipped.per_class():
        lines.append(
            f"| {row['label']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |"
        )
    lines += [
        "",
        "The same figures from the command line: `python manage.py routing_evaluate --train "
        "../shared/data/tipdm2020-messages.xlsx --cv 5 --keywords ../shared/data/tipdm2020-label-tree.xlsx`.",
    ]
    return "\n".join(lines)


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["cv", "speed", "short"])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sweep", action="store_true", help="also keyword weights 0.6 and 1.0")
    parser.add_argument(
        "--combine", action="store_true", help="report the parts saved by earlier --only runs (run in parallel)"
    )
    args = parser.parse_args(argv)
    saved = {part: common.ROOT / "var" / "bench" / f"routing-{part}.md" for part in ("cv", "speed")}
    if args.combine:
        speed_db = common.ROOT / "var" / "bench" / "routing-speed.sqlite3"
        os.environ.setdefault("BENCH_DATABASE_URL", f"sqlite:///{speed_db}")
        common.setup(fresh=False)
        common.report("routing", "\n\n".join(saved[p].read_text(encoding="utf-8") for p in ("cv", "speed")))
        return 0
    if not os.environ.get("BENCH_DATABASE_URL"):
        # a database of its own, so other benchmarks running at the same time are not disturbed
        path = common.ROOT / "var" / "bench" / f"routing-{args.only or 'all'}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{path}"
    common.setup()
    if args.only == "short":
        common.report("routing-short", run_short_history())
        return 0
    parts = []
    if args.only in (None, "cv"):
        parts.append(run_cv(args.sweep))
    if args.only in (None, "speed"):
        parts.append(run_speed(args.cases))
    if args.only is None:
        common.report("routing", "\n\n".join(parts))
    else:
        saved[args.only].write_text(parts[0], encoding="utf-8")
        print(parts[0])
    return 0


SHORT = common.ROOT / "tests" / "data" / "dev" / "requests.csv"
#: the open request sets, each by other writers: dev, then the sealed sets scored once and now open
SHORT_SETS = [
    SHORT,
    common.ROOT / "tests" / "data" / "spent" / "requests.csv",
    common.ROOT / "tests" / "data" / "spent2" / "requests.csv",
    common.ROOT / "tests" / "data" / "spent3" / "requests.csv",
    common.ROOT / "tests" / "data" / "spent4" / "requests.csv",
]


def run_short_history(per_category: int = 16, seeds=range(5)) -> str:
    """A short history: per category 16 labelled requests of each open set train, the rest are new
    cases; five draws. The shipped configuration beside the model as it was (shipped keyword rules
    only, no dialect reading), the shipped knowledge without its keyword-list text, and a plain
    character TF-IDF model."""
    import numpy as np

    from insight import knowledge, textmodel
    from insight.labelled import load_labelled
    from insight.management.commands.suggest_evaluate import split

    old_keywords = knowledge.shipped_keywords()
    sets = [(path, *load_labelled(path)) for path in SHORT_SETS if path.exists()]
    configs = [
        ("plain character TF-IDF + SVM (no keywords, no dialect reading)",
         lambda kw: textmodel.TextClassifier(knowledge=False, plain=False)),
        ("before: shipped keyword rules as the keyword block",
         lambda kw: textmodel.TextClassifier(keywords=old_keywords, knowledge=False, plain=False, keyword_doc=False)),
        ("category knowledge (insight.knowledge) + dialect reading, no keyword-list text",
         lambda kw: textmodel.TextClassifier(keywords=kw, keyword_doc=False)),
        ("**shipped**: the same + each short category's keyword list as one more training text",
         lambda kw: textmodel.TextClassifier(keywords=kw)),
    ]  # fmt: skip
    names = [str(path.relative_to(common.ROOT)) for path, _d, _l in sets]
    lines = [
        f"**Short history** — the open request sets ({', '.join(names)}; 450 requests and 15 categories each, "
        "each set by other writers; all were looked at while the lexicons were written, so every figure is "
        f"in-sample): per category {per_category} requests are the history, the rest the new cases; accuracy / "
        f"top-3, mean over {len(seeds)} draws (seeds {seeds.start}–{seeds.stop - 1}), worst draw's accuracy in "
        "brackets. Trained as the nightly job trains (textmodel.train_routing); with 16 a category no "
        "auto-dispatch threshold is backed, so nothing is auto-dispatched. `python manage.py suggest_evaluate "
        "--file tests/data/spent2/requests.csv --seed 0` gives one draw.",
        "",
        "| model | " + " | ".join(f"`{n.split('/')[2]}`" for n in names) + " | one suggestion p50 |",
        "| --- | " + " | ".join("---" for _ in names) + " | --- |",
    ]
    for name, make in configs:
        cells, timer = [], common.Timer()
        for _path, docs, labels in sets:
            kw = knowledge.for_labels(labels)
            acc, top3 = [], []
            for seed in seeds:
                history, new = split(labels, per_category, seed)
                trained = textmodel.train_routing(
                    [docs[i] for i in history], [labels[i] for i in history], make=functools.partial(make, kw)
                )
                tops = [timer.time(trained.model.top, [docs[i]])[0] for i in new]
                result = textmodel.evaluate([labels[i] for i in new], tops)
                acc.append(result.accuracy)
                top3.append(result.top3)
            cells.append(f"{np.mean(acc):.3f} ({min(acc):.3f}) / {np.mean(top3):.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {timer.ms(50):.2f} ms |")
        print(lines[-1], flush=True)
    return "\n".join(lines)


def run_speed(n_cases: int) -> str:
    import importlib
    import random

    from django.test.utils import override_settings

    from cases.actions.intake import case_create
    from cases.models import Category
    from insight import synthetic, textmodel
    from insight.actions import store, suggestions
    from insight.models import RoutingModel, split_keywords
    from org.models import Region

    shipped = importlib.import_module("insight.migrations.0002_default_keywords").DEFAULT_KEYWORDS
    keywords = {code: split_keywords(words) for code, words in shipped.items()}
    texts, labels = synthetic.dataset(n_cases, seed=1)
    docs = [textmodel.Doc.of(t, d) for t, d in texts]
    make = lambda: textmodel.TextClassifier(keywords=keywords)  # noqa: E731

    started, cpu = time.perf_counter(), time.process_time()
    make().fit(docs, labels)
    fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"fit on {n_cases:,} cases: {fit_seconds:.1f} s (CPU {fit_cpu:.1f} s)", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    trained = textmodel.train_routing(docs, labels, make=make)
    job_seconds, job_cpu = time.perf_counter() - started, time.process_time() - cpu
    blob = store.dumps(trained.model)
    print(f"whole training job: {job_seconds:.1f} s, model {len(blob) / 1e6:.1f} MB", flush=True)

    fresh, _labels = synthetic.dataset(1000, seed=2)
    model_timer = common.Timer()
    cpu = time.process_time()
    for title, description in fresh:
        model_timer.time(trained.model.top, [textmodel.Doc.of(title, description)], 3)
    model_cpu_ms = (time.process_time() - cpu) / len(fresh) * 1000

    # the service path: the version comes from the database, the Suggestion row and audit entry are written
    RoutingModel.objects.create(
        version=1,
        trained_at=timezone_now(),
        n_cases=n_cases,
        n_classes=len(set(labels)),
        labels=sorted(set(labels)),
        threshold=trained.threshold,
        blob=blob,
        sha256=RoutingModel.digest(blob),
        size=len(blob),
        is_active=True,
    )
    store.forget_active()
    district = Region.objects.create(name="基准区", kind=Region.Kind.DISTRICT)
    sub = Region.objects.create(name="基准街道", kind=Region.Kind.SUBDISTRICT, parent=district)
    grid = Region.objects.create(name="基准居委", kind=Region.Kind.NEIGHBOURHOOD, parent=sub)
    if not Category.objects.filter(code="other").exists():
        raise SystemExit("default categories missing")
    rng = random.Random(3)
    with override_settings(MINHU_INSIGHT_SUGGEST_ON_CREATE=False):
        cases = [
            case_create(title=t, description=d, region=grid, channel="web")[0]
            for t, d, _c in (synthetic.need(rng) for _ in range(300))
        ]
    suggestions.suggest_for_case(case=cases[0])  # loads the model once, as the first request of a process does
    service_timer = common.Timer()
    for case in cases[1:]:
        service_timer.time(suggestions.suggest_for_case, case=case)
    text_timer = common.Timer()
    cpu = time.process_time()
    for case in cases[1:]:
        text_timer.time(suggestions.suggest_text, title=case.title, description=case.description, region=grid)
    text_cpu_ms = (time.process_time() - cpu) / (len(cases) - 1) * 1000
    load = os.getloadavg()[0]

    held = trained.heldout
    threshold_text = "none" if trained.threshold is None else f"{trained.threshold:.3f}"
    lines = [
        f"**Speed** — synthetic past cases (insight.synthetic: {len(synthetic.TOPICS)} default categories, "
        "realistic titles and descriptions), shipped keyword rules as the keyword block.",
        "",
        f"The machine is shared (load average {load:.1f} on {os.cpu_count()} cores at the end of the run), so wall "
        "times are inflated; the CPU time this process used is given beside them.",
        "",
        "| measure | figure | goal |",
        "| --- | --- | --- |",
        f"| training, final fit on {n_cases:,} cases | {fit_seconds:.1f} s wall, {fit_cpu:.1f} s CPU | < 60 s |",
        f"| training job on {n_cases:,} cases (80 % probe + held-out figures + final fit) | {job_seconds:.1f} s wall, "
        f"{job_cpu:.1f} s CPU | — |",
        f"| model size (pickled, stored in the database) | {len(blob) / 1e6:.1f} MB | — |",
        f"| one suggestion, model only (p50 / p95 / p99 of 1,000 texts; mean CPU) | {model_timer.ms(50):.2f} / "
        f"{model_timer.ms(95):.2f} / {model_timer.ms(99):.2f} ms; {model_cpu_ms:.2f} ms CPU | < 10 ms |",
        f"| one suggestion with the units the routing rules give (`suggest_text`, p50 / p95; mean CPU) | "
        f"{text_timer.ms(50):.2f} / {text_timer.ms(95):.2f} ms; {text_cpu_ms:.2f} ms CPU | < 10 ms |",
        f"| `suggest_for_case`: the above, plus storing the Suggestion row (p50 / p95) | "
        f"{service_timer.ms(50):.2f} / {service_timer.ms(95):.2f} ms | — |",
        "",
        f"Held-out figures of that job (synthetic, so they say little about real wording): accuracy "
        f"{held.accuracy:.3f}, threshold {threshold_text}, "
        f"{trained.threshold_coverage:.1%} of held-out cases above it at {trained.threshold_precision:.1%} correct.",
    ]
    return "\n".join(lines)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
