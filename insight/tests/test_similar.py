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
    assert "同一地址：蓬莱路100弄11号 · 同一问题：污水管堵塞" in found[0].reason
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


def test_a_candidate_is_read_again_when_its_description_changes(make_case, rules, world):
    first = make_case(title="报修", description="底楼粪管堵了，污水倒灌进灶披间。", location_text="蓬莱路100弄11号")
    second = make_case(title="报修", description="楼道灯坏了，晚上黑漆漆。", location_text="蓬莱路100弄11号")
    assert similar.similar_to_case(first) == []
    second.description = "11号楼下水道反水，马桶冲不下去，很臭。"
    second.save(update_fields=["description"])
    assert [s.case for s in similar.similar_to_case(first)] == [second]


def need(text, region_id=1, **kw):
    return similarity.Need.of(description=text, region_id=region_id, **kw)


def test_one_pipe_told_three_ways_is_one_issue_with_reasons():
    phone = need("来电人反映：陕西南路582弄11号底楼粪管堵塞，污水倒灌，现诉求尽快疏通。")
    desk = need("伊住陕南路五八二弄十一号，下水道反水，马桶冲勿下去，臭得来")
    visit = need("走访582弄11号，灶披间地漏往外冒污水")
    for a, b in [(phone, desk), (desk, visit), (phone, visit)]:
        score, why = similarity.same_issue_score(a, b)
        assert score >= similarity.THRESHOLD
        assert "同一地址" in why["summary"] and "同一问题：污水管堵塞" in why["summary"]


def test_two_problems_of_one_building_are_not_glued_together():
    sewer = need("陕西南路582弄11号粪管堵了")
    for other in ("陕西南路582弄11号楼道灯坏了，晚上黑漆漆", "陕西南路582弄11号楼上装修太吵，睡不着"):
        score, why = similarity.same_issue_score(sewer, need(other))
        assert score < similarity.THRESHOLD, why


def test_a_sure_other_building_vetoes_an_uncertain_place_does_not():
    a = need("陕西南路582弄11号粪管堵了，污水倒灌")
    assert not similarity.is_same_issue(a, need("陕西南路582弄15号粪管堵了，污水倒灌"))
    # the same words with no place said: the grid decides, the place neither vetoes nor confirms
    assert similarity.is_same_issue(a, need("粪管堵了，污水倒灌，臭得不得了"))
    assert not similarity.is_same_issue(a, need("粪管堵了，污水倒灌，臭得不得了", region_id=2))


def test_a_crossing_told_from_either_road_is_one_place():
    a = need("陕西南路复兴中路口的窨井盖松了，车子开过去哐哐响")
    b = need("复兴中路靠近陕西南路那个窨井盖松动，晚上车一过就响")
    score, why = similarity.same_issue_score(a, b)
    assert score >= similarity.THRESHOLD and "同一路口" in why["summary"]


def test_another_flat_is_another_case_for_a_flats_own_problem_not_for_a_shared_one():
    heater = need("宛平路2号201室热水器坏了，房东不修")
    assert not similarity.is_same_issue(heater, need("宛平路2号301室热水器坏了，房东一直不修"))
    sewer = need("宛平路2号201室下水道堵了，污水倒灌")
    assert similarity.is_same_issue(sewer, need("宛平路2号301室下水道也堵了，马桶冲不下去"))


def test_the_same_person_told_by_a_neighbour_and_a_visit_note_is_one_issue():
    neighbour = need("嘉善路140弄李阿婆讲今朝中饭又没送到，这礼拜已经第二趟了")
    visit = need("送餐服务对象李某（嘉善路一四〇弄）反映本周两次未收到午餐配送，要求核查原因。")
    score, why = similarity.same_issue_score(neighbour, visit)
    assert score >= similarity.THRESHOLD and "同一居民：李某" in why["summary"]


def test_two_people_named_for_a_need_about_one_person_are_two_needs():
    li, wang = need("嘉善路140弄李阿婆今朝中饭又没送到"), need("嘉善路140弄王老伯今朝中饭又没送到")
    score, why = similarity.same_issue_score(li, wang)
    assert score < similarity.THRESHOLD and "不同居民" in why["summary"]
    # a caller named is not whom the need is about
    assert similarity.persons("来电人张某反映隔壁王阿婆多日未见") == {"王"}


def test_a_number_said_alone_is_compared_with_the_others_address():
    a = need("永嘉路511号4楼住户装修，双休日施工噪音扰民")
    assert similarity.is_same_issue(a, need("511号401装修，礼拜天早上八点就开始敲，一敲敲到夜里"))
    assert similarity.compare_places(a.place, need("515号楼上装修").place).relation == "different"


def test_two_stations_are_two_places():
    where = similarity.compare_places(need("陕西南路地铁站出口积水").place, need("老西门地铁站出口积水").place)
    assert where.relation == "different" and where.sure >= 0.8
    assert not similarity.is_same_issue(need("文庙门口共享单车堆成小山"), need("老西门地铁3号口共享单车堆成小山"))


def test_two_leaks_of_one_building_from_different_things_are_two_issues():
    bathroom, roof = need("梦花街41号三楼卫生间漏水到二楼厨房"), need("梦花街41号顶楼屋面漏水，三楼卧室滴水")
    assert not similarity.is_same_issue(bathroom, roof)


def test_a_question_and_a_report_about_one_thing_are_two_needs():
    stopped = need("尚文路60弄3号电梯停运两天了，老人下不了楼")
    score, why = similarity.same_issue_score(stopped, need("尚文路60弄3号居民咨询：加装电梯每户要出多少钱"))
    assert score < similarity.THRESHOLD and "一为咨询或建议，一为报告问题" in why["summary"]
    # two residents asking one question can be one need; two reports of the stopped lift are one
    assert similarity.is_same_issue(stopped, need("尚文路60弄3号电梯坏了，停了两天，八楼老人下不来"))


def test_a_matter_already_dealt_with_and_a_new_report_are_two_cases():
    old = need("上月蓬莱路118弄公用水龙头漏水，已于当月更换，工单办结。")
    again = need("蓬莱路118弄公用水龙头又漏水了，关勿牢")
    score, why = similarity.same_issue_score(old, again)
    assert score < similarity.THRESHOLD and "一件已办结" in why["summary"]
    # a new report that says the fix did not hold is still a report of the matter now
    assert not similarity.problems.closed(similarity.plain_text("前年已修复，今朝又漏了"))


def test_one_road_near_two_different_crossings_is_two_places():
    a = need("复兴东路近河南南路口人行道地砖松动翘起")
    b = need("复兴东路近西藏南路口人行道地砖松动，踩上去溅一脚泥水")
    where = similarity.compare_places(a.place, b.place)
    assert where.relation == "different" and where.phrase == "同一条路的不同路段"
    assert not similarity.is_same_issue(a, b)


def test_a_matter_told_as_fixed_later_in_residents_words_is_closed():
    old = need("前年冬天尚文路140弄3号门禁坏过一次，后来修好的。")
    new = need("尚文路140弄3号门禁从昨天起又打不开了，刷卡没反应。")
    assert old.closed and not new.closed
    assert not similarity.is_same_issue(old, new)
    assert similarity.problems.closed(similarity.plain_text("去年台风树枝断下来，后来园林来锯掉了"))


def test_two_crossings_that_share_one_road_are_two_places():
    a, b = need("西藏南路复兴东路口公交站棚玻璃碎了。"), need("河南南路复兴东路口公交站棚玻璃碎了。")
    assert similarity.compare_places(a.place, b.place).phrase == "不同路口"
    assert not similarity.is_same_issue(a, b)


def test_a_text_that_says_it_is_about_another_building_counts_against():
    a = need("嘉善路某号单元门门禁刷不开。")
    b = need("嘉善路另一幢楼的单元门被人撬坏了，锁芯掉了。")
    score, why = similarity.same_issue_score(a, b)
    assert score < similarity.THRESHOLD and "说明是另一处" in why["summary"]


def test_two_exits_of_one_station_are_two_places_though_the_station_is_named_after_a_road():
    a, b = need("陕西南路地铁站3号口共享单车乱停。"), need("陕西南路地铁站1号口共享单车乱停一大堆，挡牢出口。")
    assert similarity.compare_places(a.place, b.place).phrase == "同一车站的不同出口"
    assert not similarity.is_same_issue(a, b)


def test_one_road_at_two_crossings_of_the_gazetteer_vetoes():
    a, b = need("建国西路岳阳路口窨井盖松动，车子开过异响。"), need("建国西路太原路口窨井盖松动，车子开过哐啷哐啷。")
    score, why = similarity.same_issue_score(a, b)
    assert score <= 0.1 and "同一条路的不同路段" in why["summary"]


def test_one_site_with_two_troubles_and_two_pieces_of_fire_equipment_are_two_issues():
    piling = need("嘉善路某工地夜间23时后仍在打桩。")
    assert not similarity.is_same_issue(piling, need("嘉善路某工地白天扬尘大，渣土车出门泥浆撒了一路。"))
    assert similarity.is_same_issue(piling, need("嘉善路那个工地夜里十二点还在打桩，咚咚咚一夜天。"))
    hydrant = need("梦花街78弄消防栓滴水。")
    assert not similarity.is_same_issue(hydrant, need("梦花街78弄5号楼道里灭火器过期了。"))


def test_a_lamp_that_stays_on_and_one_that_is_off_are_two_troubles():
    on = need("学宫街60弄的路灯日里也亮着，一天到夜不灭，开关坏了。")
    off = need("学宫街60弄弄堂里的路灯夜里不亮，灯坏了，黑出黑进。")
    assert similarity.problems.compare(on.problem, off.problem).fault == -1
    assert not similarity.is_same_issue(on, off)


def test_rats_and_cockroaches_are_two_pests():
    assert not similarity.is_same_issue(
        need("蓬莱路120弄里厢蟑螂多得吓人，从下水道里爬上来。"), need("蓬莱路120弄里厢夜里老鼠窜来窜去。")
    )
    assert similarity.is_same_issue(need("蓬莱路120弄老鼠多，夜里窜来窜去"), need("蓬莱路120弄鼠害严重，老鼠成群"))


def test_a_question_about_cost_or_entitlement_is_not_a_report():
    report = need("南昌路92号居民家燃气热水器打不着火，还有异味。")
    question = need("南昌路92号居民问：屋里的燃气热水器用了十二年了，要不要换？有补贴伐？")
    assert question.asks and not report.asks
    assert not similarity.is_same_issue(report, question)
    # a report that ends with a question is still a report; a chat quoting someone's question too
    assert not need("尚文路60弄3号电梯坏了三天，什么时候来修？").asks
    assert not need("群里有人问：蓬莱路小区谁家在楼顶养鸽子？鸽子屎落得一地！").asks


def test_the_pairs_file_command_prints_precision_recall_and_f1_last(db, tmp_path):
    import re

    from django.core.management import call_command

    pairs = tmp_path / "pairs.csv"
    pairs.write_text(
        "text_a,text_b,same_issue,region_a,region_b\n"
        "陕西南路582弄11号粪管堵了,伊住陕南路五八二弄十一号，下水道反水,1,甲居委,甲居委\n"
        "陕西南路582弄11号粪管堵了,陕西南路582弄11号楼道灯不亮,0,甲居委,甲居委\n",
        encoding="utf-8",
    )
    out = __import__("io").StringIO()
    call_command("similar_evaluate", "--pairs", str(pairs), stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert re.fullmatch(r"precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3}", last)
    assert last == "precision=1.000 recall=1.000 f1=1.000"
