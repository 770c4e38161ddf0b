"""Which console pages and buttons a user gets. These only decide what to *show* (and which pages answer
403 to a role that has no business there); the selectors and services enforce the same rules again
(accounts/access.py, the registry's selectors and services, cases/services.py, screening/services.py)."""

from typing import Any

from shouwang.accounts.access import user_can_read_audit_log
from shouwang.accounts.choices import HOUSEHOLD_READERS, PERSONAL_DATA_REVEALERS, RoleChoices
from shouwang.cases.services import CLUE_ROLES

# The region dashboard: county, prefecture and province (and the township for its own villages) plus
# auditors; village cadres and grid workers work from their queue and the household list.
DASHBOARD_ROLES = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.AUDITOR,
    }
)
# Roles with a work queue (things to do): the officials who move cases and answer citizens.
WORK_ROLES = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.VILLAGE,
        RoleChoices.GRID,
    }
)
# Starting a screening run from the console: the county (the level that screens its households each
# month, R-ID-06); the screening service also accepts prefecture and province.
SCREENING_STARTERS = frozenset({RoleChoices.COUNTY, RoleChoices.PREFECTURE, RoleChoices.PROVINCE})
PARAMETER_SETTERS = frozenset({RoleChoices.COUNTY, RoleChoices.PROVINCE})
BATCH_READERS = frozenset(
    {RoleChoices.PROVINCE, RoleChoices.PREFECTURE, RoleChoices.COUNTY, RoleChoices.AUDITOR}
)


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "region_id", None))


def can_read_households(user: Any) -> bool:
    return _signed_in(user) and user.role in HOUSEHOLD_READERS


def can_reveal(user: Any) -> bool:
    return can_read_households(user) and user.role in PERSONAL_DATA_REVEALERS


def can_read_audit(user: Any) -> bool:
    return user_can_read_audit_log(user)


def can_view_dashboard(user: Any) -> bool:
    return _signed_in(user) and user.role in DASHBOARD_ROLES


def has_work_queue(user: Any) -> bool:
    return _signed_in(user) and user.role in WORK_ROLES


def can_start_screening(user: Any) -> bool:
    return _signed_in(user) and user.role in SCREENING_STARTERS


def can_set_parameters(user: Any) -> bool:
    return _signed_in(user) and user.role in PARAMETER_SETTERS


def can_read_batches(user: Any) -> bool:
    return _signed_in(user) and user.role in BATCH_READERS


def can_export(user: Any) -> bool:
    """Lists are exported by whoever may read them; the export itself is region-scoped and audited."""
    return can_read_households(user)


def can_make_clues(user: Any) -> bool:

    return _signed_in(user) and user.role in CLUE_ROLES
