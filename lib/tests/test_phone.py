"""One phone rule: every way of writing a number comes to one normal form; mobiles everywhere, landlines with
their area code where a landline makes sense; a Chinese message for the rest."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from lib import phone

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


WRITINGS = [
    lambda n: n,
    lambda n: "+86" + n,
    lambda n: "+86 " + n,
    lambda n: "0086" + n,
    lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    lambda n: f" {n[:3]}-{n[3:7]}-{n[7:]} ",
]


@given(mobiles, st.sampled_from(WRITINGS))
def test_a_mobile_written_any_way_comes_to_its_eleven_digits(number, written):
    text = written(number)
    assert phone.normalize(text) == phone.clean(text) == number
    assert phone.normalize(text.translate(FULL_WIDTH)) == number


@pytest.mark.parametrize(
    "text, number",
    [
        ("021-63281234", "02163281234"),
        ("(021) 6328 1234", "02163281234"),
        ("０２１－６３２８１２３４", "02163281234"),
        ("0571 8888888", "05718888888"),
        ("010-12345678", "01012345678"),
        ("+86 21 6328 1234", "02163281234"),
        ("0086-21-63281234", "02163281234"),
    ],
)
def test_a_landline_with_its_area_code_where_landlines_make_sense(text, number):
    assert phone.clean(text, landline=True) == number
    with pytest.raises(ValidationError) as refused:
        phone.clean(text)  # where texts are sent, a landline is no use
    assert refused.value.messages == ["手机号格式不正确，请填写 11 位手机号码。"]


@pytest.mark.parametrize("text", ["63281234", "12345678901", "1390000123", "139000012345", "12ab", "+1 415 555 0100"])
def test_everything_else_is_refused_in_chinese(text):
    with pytest.raises(ValidationError) as refused:
        phone.clean(text, landline=True)
    assert refused.value.messages[0].startswith("电话号码格式不正确：请填写 11 位手机号码，或带区号的固定电话")
    assert not phone.is_valid(text, landline=True)


def test_an_empty_number_is_left_to_the_caller():
    assert phone.clean("") == phone.clean("  ") == phone.clean(None) == ""
