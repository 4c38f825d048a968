"""Possibly the same issue: the labelled pairs, and the look-up over real cases with one-click merge."""

import csv
from pathlib import Path

import pytest

from cases.models import Case
from insight import similarity
from insight.actions import similar
from people.models import Address

PAIRS = Path(__file__).resolve().parents[2] / "tests" / "data" / "similar_pairs.csv"


def load_pairs():
    return list(csv.DictReader(PAIRS.open(encoding="utf-8")))


def judge(row):
    a = similarity.Need.of(
        title=row["a_title"], description=row["a_description"], location_text=row["a_location"], region_id=1
    )
    b = similarity.Need.of(
        title=row["b_title"],
        description=row["b_description"],
        location_text=row["b_location"],
        region_id=1 if row["same_grid"] == "1" else 2,
    )
    return similarity.is_same_issue(a, b)


def test_the_pair_set_is_big_enough_and_balanced():
    rows = load_pairs()
    assert len(rows) >= 60
    same = sum(r["same"] == "1" for r in rows)
    assert 0.35 < same / len(rows) < 0.65


@pytest.mark.parametrize(("split", "min_precision", "min_recall"), [("dev", 0.95, 0.95), ("test", 0.9, 0.95),
                                                                    ("fresh", 0.9, 0.8)])  # fmt: skip
def test_duplicate_detection_on_the_fixture_pairs(split, min_precision, min_recall):
    tp = fp = fn = 0
    for row in load_pairs():
        if row["split"] != split:
            continue
        predicted, gold = judge(row), row["same"] == "1"
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    assert tp / (tp + fp) >= min_precision
    assert tp / (tp + fn) >= min_recall


def test_places_are_read_from_words_and_addresses():
    p = similarity.find_place("家住陕西南路582弄11号底楼")
    assert (p.road, p.lane, p.number, p.building) == ("陕西南路", "582", "11", "陕西南路582弄11号")
    assert similarity.place_score(p, similarity.find_place("582弄11号")) == 1.0  # road taken from the other
    assert similarity.place_score(p, similarity.find_place("陕西南路582弄15号")) == 0.0
    assert similarity.place_score(p, similarity.find_place("陕西南路582弄")) == 0.7
    near = similarity.Place(lat=31.2100, lon=121.4600)
    assert similarity.place_score(near, similarity.Place(lat=31.2105, lon=121.4602)) == 0.6
    assert similarity.place_score(near, similarity.Place(lat=31.2200, lon=121.4600)) == 0.0


def test_open_cases_at_the_same_building_are_offered_and_merged_in_one_click(make_case, rules, users, world):
    first = make_case(title="粪管堵塞", description="底楼粪管堵了，污水倒灌进灶披间。", location_text="蓬莱路100弄11号")
    second = make_case(
        title="下水道反水", description="11号楼下水道反水，马桶冲不下去，很臭。", location_text="蓬莱路100弄11号"
    )
    elsewhere = make_case(
        title="下水道反水", description="下水道反水，马桶冲不下去，很臭。", location_text="蓬莱路100弄15号"
    )
    other_problem = make_case(title="楼道灯坏了", description="11号楼道灯不亮。", location_text="蓬莱路100弄11号")
    found = similar.similar_to_case(second, user=users["worker"])
    assert [s.case for s in found] == [first]
    assert "同一楼栋" in found[0].reason
    assert elsewhere not in [s.case for s in similar.similar_to_case(first)]
    assert other_problem not in [s.case for s in similar.similar_to_case(first)]
    # out of the user's regions: nothing is offered
    assert similar.similar_to_case(second, user=users["worker_tianping"]) == []
    merged = similar.merge_into(case=first, into=second, by=users["staff"])
    assert merged == second  # the newer case joins the older one
    second.refresh_from_db()
    assert second.status == Case.Status.MERGED and second.merged_into == first


def test_the_reporters_address_is_the_place_when_the_words_name_none(make_case, rules, world):
    address = Address.objects.create(region=world.penglai_grid, road="蓬莱路", lane="100", number="3", room="201")
    a = make_case(title="电梯故障", description="电梯又停了，老人上不去楼。", address=address)
    b = make_case(title="电梯困人", description="3号楼电梯困人半小时，三天两头坏。", location_text="蓬莱路100弄3号")
    assert [s.case for s in similar.similar_to_case(b)] == [a]
