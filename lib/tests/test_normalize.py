import datetime

import pytest

from lib import idcard, normalize
from lib.normalize import NumberCell

FULL = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def test_text_makes_full_width_letters_digits_and_odd_spaces_plain_and_keeps_chinese_punctuation():
    assert normalize.text("\u3000王\u00a0秀英 \u200b") == "王 秀英"
    assert normalize.text("ＡＢ１２号  楼") == "AB12号 楼"
    assert normalize.text("①携带身份证，到（筹）办公室：\r\n  ②  等候  ") == "①携带身份证，到（筹）办公室：\n② 等候"
    assert normalize.text(None) == ""


def test_key_is_nfkc_without_any_whitespace():
    assert normalize.key(" 蓬莱路 第一网格\u3000") == "蓬莱路第一网格"
    assert normalize.key("１３９ ０００ ０１２３４") == "13900001234"
    assert normalize.key("居委（筹）") == "居委(筹)"


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("五", 5),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一二一", 121),
        ("二〇一", 201),
        ("三百零五", 305),
        ("一百一十", 110),
        ("一千二百", 1200),
        ("二十十", None),  # units out of order
        ("二三十", None),  # two digits before a unit
        ("一百十", None),  # not how a number is written
        ("十二甲", None),  # not wholly a numeral
        ("东", None),
        ("", None),
    ],
)
def test_chinese_numerals_become_digits_only_when_they_read_one_way(value, number):
    assert normalize.chinese_number(value) == number


def test_house_parts_lose_their_unit_and_full_width_and_chinese_digits():
    assert normalize.house("５号", "号") == "5"
    assert normalize.house("5", "号") == "5"
    assert normalize.house("十二弄", "弄") == "12"
    assert normalize.house("二〇一室", "室") == "201"
    assert normalize.house("12号甲", "号") == "12号甲"  # a sub-number stays as written
    assert normalize.house("号", "号") == "号"


def test_id_number_from_a_cell_in_full_width_digits_is_accepted():
    number = idcard.make("310101", datetime.date(1950, 5, 6), 13)
    assert idcard.from_cell(" " + number.translate(FULL) + "\u3000") == (number, "")


def test_a_15_digit_id_number_is_converted_to_18_with_a_note():
    number = idcard.make("310101", datetime.date(1950, 5, 6), 13)
    old = number[:6] + number[8:17]
    converted, note = idcard.from_cell(old)
    assert converted == number
    assert note.startswith("15 位旧身份证号已转换为 18 位") and old not in note and number not in note


@pytest.mark.parametrize("cell", [3.10101198809165e17, NumberCell(310101198809165000), "3.10101198809165E+17"])
def test_an_id_number_stored_as_a_number_is_explained(cell):
    with pytest.raises(idcard.IdNumberError, match="请将身份证号列设为文本"):
        idcard.from_cell(cell)
