"""Role × region access control (STYLE 6). Every protected lookup goes through an ``access_*`` function.

"Outside your region" and "does not exist" raise the same ``NotFound`` and render the same response;
only the audit log tells them apart (``access_denied`` vs ``not_found``).
"""

from typing import Any

from django.db.models import Q

from shouwang.accounts.choices import HOUSEHOLD_READERS, RoleChoices
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


# Auditors (any level) and county officials (who answer for their county's data) read the audit log.
AUDIT_LOG_READERS = frozenset({RoleChoices.AUDITOR, RoleChoices.COUNTY})


def user_can_read_audit_log(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.role in AUDIT_LOG_READERS
        and bool(user.region_id)
    )


def access_audit_scope(user: Any) -> Q:
    """The audit entries ``user`` may read: those about their region. Entries with no region (a failed login
    with an unknown user name, system jobs) are shown only to province-level auditors. ``Forbidden`` for a
    role that reads no audit log."""
    if not user_can_read_audit_log(user):
        raise Forbidden("您的角色无权查看审计日志")
    q = Q(region_code__startswith=user.region_id)
    if (
        user.role == RoleChoices.AUDITOR
        and LEVEL_BY_LENGTH[len(user.region_id)] == RegionLevelChoices.PROVINCE
    ):
        q |= Q(region_code="")
    return q
