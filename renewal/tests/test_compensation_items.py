"""``renewal.compensation.evaluate_item``: every gate and every kind of plan item, line for line.

The expected lines were taken from the code as it stood before ``evaluate_item`` was split into gates and amount
rules (``/work/shared/specs/renewal-compensation.md``, "Other items"); any change to a figure, a word of a formula,
a status or the order of the conditions shows here.
"""

import datetime
from decimal import Decimal as D

import pytest

from renewal import compensation as c

SIGNED = datetime.datetime(2026, 12, 5, 23, 30, tzinfo=datetime.UTC)  # 12-06 in Shanghai
MOVED = datetime.datetime(2026, 12, 20, 10, 0)  # naive: its own date
TIERS = [{"until": "2026-12-31", "rate": "100"}, {"until": "2026-12-10", "minimum": "20000"}]
STEPS = [{"ratio": "0.95", "minimum": "30000"}, {"ratio": "0.85", "rate": "500", "minimum": "10000"}]
CASES = [
    ("per_area", {"kind": "per_area", "name": "搬家费", "rate": "30"}, {}),
    ("flat minimum", {"kind": "flat", "name": "设施移装费", "code": "move", "minimum": "5000"}, {}),
    ("max rate or minimum", {"kind": "max_rate_min", "name": "装潢", "rate": "300", "minimum": "10000"}, {}),
    ("choice unknown", {"kind": "flat", "name": "补贴", "minimum": "1", "choice": "exchange"}, {}),
    ("choice other", {"kind": "flat", "name": "补贴", "minimum": "1", "choice": "exchange"}, {"choice": "cash"}),
    ("choice odd label", {"kind": "flat", "name": "补贴", "minimum": "1", "choice": "x"}, {"choice": "x"}),
    (
        "window open",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_start": "2026-12-01", "window_end": "2026-12-10"},
        {},
    ),
    (
        "window end only, lapsed",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_end": "2026-12-10"},
        {"today": datetime.date(2026, 12, 11)},
    ),
    (
        "window start only, today",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_start": "2026-12-01"},
        {"today": datetime.date(2026, 12, 11)},
    ),
    (
        "window signed in",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_start": "2026-12-06", "window_end": "2026-12-06"},
        {"signed_at": SIGNED},
    ),
    (
        "window signed before",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_start": "2026-12-07"},
        {"signed_at": SIGNED},
    ),
    (
        "window signed after",
        {"kind": "flat", "name": "奖", "minimum": "1", "window_end": "2026-12-05"},
        {"signed_at": SIGNED},
    ),
    ("effect unknown", {"kind": "flat", "name": "奖", "minimum": "1", "requires_effect": True}, {}),
    ("effect no", {"kind": "flat", "name": "奖", "minimum": "1", "requires_effect": True}, {"took_effect": False}),
    ("effect yes", {"kind": "flat", "name": "奖", "minimum": "1", "requires_effect": True}, {"took_effect": True}),
    ("min ratio unknown", {"kind": "flat", "name": "奖", "minimum": "1", "min_ratio": "0.9"}, {}),
    (
        "min ratio short",
        {"kind": "flat", "name": "奖", "minimum": "1", "min_ratio": "0.9"},
        {"final_ratio": D("0.8512")},
    ),
    ("min ratio met", {"kind": "flat", "name": "奖", "minimum": "1", "min_ratio": 0.9}, {"final_ratio": D("0.9")}),
    ("min ratio blank", {"kind": "flat", "name": "奖", "minimum": "1", "min_ratio": ""}, {}),
    (
        "every gate pending",
        {
            "kind": "flat",
            "name": "奖",
            "minimum": "1",
            "choice": "cash",
            "window_end": "2026-12-31",
            "requires_effect": True,
            "min_ratio": "0.85",
        },
        {},
    ),
    (
        "per person",
        {"kind": "per_person", "name": "重病补贴", "person_kind": "重病", "minimum": "20000"},
        {"persons": {"重病": 2}},
    ),
    ("per person none", {"kind": "per_person", "name": "重病补贴", "person_kind": "重病", "minimum": "20000"}, {}),
    ("per person no kind", {"kind": "per_person", "name": "人头", "rate": "10"}, {"persons": {"": 3}}),
    (
        "per person pending",
        {"kind": "per_person", "name": "人头", "minimum": "1", "person_kind": "高龄", "requires_effect": True},
        {"persons": {"高龄": 1}},
    ),
    ("day tiers none", {"kind": "day_tiers", "name": "签约奖"}, {}),
    ("day tiers pending", {"kind": "day_tiers", "name": "签约奖", "tiers": TIERS}, {}),
    (
        "day tiers pending, first gone",
        {"kind": "day_tiers", "name": "签约奖", "tiers": TIERS},
        {"today": datetime.date(2026, 12, 11)},
    ),
    (
        "day tiers all gone",
        {"kind": "day_tiers", "name": "签约奖", "tiers": TIERS},
        {"today": datetime.date(2027, 1, 1)},
    ),
    ("day tiers signed first", {"kind": "day_tiers", "name": "签约奖", "tiers": TIERS}, {"signed_at": SIGNED}),
    (
        "day tiers moved second",
        {"kind": "day_tiers", "name": "搬迁奖", "basis": "moved", "tiers": TIERS},
        {"moved_at": MOVED},
    ),
    (
        "day tiers moved late",
        {"kind": "day_tiers", "name": "搬迁奖", "basis": "moved", "tiers": TIERS[:1]},
        {"moved_at": datetime.datetime(2027, 1, 2)},
    ),
    (
        "day tiers moved unknown",
        {"kind": "day_tiers", "name": "搬迁奖", "basis": "moved", "tiers": TIERS},
        {"signed_at": SIGNED},
    ),
    ("ratio steps none", {"kind": "ratio_steps", "name": "比例奖"}, {}),
    ("ratio steps pending", {"kind": "ratio_steps", "name": "比例奖", "steps": STEPS}, {}),
    ("ratio steps below", {"kind": "ratio_steps", "name": "比例奖", "steps": STEPS}, {"final_ratio": D("0.8")}),
    ("ratio steps middle", {"kind": "ratio_steps", "name": "比例奖", "steps": STEPS}, {"final_ratio": D("0.9")}),
    ("ratio steps top", {"kind": "ratio_steps", "name": "比例奖", "steps": STEPS}, {"final_ratio": D("0.95")}),
    (
        "ratio steps with window",
        {"kind": "ratio_steps", "name": "比例奖", "steps": STEPS, "window_end": "2026-12-31"},
        {},
    ),
    ("unknown kind excluded first", {"kind": "lottery", "name": "奖", "choice": "exchange"}, {"choice": "cash"}),
]

EXPECTED = {
    "per_area": ("搬家费", "搬家费", "30 元/㎡ × 23.45 ㎡ = 703.50 元", "703.50", "included", "", False),
    "flat minimum": ("move", "设施移装费", "每证 5,000.00 元", "5000.00", "included", "", False),
    "max rate or minimum": (
        "装潢",
        "装潢",
        "max(300 元/㎡ × 23.45 ㎡ = 7,035.00，保底 10,000.00) = 10,000.00 元",
        "10000.00",
        "included",
        "",
        False,
    ),
    "choice unknown": (
        "补贴",
        "补贴",
        "每证 1.00 元（条件：选择产权调换）",
        "1.00",
        "conditional",
        "选择产权调换",
        False,
    ),
    "choice other": ("补贴", "补贴", "仅适用于选择产权调换的家庭", "0.00", "excluded", "", False),
    "choice odd label": ("补贴", "补贴", "每证 1.00 元", "1.00", "included", "", False),
    "window open": (
        "奖",
        "奖",
        "每证 1.00 元（条件：在 2026-12-01 至 2026-12-10 内签约）",
        "1.00",
        "conditional",
        "在 2026-12-01 至 2026-12-10 内签约",
        False,
    ),
    "window end only, lapsed": ("奖", "奖", "未在 2026-12-10 前签约，期限已过", "0.00", "excluded", "", True),
    "window start only, today": (
        "奖",
        "奖",
        "每证 1.00 元（条件：在 2026-12-01 至 … 内签约）",
        "1.00",
        "conditional",
        "在 2026-12-01 至 … 内签约",
        False,
    ),
    "window signed in": ("奖", "奖", "每证 1.00 元", "1.00", "included", "", False),
    "window signed before": ("奖", "奖", "签约日 2026-12-06 不在 2026-12-07 至 … 内", "0.00", "excluded", "", False),
    "window signed after": ("奖", "奖", "签约日 2026-12-06 不在 … 至 2026-12-05 内", "0.00", "excluded", "", False),
    "effect unknown": ("奖", "奖", "每证 1.00 元（条件：协议生效）", "1.00", "conditional", "协议生效", False),
    "effect no": ("奖", "奖", "协议未生效，不发放", "0.00", "excluded", "", False),
    "effect yes": ("奖", "奖", "每证 1.00 元", "1.00", "included", "", False),
    "min ratio unknown": (
        "奖",
        "奖",
        "每证 1.00 元（条件：最终签约比例达到 90.00%）",
        "1.00",
        "conditional",
        "最终签约比例达到 90.00%",
        False,
    ),
    "min ratio short": ("奖", "奖", "最终签约比例 85.12% 未达 90.00%", "0.00", "excluded", "", False),
    "min ratio met": ("奖", "奖", "每证 1.00 元", "1.00", "included", "", False),
    "min ratio blank": ("奖", "奖", "每证 1.00 元", "1.00", "included", "", False),
    "every gate pending": (
        "奖",
        "奖",
        "每证 1.00 元（条件：选择货币补偿、在 … 至 2026-12-31 内签约、协议生效、最终签约比例达到 85.00%）",
        "1.00",
        "conditional",
        "选择货币补偿、在 … 至 2026-12-31 内签约、协议生效、最终签约比例达到 85.00%",
        False,
    ),
    "per person": (
        "重病补贴",
        "重病补贴",
        "重病 2 人 × 20,000.00 元 = 40,000.00 元",
        "40000.00",
        "included",
        "",
        False,
    ),
    "per person none": ("重病补贴", "重病补贴", "重病 0 人 × 20,000.00 元 = 0.00 元", "0.00", "excluded", "", False),
    "per person no kind": ("人头", "人头", "人员 3 人 × 234.50 元 = 703.50 元", "703.50", "included", "", False),
    "per person pending": (
        "人头",
        "人头",
        "高龄 1 人 × 1.00 元 = 1.00 元（条件：协议生效）",
        "1.00",
        "conditional",
        "协议生效",
        False,
    ),
    "day tiers none": ("签约奖", "签约奖", "未设置时间档", "0.00", "excluded", "", False),
    "day tiers pending": (
        "签约奖",
        "签约奖",
        "2026-12-10 前签约：每证 20,000.00 元（条件：2026-12-10 前签约）",
        "20000.00",
        "conditional",
        "2026-12-10 前签约",
        False,
    ),
    "day tiers pending, first gone": (
        "签约奖",
        "签约奖",
        "2026-12-31 前签约：100 元/㎡ × 23.45 ㎡ = 2,345.00 元（条件：2026-12-31 前签约）",
        "2345.00",
        "conditional",
        "2026-12-31 前签约",
        False,
    ),
    "day tiers all gone": ("签约奖", "签约奖", "未在 2026-12-31 前签约，期限已过", "0.00", "excluded", "", True),
    "day tiers signed first": (
        "签约奖",
        "签约奖",
        "签约日 2026-12-06（2026-12-10 前档）：每证 20,000.00 元",
        "20000.00",
        "included",
        "",
        False,
    ),
    "day tiers moved second": (
        "搬迁奖",
        "搬迁奖",
        "搬离日 2026-12-20（2026-12-31 前档）：100 元/㎡ × 23.45 ㎡ = 2,345.00 元",
        "2345.00",
        "included",
        "",
        False,
    ),
    "day tiers moved late": ("搬迁奖", "搬迁奖", "搬离日 2027-01-02 晚于最后一档", "0.00", "excluded", "", False),
    "day tiers moved unknown": (
        "搬迁奖",
        "搬迁奖",
        "2026-12-10 前搬离：每证 20,000.00 元（条件：2026-12-10 前搬离）",
        "20000.00",
        "conditional",
        "2026-12-10 前搬离",
        False,
    ),
    "ratio steps none": ("比例奖", "比例奖", "未设置比例档", "0.00", "excluded", "", False),
    "ratio steps pending": (
        "比例奖",
        "比例奖",
        "最高档：每证 30,000.00 元（条件：最终签约比例达到 95.00%）",
        "30000.00",
        "conditional",
        "最终签约比例达到 95.00%",
        False,
    ),
    "ratio steps below": ("比例奖", "比例奖", "最终签约比例 80.00% 未达最低档 85.00%", "0.00", "excluded", "", False),
    "ratio steps middle": (
        "比例奖",
        "比例奖",
        "最终签约比例 90.00% ≥ 85.00%：max(500 元/㎡ × 23.45 ㎡ = 11,725.00，保底 10,000.00) = 11,725.00 元",
        "11725.00",
        "included",
        "",
        False,
    ),
    "ratio steps top": (
        "比例奖",
        "比例奖",
        "最终签约比例 95.00% ≥ 95.00%：每证 30,000.00 元",
        "30000.00",
        "included",
        "",
        False,
    ),
    "ratio steps with window": (
        "比例奖",
        "比例奖",
        "最高档：每证 30,000.00 元（条件：在 … 至 2026-12-31 内签约、最终签约比例达到 95.00%）",
        "30000.00",
        "conditional",
        "在 … 至 2026-12-31 内签约、最终签约比例达到 95.00%",
        False,
    ),
    "unknown kind excluded first": ("奖", "奖", "仅适用于选择产权调换的家庭", "0.00", "excluded", "", False),
}


@pytest.mark.parametrize(("label", "item", "facts"), CASES, ids=[case[0] for case in CASES])
def test_each_item_line_as_before(label, item, facts):
    line = c.evaluate_item(item, c.Facts(S=D("23.45"), **facts))
    got = (line.code, line.label, line.formula, str(line.amount), line.status, line.condition, line.lapsed)
    assert got == EXPECTED[label]


def test_an_unknown_kind_is_refused_once_every_gate_lets_it_through():
    with pytest.raises(c.CompensationError, match="未知的补偿项目类型“lottery”"):
        c.evaluate_item({"kind": "lottery", "name": "奖"}, c.Facts(S=D("1")))
