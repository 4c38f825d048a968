"""Import guides from the shipped TOML file or an Excel sheet, with the web import's checks.

Dry run unless --commit: prints what it would import, or every row error. Imported guides wait for review (待审核);
with --approve-by a second user publishes them in the same run (a deployment loading the shipped set)."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lib import xlsx
from org.models import Region, User

from ... import importers, services
from ...models import GuideRevision


class Command(BaseCommand):
    help = "导入办事指南（.toml 或 .xlsx，列同 Excel 导入模板）。不加 --commit 只检查不写入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="如 guides/data/shanghai.toml")
        parser.add_argument("--region", required=True, help="导入到哪个街道或区（“街道”“区级”两列按它确定）")
        parser.add_argument("--by", required=True, help="编写人的用户名（须有权编写这些指南）")
        parser.add_argument("--approve-by", help="审核人的用户名（另一位工作人员）：导入后直接审核发布")
        parser.add_argument("--commit", action="store_true", help="真正写入（否则只检查）")

    def handle(self, *args, file, region, by, approve_by, commit, **options):
        place = Region.objects.filter(name=region).order_by("depth").first()
        author = User.objects.filter(username=by).first()
        reviewer = User.objects.filter(username=approve_by).first() if approve_by else None
        if place is None or author is None or (approve_by and reviewer is None):
            raise CommandError("找不到辖区或用户，请检查 --region、--by、--approve-by")
        try:
            rows = importers.toml_rows(file) if file.endswith(".toml") else xlsx.read_rows(file, importers.COLUMNS)
        except (OSError, ValueError, xlsx.SpreadsheetError) as exc:
            raise CommandError(str(exc)) from None
        plan, errors = importers.validate(rows, region=place, by=author)
        for e in errors:
            self.stdout.write(f"第 {e['row']} 行 {e['column']}：{e['message']}")
        if errors:
            raise CommandError(f"{len(errors)} 处错误，未导入任何数据。")
        for item in plan:
            where = item["region"].name if item["region"] else "全市"
            action = "新版本" if item["guide"] else "新指南"
            self.stdout.write(f"  {action}：{item['data']['name']}（{item['code']}，{where}，{item['owner'].name}）")
        if not commit:
            self.stdout.write(f"检查通过：{len(plan)} 份。加 --commit 才会写入。")
            return
        with transaction.atomic():
            result = importers.write(plan, by=author)
            published = 0
            if reviewer is not None:
                for item in plan:
                    revision = GuideRevision.objects.filter(
                        guide__code=item["code"], guide__region=item["region"], status=GuideRevision.Status.PENDING
                    ).get()
                    try:
                        services.revision_approve(revision=revision, by=reviewer)
                    except PermissionDenied:
                        raise CommandError(f"{reviewer} 无权审核“{item['data']['name']}”，未导入任何数据。") from None
                    published += 1
        self.stdout.write(self.style.SUCCESS(f"已导入：{result}；已审核发布 {published} 份。"))
