"""统一社会信用代码 (GB 32100) check character: published examples and one-character corruptions."""

import pytest

from shouwang.industry import creditcode


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110000802100433B", "91530326MA6K000011"[:17] + "X"]
)
def test_check_character(code: str) -> None:
    body = code[:17]
    assert creditcode.is_valid(creditcode.make(body))
    if code in ("91350100M000100Y43", "91110000802100433B"):
        assert creditcode.normalise(code.lower()) == code


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("91350100M000100Y44", "校验位错误"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M00010OY43", "不允许的字符"),  # letter O is not in the character set
        ("9135A100M000100Y43", "不允许的字符"),  # the region part is six digits
    ],
)
def test_refusals(value: str, reason: str) -> None:
    with pytest.raises(creditcode.CreditCodeError, match=reason):
        creditcode.normalise(value)
