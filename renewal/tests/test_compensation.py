"""The calculator against the spec's synthetic checks, and its properties (hypothesis)."""

from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewal import compensation as c
from renewal import purchase


def test_lifted_price_public_old_lane():
    r = c.value_compensation(
        tenure="public", house_type_name="旧式里弄", building_area="20", plot_average_price="50000", unit_price="52000"
    )
    assert r.E_share == D("832000.00")
    assert D("300000.00") == r.P
    assert D("750000.00") == r.T
    assert D("1882000.00") == r.V
    assert "0.8 × E" in r.lines[2].formula and "832,000.00" in r.lines[2].formula


def test_unit_price_below_average_is_lifted_to_a():
    r = c.value_compensation(
        tenure="private", house_type_name="旧式里弄", building_area="20", plot_average_price="50000", unit_price="48000"
    )
    assert (D("1000000.00"), D("300000.00"), D("750000.00"), D("2050000.00")) == (r.E, r.P, r.T, r.V)


def test_self_contained_new_workers_housing_gets_no_type_subsidy():
    r = c.value_compensation(
        tenure="public", house_type_name="新工房 成套", building_area="50", plot_average_price="40000"
    )
    assert D("0") == r.T
    assert D("2200000.00") == r.V


def test_no_top_up_when_per_person_area_reaches_22():
    assert c.top_up(D("2200000"), D("21500"), 4) == 0  # 2,200,000 / 21,500 / 4 = 25.58 ≥ 22


def test_top_up_to_22_square_metres_per_person():
    assert c.top_up(D("2200000"), D("21500"), 5) == D("165000.00")


def test_simple_shack_living_area_conversion():
    assert c.converted_area([D("12.0")], c.HOUSE_TYPES["简屋"].coefficient) == D("15.00")
    r = c.value_compensation(tenure="public", house_type_name="简屋", living_areas=[12.0], plot_average_price=50000)
    assert r.building_area == D("15.00")


def test_area_rounding_modes_differ_as_the_plot_says():
    rooms = [D("10.33"), D("8.27")]  # × 1.54 = 15.9082 and 12.7358
    coeff = c.HOUSE_TYPES["旧式里弄"].coefficient
    assert c.converted_area(rooms, coeff, "none") == D("28.6440")
    assert c.converted_area(rooms, coeff, "per_room") == D("15.91") + D("12.74")
    assert c.converted_area(rooms, coeff, "total") == D("28.64")


def test_tenant_share_is_rounded_once_from_the_exact_appraisal():
    # max(U, A) × S = 50,000.03 × 10.01 = 500,500.3003: 0.8 × exact = 400,400.24024 -> 400,400.24
    r = c.value_compensation(
        tenure="public", house_type_name="公寓", building_area="10.01", plot_average_price="50000.03"
    )
    assert D("500500.30") == r.E
    assert r.E_share == D("400400.24")


def test_ambiguous_new_workers_housing_cannot_convert_living_area():
    with pytest.raises(c.CompensationError, match="电梯"):
        c.value_compensation(tenure="public", house_type_name="新工房 成套", living_areas=[10], plot_average_price=1)


def test_unknown_house_type_is_refused_in_chinese():
    with pytest.raises(c.CompensationError, match="不在折算系数表中"):
        c.value_compensation(tenure="public", house_type_name="别墅", building_area=10, plot_average_price=1)


areas = st.decimals(min_value=D("1"), max_value=D("300"), places=2)
prices = st.decimals(min_value=D("1000"), max_value=D("200000"), places=2)
types = st.sampled_from(list(c.HOUSE_TYPES))
tenures = st.sampled_from(["public", "private"])


@settings(max_examples=200, deadline=None)
@given(tenure=tenures, ht=types, s1=areas, s2=areas, a=prices, u=st.none() | prices)
def test_value_is_monotone_in_area(tenure, ht, s1, s2, a, u):
    lo, hi = sorted([s1, s2])
    kw = {"tenure": tenure, "house_type_name": ht, "plot_average_price": a, "unit_price": u}
    assert c.value_compensation(building_area=lo, **kw).V <= c.value_compensation(building_area=hi, **kw).V


@settings(max_examples=200, deadline=None)
@given(tenure=tenures, ht=types, s=areas, a1=prices, a2=prices, u=st.none() | prices)
def test_value_is_monotone_in_average_price(tenure, ht, s, a1, a2, u):
    lo, hi = sorted([a1, a2])
    kw = {"tenure": tenure, "house_type_name": ht, "building_area": s, "unit_price": u}
    assert c.value_compensation(plot_average_price=lo, **kw).V <= c.value_compensation(plot_average_price=hi, **kw).V


@settings(max_examples=200, deadline=None)
@given(
    v=st.decimals(min_value=D("0"), max_value=D("5000000"), places=2),
    pz=st.decimals(min_value=D("5000"), max_value=D("60000"), places=2),
    n=st.integers(min_value=1, max_value=9),
)
def test_top_up_brings_each_person_to_exactly_22_square_metres(v, pz, n):
    g = c.top_up(v, pz, n)
    if v / pz / n < 22:
        assert g > 0
        assert (v + g) / pz / n == 22
    else:
        assert g == 0


@settings(max_examples=300, deadline=None)
@given(
    tenure=tenures,
    ht=types,
    s=st.decimals(min_value=D("1"), max_value=D("300"), places=4),
    a=st.decimals(min_value=D("1000"), max_value=D("200000"), places=2),
    u=st.none() | st.decimals(min_value=D("1000"), max_value=D("200000"), places=2),
    k=st.decimals(min_value=D("0"), max_value=D("0.30"), places=3),
    t=st.decimals(min_value=D("0"), max_value=D("15"), places=2),
)
def test_per_component_rounding_stays_within_one_and_a_half_fen_of_exact(tenure, ht, s, a, u, k, t):
    r = c.value_compensation(
        tenure=tenure,
        house_type_name=ht,
        building_area=s,
        plot_average_price=a,
        unit_price=u,
        subsidy_coefficient=k,
        type_area=t,
    )
    exact = c.exact_value(tenure=tenure, S=s, A=a, U=u, k=k, t=t, contained=c.HOUSE_TYPES[ht].self_contained)
    assert abs(r.V - exact) <= D("0.015")


def test_items_max_rate_or_minimum_and_gates():
    facts = c.Facts(S=D("20"), choice="cash", signed_at=None, final_ratio=None)
    decoration = c.evaluate_item({"kind": "max_rate_min", "name": "装潢补偿", "rate": "300", "minimum": "10000"}, facts)
    assert decoration.amount == D("10000.00") and decoration.status == "included"
    balancing = c.evaluate_item(
        {"kind": "per_area", "name": "均衡实物安置补贴", "rate": "1000", "choice": "exchange"}, facts
    )
    assert balancing.status == "excluded"
    ratio = c.evaluate_item(
        {
            "kind": "ratio_steps",
            "name": "比例奖",
            "steps": [{"ratio": "0.85", "minimum": "10000"}, {"ratio": "0.95", "minimum": "30000"}],
        },
        facts,
    )
    assert ratio.status == "conditional" and ratio.amount == D("30000.00")


def test_flat_size_at_the_140_square_metre_tax_step():
    s = purchase.PurchaseSettings(maintenance_fund_rate=D("0.02"), registration_fee=D("80"))
    price = D("50000")
    at_140 = purchase.purchase_cost(D("140"), price, s).total  # 7,000,000 + 1% + 2% + 80
    assert at_140 == D("7210080.00")
    area, cost = purchase.largest_area(at_140, price, s)
    assert area == D("140.00") and cost.deed_tax_rate == D("0.01")
    # 140.01 ㎡ jumps to 1.5 % on the whole price: even a much larger budget stops at 140 until it covers that step
    above = purchase.purchase_cost(D("140.01"), price, s).total
    assert above > at_140 + D("35000")
    assert purchase.largest_area(above - D("0.01"), price, s)[0] == D("140.00")
    assert purchase.largest_area(above, price, s)[0] == D("140.01")
