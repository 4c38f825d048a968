"""Reading what residents say: addresses in spoken form, dialect, the problem named (no database)."""

import pytest

from insight import address, dialect, problems


@pytest.mark.parametrize(
    ("said", "road", "lane", "number"),
    [
        ("伊住建国西路120弄3号，楼道里漏水", "建国西路", "120", "3"),
        ("我家在嘉善路100弄", "嘉善路", "100", ""),
        ("阿姐为了复兴中路568弄的事体来电", "复兴中路", "568", ""),
        ("来电人讲伊拉住在蒙自路三百弄廿号", "蒙自路", "300", "20"),
        ("陕西南路五八二弄十一号底楼", "陕西南路", "582", "11"),
        ("５８２弄１１号楼下水道", "", "582", "11"),
        ("陕南路582弄11号一楼", "陕西南路", "582", "11"),
        ("住在永嘉路十八号", "永嘉路", "", "18"),
        ("蓬莱路252-7号", "蓬莱路", "252", "7"),
        ("楼上那家水管漏了，水淌到阿拉屋里，188弄6号二楼", "", "188", "6"),
    ],
)
def test_addresses_are_read_without_the_speakers_words(said, road, lane, number):
    r = address.read(said)
    assert (r.road, r.lane, r.number) == (road, lane, number)


def test_rooms_stairways_floors_and_landmarks_are_read_too():
    r = address.read("建国西路391弄3号楼2单元502室")
    assert (r.number, r.unit, r.room) == ("3", "2", "502")
    assert address.read("永嘉路61号三楼的租客").floor == "3"
    assert address.read("老西门地铁站7号口边上垃圾堆了好几天").landmark == "老西门站7号口"
    assert address.read("老西门站出口的盲道上堆满共享单车").landmark == "老西门"


def test_an_estate_stands_for_the_road():
    r = address.read("伊拉住在曹杨新村12号，电梯坏了")
    assert (r.road, r.number) == ("曹杨新村", "12")
    assert address.read("我住康乐小区3号楼").road == "康乐小区"


def test_a_road_outside_the_gazetteer_is_a_guess_and_says_so():
    known, guessed = address.read("伊住建国西路120弄"), address.read("伊住在长乐村路45弄")
    assert guessed.road == "长乐村路"
    assert guessed.certainty < known.certainty == 1.0
    address.add_roads(["长乐村路"])
    assert address.read("伊住在长乐村路45弄").certainty == 1.0


def test_words_that_only_look_like_addresses_are_not_read():
    for said in ("楼道路灯坏了", "打了12345热线没人管", "阿拉小区门口的马路上"):
        assert address.read(said) == address.Reading()


def test_chinese_numerals():
    assert [address.cn_number(x) for x in ("五八二", "五百八十二", "十一", "一百零三", "廿三")] == [
        582,
        582,
        11,
        103,
        23,
    ]


def test_dialect_and_hotline_phrasing_are_made_plain():
    assert dialect.normalise("伊屋里厢马桶堵牢了，交关臭，希望物业公司来看看") == "他家里马桶堵了，很臭，希望物业来看看"
    assert dialect.normalise("来电人反映：现诉求尽快处理") == "反映：希望尽快处理"
    assert dialect.parse("# note\n侬 => 你\n阿拉\t我们\n") == {"侬": "你", "阿拉": "我们"}


def test_the_problem_is_the_thing_and_what_is_wrong_with_it():
    sewer = problems.problem_of("粪管堵牢了，污水倒灌进灶披间")
    assert sewer.label == "污水管堵塞"
    same = problems.compare(sewer, problems.problem_of("下水道反水，马桶冲不下去"))
    assert (same.thing, same.fault, same.label, same.building_wide) == (1, 1, "污水管堵塞", True)
    other = problems.compare(sewer, problems.problem_of("楼道灯不亮，晚上看不见"))
    assert other.thing == -1
    # a neighbour who does not answer is about an elderly person living alone
    assert "独居老人" in problems.problem_of("敲门无应答，电话也不接").things


def test_a_word_inside_a_longer_word_names_nothing_of_its_own():
    street = problems.problem_of("582弄弄堂口路灯坏了")
    assert street.things == ("路灯",)
    assert problems.compare(street, problems.problem_of("楼道灯坏了")).thing == -1
    # a quarrel a problem led to is not a noise
    assert "噪音" not in problems.problem_of("楼上晾衣服滴水，两家为此吵过几次").things
    # things one need is often told by either neither confirm nor contradict
    sofa, bulky = problems.problem_of("弄口扔了一只旧沙发"), problems.problem_of("大件垃圾没人清运")
    assert problems.compare(sofa, bulky).thing >= 0
    rubbish, junk = problems.problem_of("门口垃圾没人倒"), problems.problem_of("有人在楼道里堆杂物")
    assert problems.compare(rubbish, junk).thing == 0
