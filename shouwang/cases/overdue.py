"""Whether an identification case is past its due date (R-ID-03), computed when read.

The stored ``Case.overdue`` flag is set by the escalation batch (``case_escalate_overdue``) and kept for
its history; every reader (API, console, exports) asks this module instead, so the answer is the same
the day after the due date as after the next batch run (decisions/0022).
"""

import datetime as dt

from django.db.models import Q

from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case

# Past these the procedure is done (announced, then monitored): the 15-day limit no longer runs.
OVERDUE_EXEMPT_STATES = (CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING)


def case_overdue_q(today: dt.date, *, prefix: str = "") -> Q:
    """The cases overdue on ``today``: open identification cases due before it and not yet announced."""
    return Q(
        **{
            f"{prefix}is_open": True,
            f"{prefix}kind": CaseKindChoices.IDENTIFICATION,
            f"{prefix}due_on__lt": today,
        }
    ) & ~Q(**{f"{prefix}state__in": OVERDUE_EXEMPT_STATES})


def case_is_overdue(case: Case, today: dt.date) -> bool:
    return (
        case.is_open
        and case.kind == CaseKindChoices.IDENTIFICATION
        and case.due_on is not None
        and case.due_on < today
        and case.state not in OVERDUE_EXEMPT_STATES
    )
