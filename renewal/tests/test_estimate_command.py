"""`manage.py renewal_estimate --input FILE.json`: one estimate, no database, exit 2 on bad input."""

import json
import subprocess
import sys
from decimal import Decimal as D
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path, data) -> dict:
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("renewal_estimate", "--input", str(path), stdout=out)  # no db fixture: any query would fail
    return json.loads(out.getvalue())


def test_lifted_price_tenant(tmp_path):
    out = run(
        tmp_path,
        {
            "tenure": "public",
            "house_type": "旧式里弄",
            "building_area": 20,
            "plot_average_price": 50000,
            "unit_price": 52000,
        },
    )
    assert set(out) == {"building_area", "E", "E_share", "P", "T", "V", "G"}
    assert all(isinstance(v, str) for v in out.values())
    assert out["E_share"] == "832000.00" and out["P"] == "300000.00" and out["T"] == "750000.00"
    assert out["V"] == "1882000.00" and out["G"] == "0.00"


def test_private_owner_floor_at_average(tmp_path):
    out = run(
        tmp_path,
        {
            "tenure": "private",
            "house_type": "旧式里弄",
            "building_area": 20,
            "plot_average_price": 50000,
            "unit_price": 48000,
        },
    )
    assert (out["E"], out["E_share"], out["V"]) == ("1000000.00", "1000000.00", "2050000.00")


def test_self_contained_with_top_up(tmp_path):
    base = {"tenure": "public", "house_type": "新工房 成套", "building_area": 50, "plot_average_price": 40000}
    out = run(tmp_path, {**base, "difficulty_persons": 4, "conversion_price": 21500})
    assert (out["T"], out["V"], out["G"]) == ("0.00", "2200000.00", "0.00")
    out = run(tmp_path, {**base, "difficulty_persons": 5, "conversion_price": 21500})
    assert out["G"] == "165000.00"


def test_living_area_per_room_with_rounding(tmp_path):
    out = run(
        tmp_path,
        {"tenure": "public", "house_type": "简屋", "living_area": 12.0, "plot_average_price": 50000},
    )
    assert D(out["building_area"]) == D("15.00")
    out = run(
        tmp_path,
        {
            "tenure": "public",
            "house_type": "旧式里弄",
            "living_area": [10.33, 8.27],
            "plot_average_price": 50000,
            "area_rounding": "per_room",
        },
    )
    assert out["building_area"] == "28.65"


SHACK = {"tenure": "public", "house_type": "简屋", "building_area": 2, "plot_average_price": 1}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tenure": "public", "house_type": "别墅", "building_area": 20, "plot_average_price": 1}, "不在折算系数表中"),
        ({"tenure": "public", "house_type": "简屋", "plot_average_price": 1}, "建筑面积或居住面积"),
        ({"tenure": "rent", "house_type": "简屋", "building_area": 2, "plot_average_price": 1}, "产权性质"),
        ({"tenure": "public", "house_type": "简屋", "building_area": "abc", "plot_average_price": 1}, "不是有效的数字"),
        ({"tenure": "public", "house_type": "简屋", "building_area": 2}, "plot_average_price"),
        ({"tenure": "public", "house_type": "简屋", "building_area": 2, "plot_average_price": 1, "k": 1}, "无法识别"),
        (
            {"tenure": "public", "house_type": "简屋", "building_area": 2, "living_area": 2, "plot_average_price": 1},
            "二者取一",
        ),
        ({**SHACK, "area_rounding": "x"}, "面积取整方式"),
        ({**SHACK, "house_type": ["简屋"]}, "不在折算系数表中"),
        ({**SHACK, "difficulty_persons": 2.5, "conversion_price": 20000}, "整数"),
        ({**SHACK, "type_area": 16}, "15"),
        ({**SHACK, "subsidy_coefficient": "0.31"}, "0.30"),
        ({"tenure": "public", "house_type": "简屋", "living_area": [], "plot_average_price": 1}, "不能为空"),
        ({"tenure": "public", "house_type": "简屋", "living_area": [8, -1], "plot_average_price": 1}, "应大于0"),
        ([1, 2], "JSON 对象"),
    ],
)
def test_bad_input_is_a_chinese_message(tmp_path, data, message):
    with pytest.raises(CommandError, match=message) as info:
        run(tmp_path, data)
    assert info.value.returncode == 2


def test_exit_status_two_and_message_on_stderr(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "manage.py", "renewal_estimate", "--input", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "输入不是有效的 JSON" in proc.stderr
    assert proc.stdout == ""


def test_optional_keys_given_as_null_take_their_defaults(tmp_path):
    base = {"tenure": "public", "house_type": "旧式里弄", "building_area": 20, "plot_average_price": 50000}
    nulls = {"unit_price": None, "subsidy_coefficient": None, "type_area": None, "area_rounding": None}
    nulls |= {"difficulty_persons": None, "conversion_price": None}
    assert run(tmp_path, {**base, **nulls}) == run(tmp_path, base)
    assert run(tmp_path, base)["V"] == "1850000.00"  # 0.8 × 1,000,000 + 300,000 (k 0.30) + 750,000 (t 15)


def test_missing_option_or_file_is_a_chinese_message_with_status_two(tmp_path):
    with pytest.raises(CommandError, match="--input") as info:
        call_command("renewal_estimate")
    assert info.value.returncode == 2
    with pytest.raises(CommandError, match="找不到输入文件") as info:
        call_command("renewal_estimate", "--input", str(tmp_path / "missing.json"))
    assert info.value.returncode == 2
