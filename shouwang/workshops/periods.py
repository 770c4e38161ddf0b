"""Months (``YYYY-MM``) and quarters (``2026Q3``): pure helpers of the quarterly check."""

import re

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def is_month(value: str) -> bool:
    return bool(_MONTH.match(value or ""))


def is_quarter(value: str) -> bool:
    return bool(_QUARTER.match(value or ""))


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_add(month: str, n: int) -> str:
    return month_from_index(month_index(month) + n)


def quarter_months(quarter: str) -> tuple[str, str]:
    """First and last month of ``2026Q3`` → ("2026-07", "2026-09")."""
    m = _QUARTER.match(quarter)
    if m is None:
        raise ValueError(quarter)
    first = (int(m.group(2)) - 1) * 3 + 1
    return f"{m.group(1)}-{first:02d}", f"{m.group(1)}-{first + 2:02d}"


def quarter_of(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def quarter_label(quarter: str) -> str:
    """``2026Q3`` → 2026年第三季度."""
    names = {"1": "一", "2": "二", "3": "三", "4": "四"}
    return f"{quarter[:4]}年第{names[quarter[-1]]}季度" if is_quarter(quarter) else quarter


def overlap_months(start: str, end: str, first: str, last: str) -> int:
    """Months of [start, end] (end "" = ongoing) inside [first, last], inclusive."""
    lo = max(month_index(start), month_index(first))
    hi = min(month_index(end) if end else month_index(last), month_index(last))
    return max(0, hi - lo + 1)
