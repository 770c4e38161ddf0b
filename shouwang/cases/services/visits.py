"""Follow-up visits (R-ID-06), optionally with the household's 12-month income (R-INC-01/02)."""

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
from shouwang.cases.choices import CaseKindChoices, RiskLevelChoices
from shouwang.cases.models import Case, Visit
from shouwang.cases.services._common import household_region, refuse, row_error
from shouwang.common.errors import RowError
from shouwang.registry.services import income_record_write

VISIT_NOTES_MAX = 4000  # Visit.notes is a TextField: the limit lives here
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


@transaction.atomic
def visit_record(
    *,
    case: Case,
    actor: User,
    visited_on: dt.date,
    notes: str = "",
    risk_level: str = "",
    income: IncomeInput | None = None,
) -> Visit:
    """A follow-up visit (R-ID-06), optionally updating the 12-month income (R-INC-01/02)."""
    if actor.role not in VISIT_ROLES:
        raise Forbidden("您的角色无权登记走访")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    if not user_can_see_region(actor, household_region(locked.household)):
        raise NotFound(str(locked.pk))
    today = clock.today()
    errors: list[RowError] = []
    if locked.kind != CaseKindChoices.IDENTIFICATION or not locked.is_open:
        errors.append(row_error("case", locked.pk, "只能对办理中或监测中的识别案件登记走访"))
    if visited_on > today:
        errors.append(row_error("visited_on", visited_on, f"走访日期不能晚于今天（{today}）"))
    if visited_on < locked.opened_on:
        errors.append(
            row_error("visited_on", visited_on, f"走访日期不能早于首条线索日期（{locked.opened_on}）")
        )
    if risk_level and risk_level not in RiskLevelChoices.values:
        errors.append(row_error("risk_level", risk_level, "走访等级无效，可选：red、yellow、green"))
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
    refuse("登记走访", errors)
    hh = locked.household
    visit = Visit.objects.create(
        case=locked,
        visited_on=visited_on,
        visitor=actor,
        notes=notes,
        risk_level=risk_level or locked.risk_level,
        income_period=income.period if income else "",
    )
    if risk_level and risk_level != locked.risk_level:
        locked.risk_level = risk_level
        locked.version += 1
        locked.save(update_fields=["risk_level", "version", "updated_at"])
    if income is not None:
        income_record_write(
            household=hh,
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
        region_code=hh.village_id,
        changes={
            "case": locked.pk,
            "visited_on": visited_on.isoformat(),
            "income_period": visit.income_period,
        },
        reason="走访",
    )
    return visit
