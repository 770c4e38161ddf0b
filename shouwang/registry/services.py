"""Registry actions. Each is atomic and writes its audit row (STYLE 3, 4)."""

from typing import Any

from django.db import transaction

from shouwang.accounts.access import Forbidden, access_household_by_id
from shouwang.accounts.choices import PERSONAL_DATA_REVEALERS
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common import crypto
from shouwang.registry.models import Household, Person


@transaction.atomic
def person_reveal_id(*, user: Any, household_no: str, person_id: int, reason: str = "") -> str:
    """The clear ID number of one member, for roles allowed to see it. Every reveal is audited."""
    household = access_household_by_id(user, household_no, purpose="reveal_id")
    person = Person.objects.filter(pk=person_id, household=household).first()
    if person is None:
        from shouwang.accounts.access import NotFound

        raise NotFound(str(person_id))
    if user.role not in PERSONAL_DATA_REVEALERS:
        raise Forbidden("您的角色无权查看完整证件号码")
    audit_record(
        actor=user,
        action=AuditActionChoices.REVEAL,
        object_type="person.id_number",
        object_id=str(person.pk),
        region_code=household.village_id,
        reason=reason or "查看完整证件号码",
    )
    return crypto.unseal(person.id_sealed)


@transaction.atomic
def household_reveal_phone(*, user: Any, household_no: str, reason: str = "") -> str:
    household: Household = access_household_by_id(user, household_no, purpose="reveal_phone")
    if user.role not in PERSONAL_DATA_REVEALERS:
        raise Forbidden("您的角色无权查看完整联系电话")
    audit_record(
        actor=user,
        action=AuditActionChoices.REVEAL,
        object_type="household.phone",
        object_id=household_no,
        region_code=household.village_id,
        reason=reason or "查看完整联系电话",
    )
    return crypto.unseal(household.phone_sealed) if household.phone_sealed else ""
