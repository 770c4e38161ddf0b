"""Reading the audit log. Who may read which part is decided by ``accounts.access.access_audit_scope``
(docs/accounts.md); these reads take that scope."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

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
    qs = audit_filtered(scope=scope, action=action, object_type=object_type, object_id=object_id, actor=actor)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(entries=rows, next_before=rows[-1].pk if more and rows else None)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_filtered(
    *,
    scope: Q,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries inside ``scope`` matching every filter given: exact matches, and the days ``since`` to
    ``until`` inclusive (local calendar days)."""
    qs = AuditEntry.objects.filter(scope)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_label=actor)
    if since is not None:
        qs = qs.filter(at__gte=_day_start(since))
    if until is not None:
        qs = qs.filter(at__lt=_day_start(until + dt.timedelta(days=1)))
    return qs
