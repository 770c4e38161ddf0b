"""Helpers shared by the case services: refusals, the optimistic-concurrency conflict, risk types, the
household facts several steps read.
"""

import datetime as dt
from typing import Any

from shouwang.cases.choices import MAX_RISK_TYPES, RECORDABLE_RISKS, CaseStateChoices
from shouwang.common.errors import InputRefused, RowError
from shouwang.registry.choices import CAPABLE_LABOUR, COUNTED_RESIDENCE, RiskTypeChoices
from shouwang.registry.models import Household, Person

RISK_LABELS = dict(RiskTypeChoices.choices)


class CaseConflict(Exception):
    """Somebody else changed the case since the caller read it (optimistic concurrency)."""

    def __init__(self, *, case_id: int, expected: int, actual: int) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(
            f"案件#{case_id}已被他人办理（您看到的版本为{expected}，当前版本为{actual}），请刷新后重试"
        )


def refuse(what: str, errors: list[RowError]) -> None:
    if errors:
        raise InputRefused(f"无法办理“{what}”：" + "；".join(e.reason for e in errors), errors)


def row_error(column: str, value: Any, reason: str) -> RowError:
    return RowError(row=None, column=column, value="" if value is None else str(value), reason=reason)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def risk_types_validate(
    value: Any, *, errors: list[RowError], column: str = "risk_types", required: bool = True
) -> list[str]:
    """1–5 distinct types from the national list (R-SYS-02); ``low_income`` is not a recorded risk."""
    if not isinstance(value, list | tuple):
        errors.append(row_error(column, value, "应为风险类型列表"))
        return []
    out: list[str] = []
    for v in value:
        if v not in RECORDABLE_RISKS:
            errors.append(row_error(column, v, "不是可记录的风险类型，可选：" + "、".join(RECORDABLE_RISKS)))
        elif v not in out:
            out.append(str(v))
    if required and not out and not errors:
        errors.append(row_error(column, "", "至少记录一项致贫/返贫风险"))
    if len(out) > MAX_RISK_TYPES:
        errors.append(row_error(column, len(out), f"风险类型最多{MAX_RISK_TYPES}项（R-SYS-02）"))
    return out


def counted_members(household: Household) -> list[Person]:
    return [p for p in household.members.all() if p.residence in COUNTED_RESIDENCE]


def household_has_labour(household: Household) -> bool:
    """R-AID-01: skilled, ordinary or weak/half labour in any counted member."""
    return any(p.labour in CAPABLE_LABOUR for p in counted_members(household))


def household_region(household: Household) -> str:
    """The most specific region of a household: its village group (监测网格) when it has one, so that a
    grid worker whose region is a group passes the region check for the group's households only."""
    return household.group_id or household.village_id


def state_label(state: str) -> str:
    return str(dict(CaseStateChoices.choices).get(state, state))
