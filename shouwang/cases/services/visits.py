"""Visits (R-ID-06), optionally with the household's 12-month income (R-INC-01/02): follow-up visits of a
monitored household's case, and routine visits (常态化走访) of every other household of a grid."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, ChannelChoices, RiskLevelChoices
from shouwang.cases.models import Case, Visit
from shouwang.cases.selectors import open_identification_case
from shouwang.cases.services._common import (
    CaseConflict,
    household_region,
    refuse,
    risk_types_validate,
    row_error,
)
from shouwang.cases.services.clues import clue_submit
from shouwang.common.errors import RowError
from shouwang.registry.choices import HouseholdStatusChoices
from shouwang.registry.models import Household
from shouwang.registry.services import income_record_write

VISIT_NOTES_MAX = 4000  # Visit.notes is a TextField: the limit lives here
RISK_NOTE_MAX = 2000
VISIT_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.GRID, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})


@dataclass
class IncomeInput:
    period: str
    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    business_cost: Decimal
    compliant_self_pay: Decimal = Decimal(0)
    insurance_claims: Decimal = Decimal(0)


def _visit_errors(
    *, visited_on: dt.date, notes: str, income: IncomeInput | None, today: dt.date
) -> list[RowError]:
    """The checks every visit passes, follow-up or routine."""
    errors: list[RowError] = []
    if visited_on > today:
        errors.append(row_error("visited_on", visited_on, f"走访日期不能晚于今天（{today}）"))
    if income is not None:
        try:
            y, mth = income.period.split("-")
            valid = len(y) == 4 and len(mth) == 2 and 1 <= int(mth) <= 12
        except ValueError:
            valid = False
        if not valid:
            errors.append(row_error("income.period", income.period, "收入期间格式应为YYYY-MM"))
        elif income.period > today.strftime("%Y-%m"):
            errors.append(row_error("income.period", income.period, "收入期间不能晚于本月"))
        for name in ("wage", "business", "property", "transfer", "business_cost", "compliant_self_pay"):
            if getattr(income, name) < 0:
                errors.append(row_error(f"income.{name}", getattr(income, name), "金额不能为负"))
    if len(notes) > VISIT_NOTES_MAX:
        errors.append(row_error("notes", "", f"走访情况不超过{VISIT_NOTES_MAX}字"))
    return errors


def _visit_write(
    *,
    household: Household,
    case: Case | None,
    actor: User,
    visited_on: dt.date,
    notes: str,
    risk_level: str,
    income: IncomeInput | None,
) -> Visit:
    """The visit row, its income record and its audit row (the caller has checked everything)."""
    visit = Visit.objects.create(
        household=household,
        case=case,
        visited_on=visited_on,
        visitor=actor,
        notes=notes,
        risk_level=risk_level,
        income_period=income.period if income else "",
    )
    if income is not None:
        income_record_write(
            household=household,
            period=income.period,
            wage=income.wage,
            business=income.business,
            property=income.property,
            transfer=income.transfer,
            business_cost=income.business_cost,
            compliant_self_pay=income.compliant_self_pay,
            insurance_claims=income.insurance_claims,
            actor=actor,
            reason=f"走访#{visit.pk}更新收入",
        )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="visit",
        object_id=str(visit.pk),
        region_code=household.village_id,
        changes={
            "household": household.household_no,
            "case": case.pk if case else None,
            "visited_on": visited_on.isoformat(),
            "income_period": visit.income_period,
        },
        reason="走访" if case else "常态化走访",
    )
    return visit


@transaction.atomic
def visit_record(
    *,
    case: Case,
    actor: User,
    visited_on: dt.date,
    notes: str = "",
    risk_level: str = "",
    income: IncomeInput | None = None,
    expected_version: int | None = None,
) -> Visit:
    """A follow-up visit of a case (R-ID-06), optionally updating the 12-month income (R-INC-01/02).

    A visit is a change of the case record: it always bumps the case version, and a caller that showed the
    case to someone passes the version seen (``expected_version``, compared after role and region,
    decisions/0021). ``None`` is for callers that checked the version themselves (the field app's
    ``base_version``) or saw none (a routine visit of a household that turns out to have an open case).
    """
    if actor.role not in VISIT_ROLES:
        raise Forbidden("您的角色无权登记走访")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    if not user_can_see_region(actor, household_region(locked.household)):
        raise NotFound(str(locked.pk))
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(case_id=locked.pk, expected=expected_version, actual=locked.version)
    today = clock.today()
    errors: list[RowError] = []
    if locked.kind != CaseKindChoices.IDENTIFICATION or not locked.is_open:
        errors.append(row_error("case", locked.pk, "只能对办理中或监测中的识别案件登记走访"))
    if visited_on < locked.opened_on:
        errors.append(
            row_error("visited_on", visited_on, f"走访日期不能早于首条线索日期（{locked.opened_on}）")
        )
    if risk_level and risk_level not in RiskLevelChoices.values:
        errors.append(row_error("risk_level", risk_level, "走访等级无效，可选：red、yellow、green"))
    errors += _visit_errors(visited_on=visited_on, notes=notes, income=income, today=today)
    refuse("登记走访", errors)
    visit = _visit_write(
        household=locked.household,
        case=locked,
        actor=actor,
        visited_on=visited_on,
        notes=notes,
        risk_level=risk_level or locked.risk_level,
        income=income,
    )
    fields = ["version", "updated_at"]
    if risk_level and risk_level != locked.risk_level:
        locked.risk_level = risk_level
        fields.append("risk_level")
    locked.version += 1
    locked.save(update_fields=fields)
    return visit


@transaction.atomic
def household_visit_record(
    *,
    household: Household,
    actor: User,
    visited_on: dt.date,
    notes: str = "",
    risk_level: str = "",
    income: IncomeInput | None = None,
    new_risks: list[str] | None = None,
    risk_note: str = "",
) -> Visit:
    """A visit to any household of the actor's grid (R-ID-06; R-NRM-06 常态化监测).

    A household with an open identification case gets that case's follow-up visit (``visit_record``); any
    other household a routine visit (常态化走访, no case, no tier). A risk seen at the door (``new_risks``)
    becomes a clue (channel 基层干部排查, R-ID-01) in the same transaction, which opens the household's case.
    """
    if actor.role not in VISIT_ROLES:
        raise Forbidden("您的角色无权登记走访")
    locked = Household.objects.select_for_update(of=("self",)).get(pk=household.pk)
    if not user_can_see_region(actor, household_region(locked)):
        raise NotFound(locked.household_no)
    case = open_identification_case(locked)
    errors = _visit_errors(visited_on=visited_on, notes=notes, income=income, today=clock.today())
    risks = risk_types_validate(new_risks or [], errors=errors, column="new_risks", required=False)
    if len(risk_note) > RISK_NOTE_MAX:
        errors.append(row_error("risk_note", "", f"风险情况说明不超过{RISK_NOTE_MAX}字"))
    if case is not None:
        refuse("登记走访", errors)
        visit = visit_record(
            case=case, actor=actor, visited_on=visited_on, notes=notes, risk_level=risk_level, income=income
        )
    else:
        if locked.status == HouseholdStatusChoices.CANCELLED:
            errors.append(row_error("household", locked.household_no, "该户已注销，不再走访"))
        if risk_level:
            errors.append(
                row_error(
                    "risk_level",
                    risk_level,
                    "该户没有办理中的识别案件，常态化走访不设走访等级；发现风险请勾选本次发现的新风险",
                )
            )
        refuse("登记走访", errors)
        visit = _visit_write(
            household=locked,
            case=None,
            actor=actor,
            visited_on=visited_on,
            notes=notes,
            risk_level="",
            income=income,
        )
    if risks:
        clue_submit(
            actor=actor,
            channel=ChannelChoices.CADRE_VISIT,
            household=locked,
            risk_types=risks,
            description=risk_note or notes,
            reported_on=visited_on,
            source_ref=f"visit:{visit.pk}",
        )
    return visit
