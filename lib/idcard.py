"""Resident identity card numbers (居民身份证号码), GB 11643-1999.

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male), and a
check character computed with ISO 7064 MOD 11-2 over the first 17 digits.
"""

import datetime

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


class IdNumberError(ValueError):
    """Raised with a Chinese message explaining what is wrong with the number."""


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


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
