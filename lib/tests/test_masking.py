import datetime
import logging

from hypothesis import given
from hypothesis import strategies as st

from lib import idcard, masking
from lib.tests.test_idcard import numbers

phones = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(numbers)
def test_masked_id_keeps_only_prefix_and_last_four(number):
    masked = masking.mask_id_number(number)
    assert masked == number[:4] + "*" * 10 + number[-4:]
    assert not idcard.is_valid(masked)


@given(phones)
def test_masked_phone_hides_the_middle_four(phone):
    assert masking.mask_phone(phone) == phone[:3] + "****" + phone[-4:]


@given(numbers, phones, st.text(alphabet="王李张来电话住址，。 ", max_size=20))
def test_free_text_never_keeps_a_full_id_or_phone(number, phone, filler):
    text = f"{filler}身份证{number}{filler}电话{phone}{filler}"
    masked = masking.mask_text(text)
    assert number not in masked and phone not in masked
    assert masking.find_personal_numbers(masked) == []
    assert set(masking.find_personal_numbers(text)) == {number, phone}


def test_short_values_are_fully_hidden():
    assert masking.mask_id_number("123") == "***"
    assert masking.mask_phone("12345") == "*****"
    assert masking.mask_phone("021-6328") == "****6328"


def test_log_filter_masks_numbers_in_every_line(caplog):
    number = idcard.make("310101", datetime.date(1950, 5, 1), 7)
    logger = logging.getLogger("minhu.test.masking")
    logger.addFilter(masking.MaskingLogFilter())
    with caplog.at_level(logging.INFO, logger="minhu.test.masking"):
        logger.info("resident %s phone %s", number, "13912345678")
    assert number not in caplog.text and "13912345678" not in caplog.text
    assert "139****5678" in caplog.text
