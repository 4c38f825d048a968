"""Loads the demo data set: 黄浦区 › 老西门街道 and 徐汇区 › 天平街道 with fictional people.

Each app contributes through ``<app>/demo.py`` exposing ``load(ctx: dict) -> None``; they run in
the order below and share ``ctx`` (regions, units, users, residents ... and ``rng``, a seeded
``random.Random`` so every run makes the same data). Safe to run twice: it does nothing when the
demo subdistricts already exist (start again from an empty database to reload).
"""

import importlib
import random
import time

from django.core.management.base import BaseCommand
from django.db import transaction

from org.models import Region

ORDER = ["org", "people", "cases", "insight", "volunteers", "events", "guides", "care", "renewal", "resources", "deeds"]


class Command(BaseCommand):
    help = "载入演示数据（虚构的居民、单位与账号，不含任何真实个人信息）。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2022, help="随机种子，保证每次生成相同的数据")

    def handle(self, *args, seed, **options):
        if Region.objects.filter(name="老西门街道").exists():
            self.stdout.write("演示数据已存在，跳过。")
            return
        ctx: dict = {"seed": seed, "rng": random.Random(seed), "stdout": self.stdout}
        started = time.perf_counter()
        with transaction.atomic():
            for app in ORDER:
                try:
                    module = importlib.import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                step = time.perf_counter()
                module.load(ctx)
                self.stdout.write(f"  {app}: 完成（{time.perf_counter() - step:.1f} 秒）")
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入（{time.perf_counter() - started:.1f} 秒）。"))
