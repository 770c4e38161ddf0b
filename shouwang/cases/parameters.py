"""Workflow parameters by region and year (R-ID-03, R-ID-06, R-ID-07, R-ELIM-02, R-THR-04).

Defaults come from POLICY; a ``CaseParameter`` row overrides them for a region and/or year. The income
threshold is read from the screening parameter table when it has one for the region and year, else from here.
"""

import datetime as dt
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from django.db.models import Q

from shouwang.cases.models import CaseParameter
from shouwang.screening.params import parameters_resolve


@dataclass(frozen=True)
class Params:
    notice_days: int = 5
    limit_days: int = 15
    escalation_step_days: int = 3
    elimination_min_months: int = 6
    visit_days_red: int = 7
    visit_days_yellow: int = 30
    visit_days_green: int = 92
    visit_days_routine: int = 182
    self_report_escalation_days: int = 10
    duplicate_window_days: int = 30
    income_threshold: Decimal | None = None
    source: str = "默认值（POLICY）"

    def visit_days(self, risk_level: str) -> int:
        return int(getattr(self, f"visit_days_{risk_level}", self.visit_days_yellow))


_FIELDS = [f.name for f in fields(Params) if f.name != "source"]


def params_get(*, region_code: str, year: int | None = None) -> Params:
    """The parameters in force for ``region_code`` (any level) in ``year`` (default: this year).

    The income threshold comes from the screening parameter table when it has one for the region and
    year (one source of truth for the monitoring range), else from ``CaseParameter.income_threshold``.
    """
    year = year or dt.date.today().year
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region_code)]
    rows = list(
        CaseParameter.objects.filter(Q(region_code__in=[*prefixes, ""]), Q(year=year) | Q(year__isnull=True))
    )
    params = _params_from_rows(rows)
    screening = _screening_threshold(region_code=region_code, year=year)
    if screening is not None:
        params = replace(params, income_threshold=screening)
    return params


def params_by_village(*, villages: set[str], year: int) -> dict[str, Params]:
    """The workflow parameters in force for each village (notice days, visit intervals), with the
    parameter table read once instead of once per case: for lists and queues over many villages.

    The same precedence as ``params_get``; the income threshold is ``CaseParameter``'s only (the screening
    parameter table is not consulted), so read it with ``params_get`` where it matters.
    """
    rows = list(CaseParameter.objects.filter(Q(year=year) | Q(year__isnull=True)))
    out: dict[str, Params] = {}
    for village in villages:
        prefixes = {"", *(village[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(village))}
        out[village] = _params_from_rows([r for r in rows if r.region_code in prefixes])
    return out


def _most_specific(rows: list[CaseParameter]) -> CaseParameter:
    """The most specific region first, then the exact year over "every year", then the highest version."""
    return max(rows, key=lambda r: (len(r.region_code), r.year is not None, r.version))


def _params_from_rows(rows: list[CaseParameter]) -> Params:
    """The parameters that ``rows`` (all the rows applying to one region and year) put in force."""
    if not rows:
        return Params()
    best = _most_specific(rows)
    values: dict[str, object] = {f: getattr(best, f) for f in _FIELDS}
    if values["income_threshold"] is None:
        # A more specific row may leave the threshold to a broader one.
        with_threshold = [r for r in rows if r.income_threshold is not None]
        if with_threshold:
            values["income_threshold"] = _most_specific(with_threshold).income_threshold
    source = f"参数 {best.region_code or '默认'}/{best.year or '各年'} v{best.version}"
    return Params(**values, source=source)  # type: ignore[arg-type]


def _screening_threshold(*, region_code: str, year: int) -> Decimal | None:
    """The year's monitoring range (R-THR-04) from the screening parameter table, if it has one."""
    resolved = parameters_resolve(region_codes=[region_code], year=year)
    value = resolved.values.get(region_code, {}).get("threshold")
    # Money (yuan and fen), as CaseParameter.income_threshold: the screening table stores DECIMAL(18,4), and
    # the refusals quote the range ("监测范围9000.00元", not 9000.0000).
    return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None
