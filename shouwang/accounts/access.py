"""Role × region access control (STYLE 6). Every protected lookup goes through an ``access_*`` function.

"Outside your region" and "does not exist" raise the same ``NotFound`` and render the same response;
only the audit log tells them apart (``access_denied`` vs ``not_found``).
"""

from typing import Any

from django.db.models import Q

from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.regions.choices import LEVEL_BY_LENGTH, RegionLevelChoices


class NotFound(Exception):
    """The object does not exist *or* the user may not know it exists."""


class Forbidden(Exception):
    """The user may see the object but not perform this action on it (e.g. reveal an ID number)."""


# Household field holding the ancestor code at each region level.
HOUSEHOLD_REGION_FIELD = {
    RegionLevelChoices.PROVINCE: "province_code",
    RegionLevelChoices.PREFECTURE: "prefecture_code",
    RegionLevelChoices.COUNTY: "county_code",
    RegionLevelChoices.TOWNSHIP: "township_code",
    RegionLevelChoices.VILLAGE: "village_id",
    RegionLevelChoices.GROUP: "group_id",
}


def region_q(code: str, *, prefix: str = "") -> Q:
    """Filter for objects (households, or anything related to one via ``prefix``) inside region ``code``."""
    field = HOUSEHOLD_REGION_FIELD[LEVEL_BY_LENGTH[len(code)]]
    return Q(**{f"{prefix}{field}": code})


def user_household_q(user: Any, *, prefix: str = "") -> Q:
    """Households the user may see; an impossible filter for users with no household access."""
    if (
        not getattr(user, "is_authenticated", False)
        or user.role not in HOUSEHOLD_READERS
        or not user.region_id
    ):
        return Q(pk__in=[])
    return region_q(user.region_id, prefix=prefix)


def user_can_see_region(user: Any, code: str) -> bool:
    return bool(getattr(user, "region_id", None)) and code.startswith(user.region_id)


def access_household_by_id(user: Any, household_no: str, *, purpose: str = "view") -> Any:
    """The household if ``user`` may see it; otherwise ``NotFound``, the same as a missing one.

    Each look at a household (personal data) is audited, and so is each refused attempt.
    """
    from shouwang.registry.models import Household

    household = Household.objects.filter(household_no=household_no).first()
    allowed = (
        household is not None and Household.objects.filter(user_household_q(user), pk=household.pk).exists()
    )
    if not allowed:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if household is None else AuditActionChoices.ACCESS_DENIED,
            object_type="household",
            object_id=household_no,
            region_code=household.village_id if household else "",
            reason=purpose,
        )
        raise NotFound(household_no)
    assert household is not None
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="household",
        object_id=household_no,
        region_code=household.village_id,
        reason=purpose,
    )
    return household
