"""Reading the audit log. Who may read which part is decided by ``accounts.access.access_audit_scope``
(docs/accounts.md); these reads take that scope."""

from dataclasses import dataclass

from django.db.models import Q

from shouwang.audit.models import AuditEntry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None


def audit_list(
    *,
    scope: Q,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    before: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """Entries inside ``scope``, newest first, keyset-paginated by id (``before``); exact-match filters."""
    qs = AuditEntry.objects.filter(scope)
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
