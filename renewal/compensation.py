"""Old-district renovation (旧改) compensation arithmetic: pure functions, no models, no database.

The rules are docs in ``../shared/specs/renewal-compensation.md`` (沪府令71号 and each plot's 征收补偿方案).
Money is ``Decimal`` yuan, rounded to the fen half-up. Each of the three value components (E or 0.8 × E, P, T)
is rounded to the fen on its own and then added: rounding the sum instead is off by a fen in real agreements.

Who relies on this: ``renewal.services`` (household estimates, whole-plot estimates in the task queue, the
settlement after the signing period), the certificate import (house types), the ``renewal_estimate`` command
(support staff, scripted checks) and ``renewal.purchase`` (the flat-size sheet). Everything a plot decides (A, k, t,
Pz, area rounding, reward items) comes in as an argument; nothing here is a plot constant.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal, overload
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")  # signing days are local days
FEN = Decimal("0.01")
AREA_STEP = Decimal("0.01")
ZERO = Decimal("0")
TENANT_SHARE = Decimal("0.8")  # a public-housing tenant's family receives 0.8 × E; 0.2 × E goes to the owner
PER_PERSON_AREA = Decimal("22")  # 居住困难 top-up: converted area per certified person
DEFAULT_SUBSIDY_COEFFICIENT = Decimal("0.30")
DEFAULT_TYPE_AREA = Decimal("15")


class CompensationError(ValueError):
    """Bad input; the message is Chinese and says what to fix."""


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def money(amount: Decimal) -> str:
    """1882000 -> '1,882,000.00' (for the itemised lines)."""
    return f"{fen(amount):,.2f}"


def num(value: Decimal) -> str:
    """A plain number without a trailing exponent: Decimal('15.000') -> '15.000', Decimal('1E+1') -> '10'."""
    return format(value, "f")


# Housing types -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseType:
    name: str
    coefficient: Decimal  # 居住面积 -> 建筑面积 conversion (municipal table)
    self_contained: bool  # 成套独用: no 套型面积补贴 T


HOUSE_TYPES: dict[str, HouseType] = {
    t.name: t
    for t in (
        HouseType("公寓", Decimal("2.06"), True),
        HouseType("独立住宅", Decimal("1.83"), True),
        HouseType("新式里弄", Decimal("1.82"), True),
        HouseType("新工房 (成套, 有电梯)", Decimal("2.00"), True),
        HouseType("新工房 (成套, 无电梯)", Decimal("1.98"), True),
        HouseType("新工房 (不成套, 无电梯)", Decimal("1.94"), False),
        HouseType("两万户", Decimal("1.65"), False),
        HouseType("旧式里弄", Decimal("1.54"), False),
        HouseType("简屋", Decimal("1.25"), False),
    )
}


def _squash(text: str) -> str:
    table = str.maketrans({"（": "(", "）": ")", "，": ",", "、": ","})
    return "".join(str(text).translate(table).split())


_BY_KEY = {_squash(name): t for name, t in HOUSE_TYPES.items()}
# "新工房 成套" without the lift says whether it is self-contained (enough for T) but not which coefficient
# applies; it is accepted when the building area is given, and refused for a 居住面积 conversion.
_PARTIAL = {"新工房成套": (True, ("新工房 (成套, 有电梯)", "新工房 (成套, 无电梯)")), "新工房不成套": (False, ())}


def house_type(name: str) -> HouseType | None:
    """The table row for a house type name (full-width or half-width punctuation, any spacing)."""
    return _BY_KEY.get(_squash(name or ""))


def resolve_house_type(name: str) -> tuple[str, HouseType | None, bool]:
    """(display name, table row or None when ambiguous, self_contained). Raises CompensationError if unknown.
    Cached for text names: a plot has a handful of house types and a whole-plot estimate asks thousands of times."""
    if isinstance(name, str):
        return _resolve_house_type_cached(name)
    return _resolve_house_type(name)  # e.g. a list from a JSON file: refused below with the usual message


def _resolve_house_type(name) -> tuple[str, HouseType | None, bool]:
    key = _squash(name or "")
    if key in _BY_KEY:
        row = _BY_KEY[key]
        return row.name, row, row.self_contained
    if key in _PARTIAL:
        contained, _options = _PARTIAL[key]
        if key == "新工房不成套":
            row = HOUSE_TYPES["新工房 (不成套, 无电梯)"]
            return row.name, row, False
        return str(name).strip(), None, contained
    known = "、".join(HOUSE_TYPES)
    raise CompensationError(f"房屋类型“{name}”不在折算系数表中（可选：{known}）")


_resolve_house_type_cached = functools.lru_cache(maxsize=256)(_resolve_house_type)


# Recognised floor area S ----------------------------------------------------------------------------------------

AREA_ROUNDING_MODES = ("none", "per_room", "total")


def converted_area(living_areas, coefficient: Decimal, rounding: str = "none") -> Decimal:
    """建筑面积 from 居住面积 per room (租赁部位), rounded as the plot's plan says.

    none: exact; per_room: each room's converted area to 0.01 ㎡ half-up, then summed; total: the exact sum to 0.01.
    """
    if rounding not in AREA_ROUNDING_MODES:
        raise CompensationError(f"面积取整方式“{rounding}”无效（可选：none、per_room、total）")
    rooms = [Decimal(x) for x in living_areas]
    if rounding == "per_room":
        return sum((((r * coefficient).quantize(AREA_STEP, ROUND_HALF_UP)) for r in rooms), ZERO)
    exact = sum((r * coefficient for r in rooms), ZERO)
    if rounding == "total":
        return exact.quantize(AREA_STEP, ROUND_HALF_UP)
    return exact


# Value compensation V and the top-up G --------------------------------------------------------------------------


@dataclass
class Line:
    """One itemised line of an estimate, in Chinese with its numbers."""

    code: str
    label: str
    formula: str
    amount: Decimal | None = None  # None for lines that are not money (the area)
    status: str = "included"  # included | conditional (awaits a fact: signing time, final ratio) | excluded
    # what a conditional line still waits for, in Chinese ("2026-12-10 前签约、协议生效"); shown on the flat sheet
    condition: str = ""
    lapsed: bool = False  # excluded because its day passed before the household signed (or moved)

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "formula": self.formula,
            "amount": None if self.amount is None else str(self.amount),
            "status": self.status,
            "condition": self.condition,
            "lapsed": self.lapsed,
        }


@dataclass
class ValueResult:
    building_area: Decimal
    E: Decimal
    E_share: Decimal
    P: Decimal
    T: Decimal
    V: Decimal
    G: Decimal
    lines: list[Line] = field(default_factory=list)

    def as_strings(self) -> dict[str, str]:
        return {k: num(getattr(self, k)) for k in ("building_area", "E", "E_share", "P", "T", "V", "G")}


@overload
def _dec(
    value: object, what: str, *, allow_none: Literal[False] = False, positive: bool = False, nonnegative: bool = True
) -> Decimal: ...
@overload
def _dec(
    value: object, what: str, *, allow_none: bool, positive: bool = False, nonnegative: bool = True
) -> Decimal | None: ...
def _dec(value, what: str, *, allow_none=False, positive=False, nonnegative=True) -> Decimal | None:
    if value is None or value == "":
        if allow_none:
            return None
        raise CompensationError(f"缺少{what}")
    if isinstance(value, bool):
        raise CompensationError(f"{what}应为数字")
    if type(value) is Decimal:
        d = value  # already exact (the model fields): no round trip through str
    else:
        try:
            d = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise CompensationError(f"{what}“{value}”不是有效的数字") from None
    if not d.is_finite():
        raise CompensationError(f"{what}“{value}”不是有效的数字")
    if positive and d <= 0:
        raise CompensationError(f"{what}应大于0")
    if nonnegative and d < 0:
        raise CompensationError(f"{what}不能为负数")
    return d


def top_up(V: Decimal, Pz: Decimal | None, N: int | None) -> Decimal:
    """居住困难户保障补贴: if V / Pz / N < 22 then G = Pz × N × 22 − V, else 0 (exact comparison, no division)."""
    if not Pz or not N:
        return ZERO.quantize(FEN)
    target = Pz * N * PER_PERSON_AREA
    return fen(target - V) if target > V else ZERO.quantize(FEN)


def value_compensation(
    *,
    tenure: str,
    house_type_name: str,
    plot_average_price,
    building_area=None,
    living_areas=None,
    unit_price=None,
    subsidy_coefficient=DEFAULT_SUBSIDY_COEFFICIENT,
    type_area=DEFAULT_TYPE_AREA,
    area_rounding: str = "none",
    self_contained: bool | None = None,
    difficulty_persons=None,
    conversion_price=None,
) -> ValueResult:
    """三块砖 V = E + P + T (tenant: 0.8 × E + P + T) and the housing-difficulty top-up G, itemised.

    Steps: 1. S from the certificate's 建筑面积, or 居住面积 per room × the house type's coefficient;
    2. E = max(U, A) × S; 3. P = A × k × S; 4. T = A × t for non-self-contained dwellings;
    5. V = (E or 0.8 × E) + P + T, each rounded to the fen first; 6. G from Pz and N.
    """
    if tenure not in ("public", "private"):
        raise CompensationError(f"产权性质“{tenure}”无效（public 公房承租 或 private 私有产权）")
    type_label, row, contained_default = resolve_house_type(house_type_name)
    contained = contained_default if self_contained is None else bool(self_contained)
    A = _dec(plot_average_price, "评估均价 A", positive=True)
    U = _dec(unit_price, "评估单价 U", allow_none=True, positive=True)
    k = _dec(subsidy_coefficient, "价格补贴系数 k")
    t = _dec(type_area, "套型面积补贴面积 t")
    if k > Decimal("0.30"):
        raise CompensationError("价格补贴系数 k 不能超过 0.30")
    if t > Decimal("15"):
        raise CompensationError("套型面积补贴面积 t 不能超过 15 ㎡")
    lines: list[Line] = []

    if (building_area is None) == (living_areas is None):
        raise CompensationError("请提供建筑面积或居住面积（二者取一）")
    if building_area is not None:
        S = _dec(building_area, "建筑面积", positive=True)
        lines.append(Line("S", "认定建筑面积", f"S = 证载建筑面积 {num(S)} ㎡"))
    else:
        rooms = living_areas if isinstance(living_areas, list | tuple) else [living_areas]
        if not rooms:
            raise CompensationError("居住面积不能为空")
        rooms = [_dec(r, "居住面积", positive=True) for r in rooms]
        if row is None:
            raise CompensationError(f"房屋类型“{type_label}”未注明有无电梯，无法按居住面积折算建筑面积")
        S = converted_area(rooms, row.coefficient, area_rounding)
        parts = " + ".join(num(r) for r in rooms)
        mode = {"none": "不取整", "per_room": "逐间取整到0.01", "total": "合计取整到0.01"}[area_rounding]
        lines.append(
            Line(
                "S",
                "认定建筑面积",
                f"S = 居住面积 ({parts}) ㎡ × {row.coefficient}（{row.name}折算系数，{mode}）= {num(S)} ㎡",
            )
        )

    price = max(U, A) if U is not None else A
    exact_E = price * S
    E = fen(exact_E)
    u_text = f"U {money(U)}，" if U is not None else ""
    lines.append(
        Line(
            "E",
            "评估价格",
            f"E = max({u_text}A {money(A)}) × S {num(S)} ㎡ = {money(price)} × {num(S)} = {money(E)} 元",
            E,
        )
    )
    if tenure == "public":
        E_share = fen(TENANT_SHARE * exact_E)
        lines.append(
            Line(
                "E_share",
                "承租人所得评估价格",
                f"0.8 × E = 0.8 × {money(exact_E)} = {money(E_share)} 元（其余 0.2 × E 归公房产权单位）",
                E_share,
            )
        )
    else:
        E_share = E
    P = fen(A * k * S)
    lines.append(Line("P", "价格补贴", f"P = A {money(A)} × k {num(k)} × S {num(S)} ㎡ = {money(P)} 元", P))
    if contained:
        T = ZERO.quantize(FEN)
        lines.append(Line("T", "套型面积补贴", f"T = 0（{type_label}为成套独用住宅，不适用）", T))
    else:
        T = fen(A * t)
        lines.append(Line("T", "套型面积补贴", f"T = A {money(A)} × t {num(t)} ㎡ = {money(T)} 元（每证一次）", T))
    V = E_share + P + T
    first = "0.8 × E" if tenure == "public" else "E"
    lines.append(
        Line(
            "V",
            "价值补偿款（三块砖）",
            f"V = {first} + P + T = {money(E_share)} + {money(P)} + {money(T)} = {money(V)} 元",
            V,
        )
    )

    N = _dec(difficulty_persons, "居困人口 N", allow_none=True)
    Pz = _dec(conversion_price, "折算单价 Pz", allow_none=True, positive=True)
    if N is not None and N.to_integral_value() != N:
        raise CompensationError("居困人口 N 应为整数")
    n = int(N) if N is not None else 0
    G = top_up(V, Pz, n)
    if not n or Pz is None:
        lines.append(Line("G", "居住困难户保障补贴", "G = 0（未认定居困人口或未设折算单价）", G))
    else:
        per_person = (V / Pz / n).quantize(FEN, ROUND_HALF_UP)
        if G > 0:
            lines.append(
                Line(
                    "G",
                    "居住困难户保障补贴",
                    f"V / Pz / N = {money(V)} / {money(Pz)} / {n} = {per_person} ㎡ < 22 ㎡，"
                    f"G = Pz × N × 22 − V = {money(Pz)} × {n} × 22 − {money(V)} = {money(G)} 元",
                    G,
                )
            )
        else:
            lines.append(
                Line(
                    "G",
                    "居住困难户保障补贴",
                    f"V / Pz / N = {money(V)} / {money(Pz)} / {n} = {per_person} ㎡ ≥ 22 ㎡，G = 0",
                    G,
                )
            )
    return ValueResult(S, E, E_share, P, T, V, G, lines)


def exact_value(*, tenure: str, S: Decimal, A: Decimal, U: Decimal | None, k: Decimal, t: Decimal, contained: bool):
    """V without any rounding (used by the property tests to bound the rounding error)."""
    price = max(U, A) if U is not None else A
    E = price * S * (TENANT_SHARE if tenure == "public" else 1)
    return E + A * k * S + (ZERO if contained else A * t)


# Plan items: rewards and subsidies as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What is known about one certificate and its plot when the items are evaluated.

    None means "not known yet" (not signed, period not over): gated items then show as conditional.
    ``today`` is the day the answer is given: a reward for signing (or moving) by a day already past is gone for a
    household that has not done so, not pending. None keeps every window open (pure calculations in tests).
    """

    S: Decimal
    choice: str = ""  # "cash" | "exchange" | ""
    signed_at: datetime.datetime | None = None
    moved_at: datetime.datetime | None = None
    took_effect: bool | None = None
    final_ratio: Decimal | None = None
    persons: dict = field(default_factory=dict)  # person kind -> count (同住人, 重病, 高龄, 残疾 …)
    today: datetime.date | None = None


def _amount(rate: Decimal, minimum: Decimal, S: Decimal) -> tuple[Decimal, str]:
    by_area = fen(rate * S)
    if rate and minimum:
        value = max(by_area, fen(minimum))
        return (
            value,
            f"max({num(rate)} 元/㎡ × {num(S)} ㎡ = {money(by_area)}，保底 {money(minimum)}) = {money(value)} 元",
        )
    if rate:
        return by_area, f"{num(rate)} 元/㎡ × {num(S)} ㎡ = {money(by_area)} 元"
    return fen(minimum), f"每证 {money(minimum)} 元"


def _local_date(moment: datetime.datetime) -> datetime.date:
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(SHANGHAI).date()


@functools.lru_cache(maxsize=1024)
def _rule_decimal(text: str) -> Decimal:
    """A number of a plan rule ("300.00"): rules are plain data, parsed again for every certificate otherwise."""
    return Decimal(text)


def _rule_number(value) -> Decimal:
    return _rule_decimal(str(value or 0))


@dataclass(frozen=True)
class _Excluded:
    """Why an item is not paid to this household (the excluded line's formula); ``lapsed`` when its day passed."""

    formula: str
    lapsed: bool = False


# A gate answers None (passed), a condition still awaited (Chinese, shown on the line) or _Excluded.
def _choice_gate(item: dict, facts: Facts) -> str | _Excluded | None:
    choice = item.get("choice") or ""
    if not choice:
        return None
    label = {"cash": "货币补偿", "exchange": "产权调换"}.get(choice, choice)
    if facts.choice and facts.choice != choice:
        return _Excluded(f"仅适用于选择{label}的家庭")
    return None if facts.choice else f"选择{label}"


def _window_gate(item: dict, facts: Facts) -> str | _Excluded | None:
    start, end = item.get("window_start"), item.get("window_end")
    if not (start or end):
        return None
    window = f"{start or '…'} 至 {end or '…'}"
    if facts.signed_at is None:
        if end and facts.today and facts.today > _as_date(end):
            return _Excluded(f"未在 {end} 前签约，期限已过", lapsed=True)
        return f"在 {window} 内签约"
    day = _local_date(facts.signed_at)
    if (start and day < _as_date(start)) or (end and day > _as_date(end)):
        return _Excluded(f"签约日 {day} 不在 {window} 内")
    return None


def _effect_gate(item: dict, facts: Facts) -> str | _Excluded | None:
    if not item.get("requires_effect") or facts.took_effect:
        return None
    return "协议生效" if facts.took_effect is None else _Excluded("协议未生效，不发放")


def _ratio_gate(item: dict, facts: Facts) -> str | _Excluded | None:
    min_ratio = item.get("min_ratio")
    if min_ratio in (None, ""):
        return None
    min_ratio = Decimal(str(min_ratio))
    if facts.final_ratio is None:
        return f"最终签约比例达到 {_pct(min_ratio)}"
    if facts.final_ratio < min_ratio:
        return _Excluded(f"最终签约比例 {_pct(facts.final_ratio)} 未达 {_pct(min_ratio)}")
    return None


GATES = (_choice_gate, _window_gate, _effect_gate, _ratio_gate)  # checked in this order; conditions listed so


# An amount rule answers (value, formula, condition still awaited or "") or _Excluded.
def _fixed_amount(item: dict, facts: Facts, rate: Decimal, minimum: Decimal):
    value, formula = _amount(rate, minimum, facts.S)
    return value, formula, ""


def _per_person_amount(item: dict, facts: Facts, rate: Decimal, minimum: Decimal):
    person = item.get("person_kind") or ""
    count = int(facts.persons.get(person, 0))
    each, _each_formula = _amount(rate, minimum, facts.S)
    value = fen(each * count)
    formula = f"{person or '人员'} {count} 人 × {money(each)} 元 = {money(value)} 元"
    if not count:
        return _Excluded(formula)
    return value, formula, ""


def _tier_amount(tier: dict, S: Decimal) -> tuple[Decimal, str]:
    return _amount(_rule_number(tier.get("rate")), _rule_number(tier.get("minimum")), S)


def _day_tiers_amount(item: dict, facts: Facts, rate: Decimal, minimum: Decimal):
    """The tier of the day the household signed (or moved); before that day, the best tier still reachable."""
    basis = item.get("basis") or "signed"
    moment = facts.signed_at if basis == "signed" else facts.moved_at
    basis_label = "签约" if basis == "signed" else "搬离"
    tiers = sorted(item.get("tiers") or [], key=lambda tier: str(tier["until"]))
    if not tiers:
        return _Excluded("未设置时间档")
    if moment is None:
        # the best tier still reachable: tiers whose day is past are gone for a household not yet there
        open_tiers = [tr for tr in tiers if not facts.today or facts.today <= _as_date(tr["until"])]
        if not open_tiers:
            return _Excluded(f"未在 {tiers[-1]['until']} 前{basis_label}，期限已过", lapsed=True)
        best = open_tiers[0]
        value, f = _tier_amount(best, facts.S)
        return value, f"{best['until']} 前{basis_label}：{f}", f"{best['until']} 前{basis_label}"
    day = _local_date(moment)
    tier = next((tr for tr in tiers if day <= _as_date(tr["until"])), None)
    if tier is None:
        return _Excluded(f"{basis_label}日 {day} 晚于最后一档")
    value, f = _tier_amount(tier, facts.S)
    return value, f"{basis_label}日 {day}（{tier['until']} 前档）：{f}", ""


def _ratio_steps_amount(item: dict, facts: Facts, rate: Decimal, minimum: Decimal):
    """The highest step the plot's final signing ratio reached; before it is known, the top step."""
    steps = sorted(item.get("steps") or [], key=lambda s: _rule_number(s["ratio"]))
    if not steps:
        return _Excluded("未设置比例档")
    if facts.final_ratio is None:
        top = steps[-1]
        value, f = _tier_amount(top, facts.S)
        return value, f"最高档：{f}", f"最终签约比例达到 {_pct(Decimal(str(top['ratio'])))}"
    reached = [s for s in steps if facts.final_ratio >= _rule_number(s["ratio"])]
    if not reached:
        lowest = _pct(Decimal(str(steps[0]["ratio"])))
        return _Excluded(f"最终签约比例 {_pct(facts.final_ratio)} 未达最低档 {lowest}")
    step = reached[-1]
    value, f = _tier_amount(step, facts.S)
    return value, f"最终签约比例 {_pct(facts.final_ratio)} ≥ {_pct(Decimal(str(step['ratio'])))}：{f}", ""


AMOUNT_RULES = {
    "per_area": _fixed_amount,
    "flat": _fixed_amount,
    "max_rate_min": _fixed_amount,
    "per_person": _per_person_amount,
    "day_tiers": _day_tiers_amount,
    "ratio_steps": _ratio_steps_amount,
}


def evaluate_item(item: dict, facts: Facts) -> Line:
    """One plan item for one certificate. ``item`` is plain data (see renewal.models.PlanItem.as_rule).

    1. The gates in order (choice, date window, taking effect, final ratio): the first that excludes answers;
       the others may each add a condition still awaited.
    2. The amount by the item's kind (``AMOUNT_RULES``), which may exclude or add a condition of its own.
    3. Included, or conditional with every condition listed (its amount shown, not yet counted).
    """
    kind = item["kind"]
    name = item["name"]
    code = item.get("code") or name
    rate = _rule_number(item.get("rate"))
    minimum = _rule_number(item.get("minimum"))
    conditions: list[str] = []
    for gate in GATES:
        outcome = gate(item, facts)
        if isinstance(outcome, _Excluded):
            return Line(code, name, outcome.formula, ZERO.quantize(FEN), "excluded", lapsed=outcome.lapsed)
        if outcome:
            conditions.append(outcome)
    rule = AMOUNT_RULES.get(kind)
    if rule is None:
        raise CompensationError(f"未知的补偿项目类型“{kind}”")
    outcome = rule(item, facts, rate, minimum)
    if isinstance(outcome, _Excluded):
        return Line(code, name, outcome.formula, ZERO.quantize(FEN), "excluded", lapsed=outcome.lapsed)
    value, formula, condition = outcome
    if condition:
        conditions.append(condition)
    if conditions:
        condition = "、".join(conditions)
        return Line(code, name, formula + "（条件：" + condition + "）", value, "conditional", condition)
    return Line(code, name, formula, value, "included")


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return _local_date(value)
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _pct(ratio: Decimal) -> str:
    return f"{(ratio * 100).quantize(Decimal('0.01'), ROUND_HALF_UP)}%"


@dataclass
class Estimate:
    value: ValueResult
    items: list[Line]

    @property
    def items_total(self) -> Decimal:
        # money lines (included, conditional) always carry an amount
        return sum((line.amount for line in self.items if line.status == "included"), ZERO.quantize(FEN))  # type: ignore[type-var,return-value]

    @property
    def conditional_total(self) -> Decimal:
        return sum((line.amount for line in self.items if line.status == "conditional"), ZERO.quantize(FEN))  # type: ignore[type-var,return-value]

    @property
    def total(self) -> Decimal:
        """V + G + the items already due (conditional ones are listed, not counted)."""
        return self.value.V + self.value.G + self.items_total

    @property
    def lines(self) -> list[Line]:
        return self.value.lines + self.items


def estimate(*, value_kwargs: dict, items: list[dict], facts: Facts) -> Estimate:
    value = value_compensation(**value_kwargs)
    facts = Facts(**{**facts.__dict__, "S": value.building_area})
    return Estimate(value, [evaluate_item(item, facts) for item in items])
