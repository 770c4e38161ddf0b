"""Reading the audit log. Who may read it, and which part, is decided here (docs/accounts.md)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from shouwang.accounts.access import Forbidden
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditEntry
from shouwang.regions.choices import LEVEL_BY_LENGTH, RegionLevelChoices

# Auditors (any level) and county officials (who answer for their county's data) read the log.
AUDIT_LOG_READERS = frozenset({RoleChoices.AUDITOR, RoleChoices.COUNTY})


def user_can_read_audit_log(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.role in AUDIT_LOG_READERS
        and bool(user.region_id)
    )


def audit_scope_q(user: Any) -> Q:
    """Entries about the user's region. Entries with no region (a failed login with an unknown user
    name, system jobs) are shown only to province-level auditors."""
    if not user_can_read_audit_log(user):
        return Q(pk__in=[])
    q = Q(region_code__startswith=user.region_id)
    if (
        user.role == RoleChoices.AUDITOR
        and LEVEL_BY_LENGTH[len(user.region_id)] == RegionLevelChoices.PROVINCE
    ):
        q |= Q(region_code="")
    return q


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None


def audit_list(
    *,
    user: Any,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    before: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """Newest first, keyset-paginated by id (``before``); filters are exact matches."""
    if not user_can_read_audit_log(user):
        raise Forbidden("您的角色无权查看审计日志")
    qs = AuditEntry.objects.filter(audit_scope_q(user))
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_label=actor)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(entries=rows, next_before=rows[-1].pk if more and rows else None)
