"""One value estimate from a JSON file, without touching the database (support staff, scripted checks).

    python manage.py renewal_estimate --input household.json

Input keys: tenure (public|private), house_type (name as in the conversion table), building_area or living_area
(a number or a list of per-room numbers), plot_average_price (A), and optionally unit_price (U),
subsidy_coefficient (k, 0.30), type_area (t, 15), area_rounding (none|per_room|total), difficulty_persons (N),
conversion_price (Pz). Output: one JSON object of decimal strings. Bad input: a Chinese message, exit status 2.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from renewal.compensation import (
    AREA_ROUNDING_MODES,
    DEFAULT_SUBSIDY_COEFFICIENT,
    DEFAULT_TYPE_AREA,
    CompensationError,
    value_compensation,
)

KEYS = {
    "tenure",
    "house_type",
    "building_area",
    "living_area",
    "plot_average_price",
    "unit_price",
    "subsidy_coefficient",
    "type_area",
    "area_rounding",
    "difficulty_persons",
    "conversion_price",
}


def _fail(message: str):
    return CommandError(message, returncode=2)


class Command(BaseCommand):
    help = "按补偿规则计算一户的价值补偿估算（不访问数据库）。"
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        # Not ``required=True``: argparse would answer a missing option in English.
        parser.add_argument("--input", help="输入的 JSON 文件路径（“-”表示标准输入）")

    def handle(self, *args, input=None, **options):
        if not input:
            raise _fail("请用 --input 指定输入的 JSON 文件，例如：python manage.py renewal_estimate --input 户.json")
        try:
            text = self.stdin.read() if input == "-" else Path(input).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _fail(f"找不到输入文件“{input}”") from None
        except IsADirectoryError:
            raise _fail(f"“{input}”是目录，不是文件") from None
        except PermissionError:
            raise _fail(f"没有权限读取输入文件“{input}”") from None
        except UnicodeDecodeError:
            raise _fail(f"输入文件“{input}”不是 UTF-8 编码的文本") from None
        except OSError:
            raise _fail(f"无法读取输入文件“{input}”") from None
        try:
            data = json.loads(text, parse_float=str, parse_int=str)
        except json.JSONDecodeError as exc:
            raise _fail(f"输入不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from None
        if not isinstance(data, dict):
            raise _fail("输入应为一个 JSON 对象")
        unknown = sorted(set(data) - KEYS)
        if unknown:
            raise _fail("无法识别的字段：" + "、".join(unknown))
        for key in ("tenure", "house_type", "plot_average_price"):
            if data.get(key) in (None, ""):
                raise _fail(f"缺少必填字段 {key}")
        # JSON null for an optional key means "not given": its default applies.
        data = {key: value for key, value in data.items() if value is not None}
        rounding = data.get("area_rounding") or "none"
        if rounding not in AREA_ROUNDING_MODES:
            raise _fail(f"面积取整方式“{rounding}”无效（可选：none、per_room、total）")
        living = data.get("living_area")
        if living is not None and not isinstance(living, list):
            living = [living]
        try:
            result = value_compensation(
                tenure=data["tenure"],
                house_type_name=data["house_type"],
                plot_average_price=data["plot_average_price"],
                building_area=data.get("building_area"),
                living_areas=living,
                unit_price=data.get("unit_price"),
                subsidy_coefficient=data.get("subsidy_coefficient", DEFAULT_SUBSIDY_COEFFICIENT),
                type_area=data.get("type_area", DEFAULT_TYPE_AREA),
                area_rounding=rounding,
                difficulty_persons=data.get("difficulty_persons"),
                conversion_price=data.get("conversion_price"),
            )
        except CompensationError as exc:
            raise _fail(str(exc)) from None
        self.stdout.write(json.dumps(result.as_strings(), ensure_ascii=False))
