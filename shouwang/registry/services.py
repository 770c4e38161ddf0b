"""Registry actions. Each writes its audit row (STYLE 3, 4). Every save of a household or income row
outside the bulk import goes through ``household_update`` or ``income_record_write``.

Reveals are deliberately not wrapped in one transaction with their refusal: a refused attempt must
leave its audit row (``access_denied`` / ``not_found`` from the guarded lookup, or ``reveal`` refused
for the role), and an exception inside ``transaction.atomic`` would roll that row back.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import PERSONAL_DATA_REVEALERS
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, field_changes
from shouwang.common import crypto
from shouwang.common.jsonable import jsonable
from shouwang.registry.income import income_compute, members_counted
from shouwang.registry.models import Household, IncomeRecord, Person
from shouwang.registry.selectors import access_household_by_id


def _reveal_refused(*, user: User, object_type: str, object_id: str, region_code: str) -> Forbidden:
    audit_record(
        actor=user,
        action=AuditActionChoices.ACCESS_DENIED,
        object_type=object_type,
        object_id=object_id,
        region_code=region_code,
        reason="角色无权查看明文",
    )
    return Forbidden("您的角色无权查看完整信息")


def person_reveal_id(*, user: User, household_no: str, person_id: int, reason: str = "") -> str:
    """The clear ID number of one member, for roles allowed to see it. Every reveal and every refused
    attempt is audited."""
    household = access_household_by_id(user, household_no, purpose="reveal_id")
    person = Person.objects.filter(pk=person_id, household=household).first()
    if person is None:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND,
            object_type="person.id_number",
            object_id=str(person_id),
            region_code=household.village_id,
            reason="reveal_id",
        )
        raise NotFound(str(person_id))
    if user.role not in PERSONAL_DATA_REVEALERS:
        raise _reveal_refused(
            user=user,
            object_type="person.id_number",
            object_id=str(person.pk),
            region_code=household.village_id,
        )
    audit_record(
        actor=user,
        action=AuditActionChoices.REVEAL,
        object_type="person.id_number",
        object_id=str(person.pk),
        region_code=household.village_id,
        reason=reason or "查看完整证件号码",
    )
    return crypto.unseal(person.id_sealed)


def household_reveal_phone(*, user: User, household_no: str, reason: str = "") -> str:
    household = access_household_by_id(user, household_no, purpose="reveal_phone")
    if user.role not in PERSONAL_DATA_REVEALERS:
        raise _reveal_refused(
            user=user, object_type="household.phone", object_id=household_no, region_code=household.village_id
        )
    audit_record(
        actor=user,
        action=AuditActionChoices.REVEAL,
        object_type="household.phone",
        object_id=household_no,
        region_code=household.village_id,
        reason=reason or "查看完整联系电话",
    )
    return crypto.unseal(household.phone_sealed) if household.phone_sealed else ""


# Atomic on their own; inside a caller's transaction they add no savepoint (no extra queries).
@transaction.atomic(savepoint=False)
def household_update(
    *, household: Household, changes: dict[str, Any], actor: Actor, reason: str
) -> Household:
    """Set some of a household's fields (monitoring category, elimination, income summary, safety-net
    flag), saving and auditing only those that change; nothing changes, nothing is written."""
    old = {k: jsonable(getattr(household, k)) for k in changes}
    diff = field_changes(old, {k: jsonable(v) for k, v in changes.items()})
    if not diff:
        return household
    for k, v in changes.items():
        setattr(household, k, v)
    household.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="household",
        object_id=household.household_no,
        region_code=household.village_id,
        changes=diff,
        reason=reason,
    )
    return household


@transaction.atomic(savepoint=False)
def income_record_write(
    *,
    household: Household,
    period: str,
    wage: Decimal,
    business: Decimal,
    property: Decimal,
    transfer: Decimal,
    business_cost: Decimal,
    compliant_self_pay: Decimal,
    insurance_claims: Decimal,
    actor: Actor,
    reason: str,
) -> IncomeRecord:
    """Create or replace the household's 12-month income for ``period`` with the registry's own formula
    (R-INC-02), audited; the household's latest income follows when ``period`` is its newest."""
    amounts = {
        "wage": wage,
        "business": business,
        "property": property,
        "transfer": transfer,
        "business_cost": business_cost,
        "compliant_self_pay": compliant_self_pay,
        "insurance_claims": insurance_claims,
    }
    fig = income_compute(**amounts, members=members_counted(p.residence for p in household.members.all()))
    values = {
        **amounts,
        "net_income": fig.net_income,
        "members_counted": fig.members_counted,
        "per_capita_net": fig.per_capita_net,
        "per_capita_reference": fig.per_capita_reference,
    }
    existing = IncomeRecord.objects.filter(household=household, period=period).first()
    old = {k: jsonable(getattr(existing, k)) for k in values} if existing else {}
    record, _ = IncomeRecord.objects.update_or_create(household=household, period=period, defaults=values)
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE if existing else AuditActionChoices.CREATE,
        object_type="income_record",
        object_id=f"{household.household_no}:{period}",
        region_code=household.village_id,
        changes=field_changes(old, {k: jsonable(v) for k, v in values.items()}),
        reason=reason,
    )
    if not household.income_period or period >= household.income_period:
        household_update(
            household=household,
            changes={"income_period": period, "income_per_capita": fig.per_capita_net},
            actor=actor,
            reason=reason,
        )
    return record
