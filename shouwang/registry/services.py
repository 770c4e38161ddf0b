"""Registry actions. Each writes its audit row (STYLE 3, 4).

Reveals are deliberately not wrapped in one transaction with their refusal: a refused attempt must
leave its audit row (``access_denied`` / ``not_found`` from the guarded lookup, or ``reveal`` refused
for the role), and an exception inside ``transaction.atomic`` would roll that row back.
"""

from typing import Any

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.choices import PERSONAL_DATA_REVEALERS
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common import crypto
from shouwang.registry.models import Household, Person
from shouwang.registry.selectors import access_household_by_id


def _reveal_refused(*, user: Any, object_type: str, object_id: str, region_code: str) -> Forbidden:
    audit_record(
        actor=user,
        action=AuditActionChoices.ACCESS_DENIED,
        object_type=object_type,
        object_id=object_id,
        region_code=region_code,
        reason="角色无权查看明文",
    )
    return Forbidden("您的角色无权查看完整信息")


def person_reveal_id(*, user: Any, household_no: str, person_id: int, reason: str = "") -> str:
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


def household_reveal_phone(*, user: Any, household_no: str, reason: str = "") -> str:
    household: Household = access_household_by_id(user, household_no, purpose="reveal_phone")
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
