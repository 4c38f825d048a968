from django.core.management.base import BaseCommand, CommandError

from org.models import Region

from ...evaluation import evaluate, read_questions
from ...models import Guide


class Command(BaseCommand):
    help = "用问题文件检验咨询台的指南推荐（与咨询台同一函数、同样输入）。最后一行：top1=… top3=… ms_per_question=…"

    def add_arguments(self, parser):
        parser.add_argument(
            "--questions", required=True, help="CSV 或 XLSX，列：question, desk, guide（guide 为 none：无对应指南）"
        )
        parser.add_argument("--region", default="老西门街道", help="按哪个街道可用的指南推荐（默认 老西门街道）")
        parser.add_argument("--misses", action="store_true", help="列出第一推荐不对的问题")

    def handle(self, *args, questions, region, misses, **options):
        place = Region.objects.filter(name=region).order_by("depth").first()
        if place is None:
            raise CommandError(f"找不到辖区“{region}”（先运行 make demo，或用 --region 指定）")
        if not Guide.objects.published().applicable_to(place).exists():
            raise CommandError(f"“{region}”还没有已发布的指南（先运行 make demo 或 guides_import）")
        try:
            rows = read_questions(questions)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        result = evaluate(rows, region=place)
        if misses:
            for question, desk, expected, codes in result.misses:
                self.stdout.write(f"  [{desk}] {question[:50]} → {expected}；推荐 {', '.join(codes) or '无'}")
        self.stdout.write(
            f"questions={result.questions} with_guide={result.answered} "
            f"none={result.none_rows} none_without_confident_suggestion={result.none_quiet}"
        )
        self.stdout.write(result.line())
