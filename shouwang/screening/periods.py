"""Periods (``YYYY-MM``): the month is the unit of screening (STYLE 10)."""

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from shouwang.common.errors import InputRefused, RowError

PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def period_parse(value: str) -> tuple[int, int]:
    m = PERIOD_RE.match(value or "")
    if not m:
        raise InputRefused(
            "期间格式错误", [RowError(None, "period", value or "", "期间应为 YYYY-MM，例如 2025-03")]
        )
    return int(m.group(1)), int(m.group(2))


def period_shift(value: str, months: int) -> str:
    y, m = period_parse(value)
    n = y * 12 + (m - 1) + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def period_range(first: str, last: str) -> list[str]:
    out, p = [], first
    while p <= last:
        out.append(p)
        p = period_shift(p, 1)
    return out


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(earlier: str, later: str) -> int:
    y1, m1 = period_parse(earlier)
    y2, m2 = period_parse(later)
    return (y2 - y1) * 12 + (m2 - m1)


@dataclass(frozen=True)
class PeriodContext:
    period: str

    @property
    def year(self) -> int:
        return period_parse(self.period)[0]

    @property
    def start(self) -> dt.date:
        y, m = period_parse(self.period)
        return dt.date(y, m, 1)

    @property
    def end(self) -> dt.date:
        y, m = period_parse(self.period)
        return dt.date(y, m, calendar.monthrange(y, m)[1])

    def tokens(self) -> dict[str, str]:
        """SQL literals for the ``$name`` tokens of the rule catalogue."""
        w_start = dt.date(*period_parse(period_shift(self.period, -11)), 1)
        out = {
            "period": f"'{self.period}'",
            "year": str(self.year),
            # Months since year 0: a settlement's month index subtracted from it gives the months elapsed.
            "month_index": str(self.end.year * 12 + self.end.month),
            "mmdd": str(self.end.month * 100 + self.end.day),
            "p_start": f"DATE '{self.start.isoformat()}'",
            "p_end": f"DATE '{self.end.isoformat()}'",
            "w_start": f"DATE '{w_start.isoformat()}'",
        }
        for k in range(1, 13):
            out[f"p_m{k}"] = f"'{period_shift(self.period, -k)}'"
        return out


_TOKEN = re.compile(r"\$([a-z_0-9]+)")


def sql_render(sql: str, ctx: PeriodContext) -> str:
    tokens = ctx.tokens()

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in tokens:
            raise KeyError(f"unknown SQL token ${name}")
        return tokens[name]

    return _TOKEN.sub(sub, sql)
