"""统一社会信用代码 (unified social credit code), GB 32100-2015. Pure: no database.

18 characters from the 31-character set ``0-9 A-Z`` without I, O, Z, S, V: registration authority (1),
entity type (1), registering region (6 digits), organisation code (9), check character (1). The check
character is C18 = 31 − (Σ Ci × Wi mod 31), with 31 written as 0 (R-IND-02 keys entities by this code).
"""

from __future__ import annotations

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_SHAPE = re.compile(rf"^[{CHARSET}]{{2}}\d{{6}}[{CHARSET}]{{10}}$")


class CreditCodeError(ValueError):
    """A value that is not a valid 统一社会信用代码; the message is Chinese."""


def check_char(body: str) -> str:
    """The check character of the first 17 characters."""
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise(value: str) -> str:
    """Upper case, spaces removed; raises ``CreditCodeError`` unless the code is valid."""
    code = "".join(value.split()).upper()
    if len(code) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位（此值{len(code)}位）")
    if not _SHAPE.match(code):
        raise CreditCodeError("统一社会信用代码含有不允许的字符（不使用I、O、Z、S、V，第3–8位为区划代码）")
    if check_char(code[:17]) != code[17]:
        raise CreditCodeError("统一社会信用代码校验位错误（GB 32100）")
    return code


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except CreditCodeError:
        return False
    return True


def make(body: str) -> str:
    """A valid code from 17 characters (test data and the simulator)."""
    return body + check_char(body)
