"""The one way to write the audit log. Every service that changes state or reveals personal data calls it
inside its own transaction, so the audit row commits or rolls back with the change."""

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeAlias

from shouwang.audit.models import AuditEntry


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
    return AuditEntry.objects.create(
        **_actor_fields(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        region_code=region_code,
        changes=dict(changes or {}),
        reason=reason[:255],
    )


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
