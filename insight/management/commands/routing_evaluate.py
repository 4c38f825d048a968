"""Train the category model on one labelled file and evaluate it on another, or cross-validate.

    python manage.py routing_evaluate --train A.xlsx --test B.csv [--text COL ...] [--label COL]
    python manage.py routing_evaluate --train A.xlsx --cv 5 [--keywords tree.xlsx]

CSV or XLSX; text and label columns are found by name when not given (insight.labelled). The
labels' own names count as keywords, and for Minhu's category codes or names so does what Minhu
knows of them (insight.knowledge); ``--keywords`` adds a label tree or keyword file. Prints
per-class figures, the confusion matrix and (with ``--cv``) the share auto-dispatched at each fold's
threshold and how many of those were right; the last line is exactly
``accuracy=0.xxx macro_f1=0.xxx top3=0.xxx``.
"""

from django.core.management.base import BaseCommand, CommandError

from insight import knowledge, textmodel
from insight.labelled import LabelledFileError, load_keywords, load_labelled


class Command(BaseCommand):
    help = "用带标注的文件（CSV 或 XLSX）训练并评估诉求分类模型：--test 留出评估，或 --cv K 折交叉验证。"

    def add_arguments(self, parser):
        parser.add_argument("--train", required=True, help="训练文件（CSV 或 XLSX）")
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--test", help="评估文件（CSV 或 XLSX）")
        group.add_argument("--cv", type=int, help="K 折分层交叉验证（不另给评估文件）")
        parser.add_argument("--text", nargs="+", help="文本列名（可多个，第一个作标题）；不给则按列名自动识别")
        parser.add_argument("--label", help="分类列名；不给则按列名自动识别")
        parser.add_argument("--keywords", help="各分类的关键词表（第一列为分类，其余列为关键词或下级分类名）")
        parser.add_argument("--seed", type=int, default=0, help="交叉验证打乱的随机种子")

    def handle(self, *args, train, test, cv, text, label, keywords, seed, **options):
        try:
            docs, labels = load_labelled(train, text_columns=text, label_column=label)
            # the labels' own names (and, for Minhu's categories, what Minhu knows of them) always
            # count; a label tree or keyword file adds to them
            kw = knowledge.for_labels(labels)
            for label, words in (load_keywords(keywords) if keywords else {}).items():
                kw[label] = sorted(set(kw.get(label, ())) | set(words))
            if cv is not None:
                if cv < 2:
                    raise CommandError("--cv 至少为 2。")
                smallest = min(labels.count(lab) for lab in set(labels))
                if smallest < cv:
                    raise CommandError(f"有分类只有 {smallest} 条样本，少于折数 {cv}，请减小 --cv。")
                self.stdout.write(f"{len(docs)} 条样本，{len(set(labels))} 个分类，{cv} 折分层交叉验证。")
                result = textmodel.cross_validate(
                    docs, labels, folds=cv, seed=seed, make=lambda: textmodel.TextClassifier(keywords=kw)
                )
            else:
                test_docs, test_labels = load_labelled(test, text_columns=text, label_column=label)
                self.stdout.write(f"训练 {len(docs)} 条，评估 {len(test_docs)} 条，{len(set(labels))} 个分类。")
                model = textmodel.train_with_temperature(
                    docs, labels, make=lambda: textmodel.TextClassifier(keywords=kw), seed=seed
                )
                labels_seen = sorted(set(labels) | set(test_labels))
                result = textmodel.evaluate(test_labels, model.top(test_docs), labels=labels_seen)
        except (LabelledFileError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report = result.report().splitlines()
        if result.auto:
            # the auto-dispatch promise, measured on texts each fold's threshold never saw
            share = (
                f"自动派单：{result.auto_coverage:.1%} 的诉求（{sum(result.auto)} 件），"
                f"其中正确 {result.auto_precision:.1%}。"
                if any(result.auto)
                else "自动派单：无（各折的阈值都未定）。"
            )
            report[-1:-1] = [share, ""]
        self.stdout.write("\n".join(report))
