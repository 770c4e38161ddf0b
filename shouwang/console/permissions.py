"""Which console pages and buttons a user gets. These only decide what to *show* (and which pages answer
403 to a role that has no business there); the selectors and services enforce the same rules again
(accounts/access.py, the registry's selectors and services, cases/services.py, screening/services.py)."""

from shouwang.accounts.access import signed_in_with_region, user_can_read_audit_log
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS, PERSONAL_DATA_REVEALERS, RoleChoices
from shouwang.cases.services import CLUE_ROLES
from shouwang.cases.services.plans import PLAN_ROLES
from shouwang.cases.services.visits import VISIT_ROLES

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


def _role_in(user: Viewer, roles: frozenset[str]) -> bool:
    official = signed_in_with_region(user)
    return official is not None and official.role in roles


def can_read_households(user: Viewer) -> bool:
    return _role_in(user, HOUSEHOLD_READERS)


def can_reveal(user: Viewer) -> bool:
    """Household readers who may also reveal a full ID number or phone."""
    return _role_in(user, HOUSEHOLD_READERS & PERSONAL_DATA_REVEALERS)


def can_read_audit(user: Viewer) -> bool:
    return user_can_read_audit_log(user)


def can_view_dashboard(user: Viewer) -> bool:
    return _role_in(user, DASHBOARD_ROLES)


def has_work_queue(user: Viewer) -> bool:
    return _role_in(user, WORK_ROLES)


def can_record_visits(user: Viewer) -> bool:
    """Follow-up visits (R-ID-06): the roles of ``cases.services.visit_record``."""
    return _role_in(user, VISIT_ROLES)


def can_edit_plans(user: Viewer) -> bool:
    """一户一策: the roles of ``cases.services.plan_measures_add`` and ``measure_end``."""
    return _role_in(user, PLAN_ROLES)


def can_start_screening(user: Viewer) -> bool:
    return _role_in(user, SCREENING_STARTERS)


def can_set_parameters(user: Viewer) -> bool:
    return _role_in(user, PARAMETER_SETTERS)


def can_read_batches(user: Viewer) -> bool:
    return _role_in(user, BATCH_READERS)


def can_export(user: Viewer) -> bool:
    """Lists are exported by whoever may read them; the export itself is region-scoped and audited."""
    return can_read_households(user)


def can_make_clues(user: Viewer) -> bool:
    return _role_in(user, CLUE_ROLES)
