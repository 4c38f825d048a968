"""The matcher without a database: normalising, tokens, ranking, the desk's topic and confidence."""

import sys
import types

import pytest

from guides import matching
from guides.matching import GuideIndex, GuideText

GUIDES = [
    GuideText(
        key="nursing-home-entry",
        topic="养老政策",
        name="申请入住养老机构",
        summary="想住养老院，先做评估，再登记轮候床位。",
        tags="养老院、敬老院、床位、轮候",
        questions="我想住养老院要办什么手续\n公办养老院怎么排队",
    ),
    GuideText(
        key="elderly-meal-service",
        topic="养老政策",
        name="社区老年助餐服务",
        summary="长者食堂吃饭，行动不便可以送餐上门。",
        tags="助餐、送餐、长者食堂",
        questions="老人吃饭有没有地方\n能不能送饭到家里",
    ),
    GuideText(
        key="hukou-after-moving",
        topic="旧改政策",
        name="搬迁后户口迁移",
        summary="旧改后户口迁到新房、亲友家或社区公共户。",
        tags="户口、迁户口、派出所",
        questions="动迁以后户口迁到哪里",
    ),
    GuideText(
        key="home-purchase-after-compensation",
        topic="房产买卖租赁",
        name="征收后买房",
        summary="补偿款买房可以申请契税减免。",
        tags="买房、契税、首套、贷款",
        questions="补偿款买房算不算首套",
    ),
]


@pytest.fixture(autouse=True)
def _no_external_dialect(monkeypatch):
    monkeypatch.setattr(matching, "_dialect_checked", True)
    monkeypatch.setattr(matching, "_dialect_module", None)


def test_shanghainese_function_words_become_plain_mandarin():
    assert matching.normalise("阿拉姆妈想住敬老院，要啥条件伐") == "我们妈妈想住敬老院，要什么条件吗"


def test_the_hook_uses_insight_dialect_when_that_module_exists(monkeypatch):
    module = types.ModuleType("insight.dialect")
    module.normalise = lambda text: text.replace("老娘舅", "调解员")
    monkeypatch.setitem(sys.modules, "insight.dialect", module)
    monkeypatch.setattr(matching, "_dialect_checked", False)
    assert matching.normalise("请老娘舅来") == "请调解员来"


@pytest.mark.parametrize("broken", [lambda text: 1 / 0, lambda text: None, lambda text: ("我们", 0.9)])
def test_a_broken_dialect_module_does_not_stop_the_desk(monkeypatch, broken):
    monkeypatch.setattr(matching, "_dialect_module", broken)
    assert matching.normalise("阿拉") == "我们"


def test_synonyms_meet_through_concepts():
    assert "#养老机构" in matching.question_tokens("老人院")
    assert "#养老机构" in matching.tokens("入住养老机构")


def test_filler_words_do_not_make_bigrams():
    grams = matching.bigrams("请问低保怎么申请")
    assert "请问" not in grams and "怎么" not in grams and "保怎" not in grams
    assert {"低保", "申请"} <= set(grams)


def test_a_dialect_question_finds_the_nursing_home_guide_first():
    index = GuideIndex.build(GUIDES)
    ranked = index.rank("阿拉爷叔一家头住勿来了，想送伊去老人院，要排队伐", topic="养老政策")
    assert ranked[0].key == "nursing-home-entry"
    assert ranked[0].confident


def test_the_desk_topic_breaks_a_near_tie_but_does_not_override_the_words():
    index = GuideIndex.build(GUIDES)
    # asked at the housing desk, the words still say hukou
    assert index.rank("户口迁移", topic="房产买卖租赁")[0].key == "hukou-after-moving"


def test_a_question_no_guide_answers_gets_no_confident_suggestion():
    index = GuideIndex.build(GUIDES)
    ranked = index.rank("厕所在哪里", topic="养老政策")
    assert not any(m.confident for m in ranked)


def test_empty_index_and_empty_question_answer_nothing():
    assert GuideIndex.build([]).rank("养老院") == []
    assert GuideIndex.build(GUIDES).rank("   ") == []


def test_desk_labels_from_question_files_map_to_desk_topics():
    topics = ["法律", "养老政策", "物流服务", "旧改政策"]
    assert matching.topic_for_desk("养老", topics) == "养老政策"
    assert matching.topic_for_desk("物流", topics) == "物流服务"
    assert matching.topic_for_desk("法律", topics) == "法律"
    assert matching.topic_for_desk("", topics) == ""


def test_a_place_the_resident_refuses_is_not_what_they_ask_about():
    bag = matching.question_tokens("阿拉姆妈覅去养老院，有没有派人上门照顾的")
    assert "#养老机构" not in bag and "#上门护理" in bag
    # "wants the flat, not the money" is no refusal of a place
    assert "#安置房" in matching.question_tokens("我们要房子不要钱")


def test_characters_alone_rank_a_guide_but_never_confidently():
    index = GuideIndex.build(GUIDES)
    ranked = index.rank("床轮")  # no word of any guide, only two of the nursing-home guide's characters
    assert ranked[0].key == "nursing-home-entry"
    assert not ranked[0].confident
