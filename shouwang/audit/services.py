"""The one way to write the audit log. Every service that changes state or reveals personal data calls it
inside its own transaction, so the audit row commits or rolls back with the change.

A *look* (view, reveal, refused or missing object) recorded outside any transaction on the embedded
default (SQLite) does not queue behind an import's write lock: it waits a short moment and otherwise goes
to the durable spool (``audit.spool``), which is moved into the table as soon as the lock is free
(docs/decisions/0010).
"""

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias

from django.db import OperationalError, connection
from django.utils import timezone

from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.audit.spool import spool_append, spool_flush, spool_pending
from shouwang.common.dblock import is_locked, short_busy_timeout


class AuditUser(Protocol):
    """What the log reads from a user. ``accounts.User`` is one; Django's ``AnonymousUser`` (never signed
    in) is one too and is recorded as "system". Declared here because audit sits below accounts."""

    @property
    def is_authenticated(self) -> bool: ...

    def get_username(self) -> str: ...


# A user, or the label of work nobody signed in for ("system", "cli", "citizen", "bench"); None = "system".
AuditActor: TypeAlias = AuditUser | str | None


def _actor_fields(actor: AuditActor) -> dict[str, Any]:
    if actor is None or isinstance(actor, str) or not actor.is_authenticated:
        label = actor if isinstance(actor, str) else "system"
        return {"actor": None, "actor_label": label, "actor_role": ""}
    # Only accounts.User signs in; audit may not import it, hence the one read of ``role`` by name.
    return {"actor": actor, "actor_label": actor.get_username(), "actor_role": getattr(actor, "role", "")}


def audit_record(
    *,
    actor: AuditActor,
    action: str,
    object_type: str,
    object_id: str = "",
    region_code: str = "",
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    fields = {
        **_actor_fields(actor),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "region_code": region_code,
        "changes": dict(changes or {}),
        "reason": reason[:255],
    }
    if action in LOOKS and connection.vendor == "sqlite" and not connection.in_atomic_block:
        return _look_record(fields)
    return AuditEntry.objects.create(**fields)


# Actions that change nothing: their row may be spooled when the database is busy (module doc).
LOOKS = frozenset(
    {
        AuditActionChoices.VIEW,
        AuditActionChoices.REVEAL,
        AuditActionChoices.ACCESS_DENIED,
        AuditActionChoices.NOT_FOUND,
    }
)
# How long a look's audit row waits for the write lock before it is spooled instead.
LOOK_BUSY_MS = 150


def _look_record(fields: dict[str, Any]) -> AuditEntry:
    at = timezone.now()
    try:
        with short_busy_timeout(LOOK_BUSY_MS):
            entry = AuditEntry.objects.create(**fields)
    except OperationalError as exc:
        if not is_locked(exc):
            raise
        actor = fields.pop("actor")
        spool_append({**fields, "actor_id": actor.pk if actor is not None else None}, at)
        return AuditEntry(**fields, actor=actor, at=at)
    if spool_pending():
        spool_flush()
    return entry


def audit_record_many(
    *, actor: AuditActor, entries: Iterable[Mapping[str, Any]], batch_size: int = 5000
) -> int:
    """Bulk form for imports: each entry has action, object_type, object_id, region_code, changes, reason."""
    base = _actor_fields(actor)
    rows = [
        AuditEntry(
            **base,
            action=e["action"],
            object_type=e["object_type"],
            object_id=str(e.get("object_id", "")),
            region_code=e.get("region_code", ""),
            changes=dict(e.get("changes") or {}),
            reason=str(e.get("reason", ""))[:255],
        )
        for e in entries
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for the fields whose value differs."""
    return {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v}
