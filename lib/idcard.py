"""Resident identity card numbers (居民身份证号码), GB 11643-1999.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), and a
check character computed with ISO 7064 MOD 11-2 over the first 17 digits.
"""

import datetime
import re
import unicodedata

from lib.masking import mask_id_number
from lib.normalize import NumberCell

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """Raised with a Chinese message explaining what is wrong with the number."""


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: object) -> str:
    """Full-width digits and letters made plain (NFKC), every space gone, ``x`` made ``X``."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).split()).upper()


# what Excel shows, or a CSV round trip leaves, for an ID number stored as a number: 3.10101198809165e+17
_SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+")
NUMBER_CELL_MESSAGE = "身份证号被存成了数字，末几位已丢失：请将身份证号列设为文本后重新填写。"
CONVERTED_NOTE = "15 位旧身份证号已转换为 18 位：%(old)s → %(new)s"


def upgrade_15(number: str) -> str:
    """The 18-digit form of a 15-digit number issued before 1999: century 19 inserted, check character added.
    Raises IdNumberError when the 15 digits are not a plausible old number."""
    if len(number) != 15 or not number.isdigit():
        raise IdNumberError(f"身份证号应为18位，当前为{len(number)}位")
    first17 = number[:6] + "19" + number[6:]
    return validate(first17 + check_char(first17))


def from_cell(value: object) -> tuple[str, str]:
    """An ID number from a spreadsheet cell: ``(number, note)``, ``note`` saying what was changed ("" if nothing).

    1. a cell Excel stored as a number of more than 15 digits, or text in scientific notation, has lost its last
       digits: refused with ``NUMBER_CELL_MESSAGE``, which tells staff to format the column as text;
    2. full-width digits and spaces are normalised (``normalize``);
    3. a 15-digit old number is converted to 18 digits and the note says so;
    4. the result is validated (``validate``). Raises IdNumberError with a Chinese message.
    """
    number = normalize(value)
    if (isinstance(value, NumberCell | int | float) and len(number) > 15) or _SCIENTIFIC.fullmatch(number):
        raise IdNumberError(NUMBER_CELL_MESSAGE)
    if len(number) == 15 and number.isdigit():
        new = upgrade_15(number)
        # the note is shown and kept: masked like every ID number on screen
        return new, CONVERTED_NOTE % {"old": mask_id_number(number), "new": mask_id_number(new)}
    return validate(number), ""


def validate(value: str, *, today: datetime.date | None = None) -> str:
    """Returns the normalised number or raises IdNumberError (message in Chinese)."""
    number = normalize(value)
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为18位，当前为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号只能由数字组成，最后一位可以是X")
    if number[0] == "0":
        raise IdNumberError("身份证号的地址码不正确")
    try:
        birth = birth_date(number)
    except ValueError:
        raise IdNumberError("身份证号中的出生日期不存在") from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1900:
        raise IdNumberError("身份证号中的出生日期不合理")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("身份证号校验位不正确")
    return number


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except IdNumberError:
        return False
    return True


def birth_date(number: str) -> datetime.date:
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> str:
    """'male' or 'female' from the sequence digit."""
    return "male" if int(number[16]) % 2 == 1 else "female"


def make(address_code: str, birth: datetime.date, sequence: int) -> str:
    """Builds a valid number (demo data and tests; never a real person's)."""
    first17 = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
