"""Which console pages and buttons a user gets. These only decide what to *show*; the selectors and
services enforce the same rules again (accounts/access.py, registry/services.py, audit/selectors.py)."""

from typing import Any

from shouwang.accounts.choices import HOUSEHOLD_READERS, PERSONAL_DATA_REVEALERS
from shouwang.audit.selectors import user_can_read_audit_log


def can_read_households(user: Any) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.role in HOUSEHOLD_READERS
        and bool(user.region_id)
    )


def can_reveal(user: Any) -> bool:
    return can_read_households(user) and user.role in PERSONAL_DATA_REVEALERS


def can_read_audit(user: Any) -> bool:
    return user_can_read_audit_log(user)
