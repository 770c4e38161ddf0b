"""Whether a county's month is frozen (月度调度表 reported upward, R-EMP-04): the one question the roster and
the status record ask before changing a month (decision 0703). No other imports, so every service can ask."""

from __future__ import annotations

from collections.abc import Sequence

from shouwang.employment.models import DispatchFreeze


def dispatch_is_frozen(*, county_code: str, period: str) -> bool:
    return DispatchFreeze.objects.filter(county_code=county_code, period=period).exists()


def dispatch_open_counties(*, period: str, counties: Sequence[str]) -> list[str]:
    """``counties`` without those whose ``period`` is frozen (the roster of a frozen month is left as it was
    reported; decision 0703)."""
    frozen = set(
        DispatchFreeze.objects.filter(period=period, county_code__in=counties).values_list(
            "county_code", flat=True
        )
    )
    return [c for c in counties if c not in frozen]
