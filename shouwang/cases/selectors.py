"""Reads for cases, clues, plans and visits. Every personal lookup is region-scoped (STYLE 6)."""

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet

from shouwang.accounts.access import NotFound, user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case, Clue
from shouwang.cases.parameters import params_get


def access_case_by_id(user: Viewer, case_id: int, *, purpose: str = "view") -> Case:
    """The case if ``user`` may see its household; otherwise ``NotFound``, the same as a missing case.

    Refusals are audited here (``access_denied`` / ``not_found``); a plain look is audited as ``view``;
    an action (``purpose`` other than "view") is audited by the service that performs it, so an
    allowed action leaves exactly one audit row.
    """
    case = Case.objects.select_related("household", "household__village").filter(pk=case_id).first()
    allowed = (
        case is not None
        and Case.objects.filter(user_household_q(user, prefix="household__"), pk=case.pk).exists()
    )
    if not allowed:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if case is None else AuditActionChoices.ACCESS_DENIED,
            object_type="case",
            object_id=str(case_id),
            region_code=case.household.village_id if case else "",
            reason=purpose,
        )
        raise NotFound(str(case_id))
    assert case is not None
    if purpose == "view":
        audit_record(
            actor=user,
            action=AuditActionChoices.VIEW,
            object_type="case",
            object_id=str(case.pk),
            region_code=case.household.village_id,
            reason=purpose,
        )
    return case


def access_clue_by_id(user: Viewer, clue_id: int) -> Clue:
    """Clues without a household are scoped by their village."""
    clue = Clue.objects.select_related("household").filter(pk=clue_id).first()
    if (
        clue is None
        or not isinstance(user, User)
        or user.role not in HOUSEHOLD_READERS
        or not user_can_see_region(user, clue.village_id)
    ):
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if clue is None else AuditActionChoices.ACCESS_DENIED,
            object_type="clue",
            object_id=str(clue_id),
        )
        raise NotFound(str(clue_id))
    return clue


def case_list(*, user: Viewer, open_only: bool = True) -> QuerySet[Case]:
    qs = Case.objects.filter(user_household_q(user, prefix="household__")).select_related("household")
    return qs.filter(is_open=True) if open_only else qs


def clue_unresolved_list(*, user: Viewer) -> QuerySet[Clue]:
    """Clues whose household staff still have to find (self-reports without a matching ID)."""
    if not isinstance(user, User) or user.role not in HOUSEHOLD_READERS or not user.region_id:
        return Clue.objects.none()
    return Clue.objects.filter(household__isnull=True, village_id__startswith=user.region_id)


def visit_overdue_list(*, user: Viewer, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Monitored households whose next visit (R-ID-06 tier interval) is past due."""
    today = today or clock.today()
    cases = (
        case_list(user=user)
        .filter(kind=CaseKindChoices.IDENTIFICATION, state=CaseStateChoices.MONITORING)
        .annotate(last_visit=Max("visits__visited_on"))
    )
    out = []
    for case in cases:
        params = params_get(region_code=case.household.village_id, year=today.year)
        since = case.last_visit or case.decided_on or case.opened_on
        due = since + dt.timedelta(days=params.visit_days(case.risk_level))
        if due < today:
            out.append(
                {
                    "case_id": case.pk,
                    "household_no": case.household.household_no,
                    "risk_level": case.risk_level,
                    "last_visit": case.last_visit,
                    "due_on": due,
                    "days_overdue": (today - due).days,
                }
            )
    return out


def case_next_visit_due(case: Case) -> dt.date | None:
    if case.kind != CaseKindChoices.IDENTIFICATION or case.state != CaseStateChoices.MONITORING:
        return None
    params = params_get(region_code=case.household.village_id, year=clock.today().year)
    last = case.visits.aggregate(m=Max("visited_on"))["m"]
    since = last or case.decided_on or case.opened_on
    return since + dt.timedelta(days=params.visit_days(case.risk_level))
