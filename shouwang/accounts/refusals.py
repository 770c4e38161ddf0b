"""The audit trace of refused requests: bad or revoked tokens (401), roles refused (403) and list queries
for a region outside the user's (CONTRACT "Audit"). One row per refusal, bounded so that a stranger cannot
flood the log: an identical refusal (same address, actor, kind and path) is recorded once a minute, and
one address gets at most ``PER_ADDRESS_PER_MINUTE`` refusal rows a minute (docs/accounts.md).
"""

import datetime as dt
import logging

from django.utils import timezone

from shouwang.accounts.access import signed_in
from shouwang.accounts.actors import Viewer
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.audit.services import audit_record

log = logging.getLogger(__name__)

WINDOW = dt.timedelta(minutes=1)
PER_ADDRESS_PER_MINUTE = 30
OBJECT_TYPE = "request"


class RefusalKindChoices:
    UNAUTHENTICATED = "unauthenticated"  # no valid token: bad, expired or revoked
    FORBIDDEN = "forbidden"  # signed in, but the role may not do this
    OUT_OF_REGION = "out_of_region"  # a list asked for a region outside the user's


def refusal_record(
    *,
    user: Viewer | None,
    kind: str,
    address: str,
    method: str,
    path: str,
    reason: str,
    attempted: str = "",
) -> AuditEntry | None:
    """Write the refusal's audit row unless an identical one was written in the last minute or the address
    used up its budget; returns the row, or None when the bound swallowed it. ``attempted`` labels an
    anonymous actor (e.g. the token's first characters)."""
    official = signed_in(user)
    label = official.get_username() if official is not None else (attempted or "anonymous")[:150]
    since = timezone.now() - WINDOW
    recent = AuditEntry.objects.filter(
        object_type=OBJECT_TYPE,
        action=AuditActionChoices.ACCESS_DENIED,
        at__gte=since,
        changes__address=address,
    )
    if recent.filter(object_id=path[:64], actor_label=label, changes__kind=kind).exists():
        return None
    if recent.count() >= PER_ADDRESS_PER_MINUTE:
        log.warning("refusal audit budget used up for %s; %s %s not recorded", address, method, path[:200])
        return None
    return audit_record(
        actor=official if official is not None else label,
        action=AuditActionChoices.ACCESS_DENIED,
        object_type=OBJECT_TYPE,
        object_id=path[:64],
        region_code=official.region_code if official is not None else "",
        changes={"kind": kind, "address": address, "method": method, "path": path[:500]},
        reason=reason,
    )
