"""Risk elimination conditions (R-ELIM-01…03) and the households that meet them."""

import datetime as dt
from typing import Any

from shouwang.accounts.actors import Viewer
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.cases.parameters import params_get
from shouwang.cases.selectors import case_list
from shouwang.cases.services._common import household_has_labour, row_error
from shouwang.common.errors import RowError
from shouwang.registry.choices import EliminationModeChoices
from shouwang.registry.models import Household, IncomeRecord


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def latest_incomes(household: Household, n: int = 2) -> list[IncomeRecord]:
    return list(IncomeRecord.objects.filter(household=household).order_by("-period")[:n])


def elimination_refusals(*, case: Case, mode: str, on: dt.date) -> list[RowError]:
    """Why the household of identification ``case`` may not be eliminated on ``on`` (R-ELIM-01…03)."""
    hh = case.household
    errors: list[RowError] = []
    if case.kind != CaseKindChoices.IDENTIFICATION:
        return [row_error("case", case.pk, "须针对识别案件提出消除")]
    # R-ELIM-03 / R-AID-02: a household without labour on the safety net stays monitored.
    if hh.no_labour_safety_net or not household_has_labour(hh):
        errors.append(
            row_error(
                "household",
                hh.household_no,
                "整户无劳动能力、依靠兜底保障的农户不标注风险消除，继续监测（R-ELIM-03）",
            )
        )
    insecure = [
        label
        for attr, label in (
            ("food_clothing_secure", "吃穿"),
            ("compulsory_education_secure", "义务教育"),
            ("basic_medical_secure", "基本医疗"),
            ("housing_secure", "住房安全"),
            ("water_secure", "饮水安全"),
        )
        if not getattr(hh, attr)
    ]
    if insecure:
        errors.append(
            row_error(
                "household",
                "、".join(insecure),
                f"{'、'.join(insecure)}问题尚未解决（两不愁三保障及饮水安全，R-ELIM-01）",
            )
        )
    identified = hh.identified_on or case.decided_on
    params = params_get(region_code=hh.village_id, year=on.year)
    if mode == EliminationModeChoices.ASSISTED:
        if identified is None:
            errors.append(row_error("identified_on", "", "无识别监测时间，无法判断监测时长"))
        else:
            earliest = _add_months(identified, params.elimination_min_months)
            if on < earliest:
                months = (on.year - identified.year) * 12 + on.month - identified.month
                errors.append(
                    row_error(
                        "identified_on",
                        identified,
                        f"帮扶消除须在识别满{params.elimination_min_months}个月后（{earliest}起）提出，"
                        f"该户识别于{identified}，仅约{months}个月（R-ELIM-02；自然消除不受此限）",
                    )
                )
    threshold = params.income_threshold
    if threshold is None:
        errors.append(
            row_error("income_threshold", "", f"{on.year}年监测范围（收入标准）尚未设置，无法判断收入")
        )
    else:
        incomes = latest_incomes(hh)
        if not incomes:
            errors.append(row_error("income", "", "无收入记录，无法判断收入是否稳定超过监测范围"))
        for rec in incomes:
            # R-THR-05: elimination needs income strictly above the line; equal is not eliminated.
            # "Stably": the latest two 12-month records both above it.
            if rec.per_capita_net is None or rec.per_capita_net <= threshold:
                errors.append(
                    row_error(
                        "income",
                        f"{rec.period}:{rec.per_capita_net}",
                        f"{rec.period}期人均纯收入{rec.per_capita_net}元未稳定超过监测范围{threshold}元（R-ELIM-01）",
                    )
                )
    return errors


def elimination_candidate_list(*, user: Viewer, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Monitored households that meet every elimination condition today (proposed by the system)."""
    on = on or clock.today()
    out = []
    for case in case_list(user=user).filter(
        kind=CaseKindChoices.IDENTIFICATION, state=CaseStateChoices.MONITORING
    ):
        if Case.objects.filter(
            household=case.household, kind=CaseKindChoices.ELIMINATION, is_open=True
        ).exists():
            continue
        refusals = elimination_refusals(case=case, mode=EliminationModeChoices.ASSISTED, on=on)
        if not refusals:
            out.append({"case_id": case.pk, "household_no": case.household.household_no, "mode": "assisted"})
    return out
