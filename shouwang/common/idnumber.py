"""Resident ID numbers (GB 11643-1999): 6-digit area code, 8-digit birth date, 3-digit sequence
(odd for men, even for women) and an ISO 7064 MOD 11-2 check character."""

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE][+-]?\d+$")


class IdNumberError(ValueError):
    """Carries a Chinese message suitable for a row-level error report."""


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: dt.date
    sex: str  # "M" / "F"


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    return raw.strip().upper()


def parse(raw: object) -> IdInfo:
    """Validate one ID number; raise IdNumberError with the reason in Chinese.

    A value that spreadsheet software turned into a number (``5.30102E+17``, or a float whose
    last digits were lost) is refused, never repaired: the lost digits cannot be recovered.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise IdNumberError("证件号码为空")
    if isinstance(raw, float | int) and not isinstance(raw, bool):
        raise IdNumberError("证件号码被表格软件存成了数字（末几位可能已丢失），请将该列设为文本后重新导出")
    value = normalise(str(raw))
    if _SCIENTIFIC.match(value):
        raise IdNumberError(f"证件号码“{value}”是科学计数法，已被表格软件损坏，请将该列设为文本后重新导出")
    if value.endswith(".0") and value[:-2].isdigit():
        raise IdNumberError(f"证件号码“{value}”被表格软件存成了数字，请将该列设为文本后重新导出")
    if len(value) != 18:
        if value.isdigit() and len(value) in (15, 16, 17):
            raise IdNumberError(f"证件号码“{value}”只有{len(value)}位，可能被表格软件截断或丢失了末位")
        raise IdNumberError(f"证件号码“{value}”应为18位，实际{len(value)}位")
    if not _SHAPE.match(value):
        raise IdNumberError(f"证件号码“{value}”含有非法字符（前17位须为数字，末位为数字或X）")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise IdNumberError(f"证件号码“{value}”中的出生日期{value[6:14]}不存在") from exc
    if birth.year < 1900 or birth > dt.date.today():
        raise IdNumberError(f"证件号码“{value}”中的出生日期{value[6:14]}不合理")
    expected = check_char(value[:17])
    if value[17] != expected:
        if value.endswith("000"):
            # Excel keeps 15 significant digits: the last three come back as zeros.
            raise IdNumberError(f"证件号码“{value}”末三位为000且校验位不符，疑似被表格软件丢失了末几位")
        raise IdNumberError(f"证件号码“{value}”校验位错误（应为{expected}），可能有数字录错")
    return IdInfo(number=value, birth_date=birth, sex="M" if int(value[16]) % 2 else "F")


def is_valid(raw: object) -> bool:
    try:
        parse(raw)
    except IdNumberError:
        return False
    return True


def make(area: str, birth: dt.date, seq: int) -> str:
    """Build a valid ID (used by the simulator and tests). ``seq`` is 0..999; its parity is the sex."""
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def mask(value: str) -> str:
    """Display form: first 4 and last 4 characters, e.g. ``5303**********123X``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
