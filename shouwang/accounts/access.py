"""Role × region access control (STYLE 6). Every protected lookup goes through an ``access_*`` function.

"Outside your region" and "does not exist" raise the same ``NotFound`` and render the same response;
only the audit log tells them apart (``access_denied`` vs ``not_found``).
"""

from django.db.models import Q

from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS, RoleChoices
from shouwang.accounts.models import User
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


def signed_in(user: Viewer | None) -> User | None:
    """The official behind a viewer (a ``User`` is always authenticated), or None for an anonymous one or
    nobody. Guards read ``role`` and ``region_id`` off the result instead of probing with ``getattr``."""
    return user if isinstance(user, User) else None


def signed_in_with_region(user: Viewer | None) -> User | None:
    """An official with a region: the only kind that sees anything region-scoped."""
    official = signed_in(user)
    return official if official is not None and official.region_id else None


def user_household_q(user: Viewer, *, prefix: str = "") -> Q:
    """Households the user may see; an impossible filter for users with no household access."""
    official = signed_in_with_region(user)
    if official is None or official.role not in HOUSEHOLD_READERS:
        return Q(pk__in=[])
    return region_q(official.region_code, prefix=prefix)


def user_can_see_region(user: Viewer, code: str) -> bool:
    official = signed_in_with_region(user)
    return official is not None and code.startswith(official.region_code)


# Auditors (any level) and county officials (who answer for their county's data) read the audit log.
AUDIT_LOG_READERS = frozenset({RoleChoices.AUDITOR, RoleChoices.COUNTY})


def user_can_read_audit_log(user: Viewer) -> bool:
    official = signed_in_with_region(user)
    return official is not None and official.role in AUDIT_LOG_READERS


def access_audit_scope(user: Viewer) -> Q:
    """The audit entries ``user`` may read: those about their region. Entries with no region (a failed login
    with an unknown user name, system jobs) are shown only to province-level auditors. ``Forbidden`` for a
    role that reads no audit log."""
    official = signed_in_with_region(user)
    if official is None or official.role not in AUDIT_LOG_READERS:
        raise Forbidden("您的角色无权查看审计日志")
    q = Q(region_code__startswith=official.region_code)
    if (
        official.role == RoleChoices.AUDITOR
        and LEVEL_BY_LENGTH[len(official.region_code)] == RegionLevelChoices.PROVINCE
    ):
        q |= Q(region_code="")
    return q
