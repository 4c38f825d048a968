"""Category suggestions with a short history, measured on a labelled file.

    python manage.py suggest_evaluate --file requests.csv [--per-category 16] [--seed 0]

CSV or XLSX with ``text`` and ``category`` (codes such as ``repair`` or names such as 物业与设施报修;
other text and label columns are found as routing_evaluate finds them). For each category,
``--per-category`` rows (shuffled with ``--seed``) are the history the deployment has learnt from;
the rest are the new cases. Suggestions are made as the product makes them: with at least
MINHU_INSIGHT_MIN_CASES history rows a model is trained exactly as the nightly job trains it
(insight.textmodel.train_routing, with the categories' names, keyword rules and shipped knowledge,
insight.knowledge), else the keyword rules suggest. Prints which, the auto-dispatch share and its
precision on the new cases, the time per suggestion, and as its last line
``accuracy=0.xxx top3=0.xxx``.
"""

import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from cases.models import Category
from insight import knowledge, textmodel
from insight.labelled import LabelledFileError, load_labelled
from insight.models import KeywordRule


def _deployment_knowledge():
    """(categories, keyword rules) of this deployment, or (None, None) for the shipped ones."""
    try:
        categories = [(c.code, c.name, c.description) for c in Category.objects.filter(is_active=True)]
        rules = {
            r.category.code: r.words for r in KeywordRule.objects.filter(is_active=True).select_related("category")
        }
    except DatabaseError:
        return None, None
    return (categories or None), (rules or None)


def split(labels, per_category: int, seed: int):
    """Indices (history, new): per category ``per_category`` rows drawn with ``seed`` for history."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    history, new = [], []
    for label in sorted(by_label):
        rows = by_label[label][:]
        rng.shuffle(rows)
        history += rows[:per_category]
        new += rows[per_category:]
    return history, new


class Command(BaseCommand):
    help = "用带标注的诉求（text、category）评估分类建议：每类取 N 条作历史，其余作新诉求。"

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="CSV 或 XLSX：text、category")
        parser.add_argument("--per-category", type=int, default=16, help="每个分类用作历史的条数（默认 16）")
        parser.add_argument("--seed", type=int, default=0, help="抽取历史的随机种子")
        parser.add_argument("--text", nargs="+", help="文本列名；不给则按列名自动识别")
        parser.add_argument("--label", help="分类列名；不给则按列名自动识别")

    def handle(self, *args, file, per_category, seed, text, label, **options):
        try:
            docs, labels = load_labelled(file, text_columns=text, label_column=label)
        except LabelledFileError as exc:
            raise CommandError(str(exc)) from exc
        history, new = split(labels, per_category, seed)
        if not new or len({labels[i] for i in history}) < 2:
            raise CommandError("历史或新诉求太少：请减小 --per-category。")
        categories, rules = _deployment_knowledge()
        kw = knowledge.for_labels(labels, categories, rules)
        h_docs, h_labels = [docs[i] for i in history], [labels[i] for i in history]
        n_docs, n_labels = [docs[i] for i in new], [labels[i] for i in new]
        min_cases = getattr(settings, "MINHU_INSIGHT_MIN_CASES", 200)
        target = getattr(settings, "MINHU_INSIGHT_TARGET_PRECISION", 0.97)
        self.stdout.write(
            f"{len(set(labels))} 个分类，历史 {len(history)} 条（每类 {per_category}），"
            f"新诉求 {len(new)} 条，种子 {seed}。"
        )
        threshold = None
        if len(history) >= min_cases:
            trained = textmodel.train_routing(
                h_docs, h_labels, make=lambda: textmodel.TextClassifier(keywords=kw), seed=seed, target=target
            )
            suggester, threshold = trained.model, trained.threshold
            self.stdout.write(f"由分类模型建议（历史不少于 {min_cases} 条，与夜间训练相同）。")
        else:
            suggester = textmodel.KeywordRules(kw)
            self.stdout.write(f"历史少于 {min_cases} 条：由关键词规则建议（不自动派单）。")
        started = time.perf_counter()
        tops = [suggester.top([d])[0] for d in n_docs]
        per_case = (time.perf_counter() - started) * 1000 / len(n_docs)
        result = textmodel.evaluate(n_labels, tops, labels=sorted(set(labels)))
        auto = [i for i, t in enumerate(tops) if threshold is not None and t and t[0][1] >= threshold]
        right = sum(tops[i][0][0] == n_labels[i] for i in auto)
        if threshold is None:
            self.stdout.write("自动派单：无（阈值未定，历史不足以保证准确率）。")
        else:
            self.stdout.write(
                f"自动派单：阈值 {threshold:.3f}，{len(auto)}/{len(new)} 件，其中正确 {right} 件"
                f"（{right / len(auto):.1%}）。"
                if auto
                else f"自动派单：阈值 {threshold:.3f}，新诉求中无一件达到。"
            )
        self.stdout.write(f"每件建议耗时 {per_case:.2f} ms。")
        self.stdout.write(f"macro_f1={result.macro_f1:.3f}")
        self.stdout.write(f"accuracy={result.accuracy:.3f} top3={result.top3:.3f}")
