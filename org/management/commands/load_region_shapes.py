"""Loads region outlines from a GeoJSON FeatureCollection (one feature per region, ``properties.name`` = the
region's name) under a root region: ``manage.py load_region_shapes 网格.geojson --root 老西门街道``."""

from django.core.management.base import BaseCommand, CommandError

from org.models import Region
from org.shapes import ShapeError, load_file


class Command(BaseCommand):
    help = "从 GeoJSON 文件载入辖区边界（按名称匹配根辖区下的辖区），供数据看板的地图使用。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="GeoJSON FeatureCollection 文件")
        parser.add_argument("--root", required=True, help="根辖区名称，如“老西门街道”")

    def handle(self, *args, path, root, **options):
        region = Region.objects.filter(name=root).first()
        if region is None:
            raise CommandError(f"找不到辖区“{root}”")
        try:
            stored, missing = load_file(path, root=region)
        except ShapeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已载入 {stored} 个辖区的边界。")
        if missing:
            self.stdout.write("未找到以下辖区，已跳过：" + "、".join(missing))
