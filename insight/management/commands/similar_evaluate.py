"""Possibly the same issue, measured on a file of labelled pairs with the product's own scorer.

    python manage.py similar_evaluate --pairs FILE [--errors]

CSV or XLSX with ``text_a``, ``text_b``, ``same_issue`` (1/0) and optionally ``region_a``,
``region_b`` (region names from the region tree; a name not in the tree still tells equal from
different). Each text is scored exactly as the intake form scores a need against an open case
(``similarity.Need.of`` and ``similarity.same_issue_score`` at ``similarity.THRESHOLD``); two regions
in different neighbourhoods are never offered, as in the product. The last line is exactly
``precision=0.xxx recall=0.xxx f1=0.xxx``.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from insight import pairs as pairfile
from insight import similarity
from insight.labelled import LabelledFileError
from org.models import Region


def _regions():
    by_name, parent = {}, {}
    try:
        for r in Region.objects.only("id", "name", "kind", "parent_id"):
            by_name.setdefault(r.name, r.pk)
            parent[r.pk] = (r.kind, r.parent_id)
    except DatabaseError:  # no database set up: region names still tell equal from different
        pass

    def neighbourhood(pk):
        kind, up = parent.get(pk, (None, None))
        return up if kind == Region.Kind.GRID else pk

    return by_name.get, lambda pk: neighbourhood(pk) if pk in parent else None


class Command(BaseCommand):
    help = "用带标注的诉求对（CSV 或 XLSX）评估“可能是同一问题”：与受理页相同的评分和阈值。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--pairs", required=True, help="诉求对文件：text_a、text_b、same_issue，可选 region_a、region_b"
        )
        parser.add_argument("--errors", action="store_true", help="列出判错的诉求对及理由")

    def handle(self, *args, pairs: str, errors: bool, **options):
        region_id, neighbourhood_of = _regions()
        try:
            loaded = pairfile.load_pairs(pairs, region_id=region_id, neighbourhood_of=neighbourhood_of)
        except LabelledFileError as exc:
            raise CommandError(str(exc)) from exc
        result = pairfile.judge(loaded)
        same = sum(p.same for p in loaded)
        self.stdout.write(f"{len(loaded)} 对，其中同一问题 {same} 对；阈值 {similarity.THRESHOLD}。")
        self.stdout.write(f"tp={result.tp} fp={result.fp} fn={result.fn} tn={result.tn}")
        if errors:
            for p, score, why in result.errors:
                kind = "误报" if not p.same else "漏报"
                self.stdout.write(f"  行 {p.row} {kind} {score:.2f}：{why['summary']}")
                self.stdout.write(f"      A {p.a.text.strip()[:70]}\n      B {p.b.text.strip()[:70]}")
        self.stdout.write(result.summary_line())
