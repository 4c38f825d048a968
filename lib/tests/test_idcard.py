"""GB 11643 validation: valid numbers always pass, any single-character change is caught."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib import idcard

TODAY = datetime.date(2026, 6, 1)
address_codes = st.integers(min_value=110000, max_value=829999).map(str)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)
numbers = st.builds(idcard.make, address_codes, births, sequences)


@given(address_codes, births, sequences)
def test_numbers_made_by_make_always_validate(code, birth, seq):
    number = idcard.make(code, birth, seq)
    assert idcard.validate(number, today=TODAY) == number
    assert idcard.birth_date(number) == birth
    assert idcard.gender(number) == ("male" if seq % 2 else "female")


@given(numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10))
def test_any_single_character_change_is_rejected(number, position, shift):
    # MOD 11-2 detects every single-digit substitution, including in the check character
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = number[position]
    new = alphabet[(alphabet.index(old) + shift) % len(alphabet)]
    if new == old:
        return
    changed = number[:position] + new + number[position + 1 :]
    with pytest.raises(idcard.IdNumberError):
        idcard.validate(changed, today=TODAY)


@given(numbers)
def test_check_character_satisfies_the_iso_7064_equation(number):
    # sum(a_i * 2^(17-i)) + check ≡ 1 (mod 11), with X standing for 10
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    check = 10 if number[17] == "X" else int(number[17])
    assert (sum(int(d) * w for d, w in zip(number[:17], weights, strict=True)) + check) % 11 == 1


@given(numbers)
def test_lower_case_x_and_spaces_are_normalised(number):
    messy = " " + number[:6] + " " + number[6:].lower() + " "
    assert idcard.validate(messy, today=TODAY) == number


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("3101011990010112", "身份证号应为18位，当前为16位"),
        ("31010119900101123A", "身份证号只能由数字组成，最后一位可以是X"),
        ("010101199001011234", "身份证号的地址码不正确"),
        ("310101199002301234", "身份证号中的出生日期不存在"),
        ("310101203001011234", "身份证号中的出生日期不合理"),
    ],
)
def test_bad_numbers_are_explained_in_chinese(value, message):
    with pytest.raises(idcard.IdNumberError, match=message):
        idcard.validate(value, today=TODAY)
