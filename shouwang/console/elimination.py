"""The elimination review (selector): every monitored household of the user's region with whether it may
be proposed for risk elimination today (R-ELIM-01…03, assisted mode) and, if not, each reason — the rules are
``cases.services.elimination_refusals``'s, shown with the policy rule IDs moved into a tooltip."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse

from shouwang.accounts.actors import Viewer
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.cases.selectors import case_list
from shouwang.cases.services.elimination import elimination_refusals
from shouwang.console.policytext import PolicyText, policy_split
from shouwang.registry.choices import EliminationModeChoices

REVIEWED = 300  # at most this many monitored households per page load (oldest identified first)


@dataclass
class Candidate:
    case_id: int
    household_no: str
    head_name: str
    village: str
    identified_on: dt.date | None
    link: str
    qualifies: bool
    reasons: list[PolicyText] = field(default_factory=list)
    open_elimination_case_id: int | None = None


def elimination_review_get(*, user: Viewer, on: dt.date | None = None) -> tuple[list[Candidate], int]:
    """(the reviewed households — qualifying, in an elimination case, the rest —; how many monitored
    households the region has)."""
    on = on or clock.today()
    monitored = case_list(user=user).filter(
        kind=CaseKindChoices.IDENTIFICATION, state=CaseStateChoices.MONITORING, is_open=True
    )
    total = monitored.count()
    open_elims = dict(
        Case.objects.filter(
            kind=CaseKindChoices.ELIMINATION, is_open=True, household__in=monitored.values("household")
        ).values_list("household_id", "pk")
    )
    out = []
    for case in monitored.select_related("household", "household__village").order_by("decided_on", "id")[
        :REVIEWED
    ]:
        hh = case.household
        elim = open_elims.get(hh.pk)
        refusals = (
            [] if elim else elimination_refusals(case=case, mode=EliminationModeChoices.ASSISTED, on=on)
        )
        out.append(
            Candidate(
                case_id=case.pk,
                household_no=hh.household_no,
                head_name=hh.head_name,
                village=hh.village.name,
                identified_on=hh.identified_on or case.decided_on,
                link=reverse("console:case_detail", args=[case.pk]),
                qualifies=elim is None and not refusals,
                reasons=[policy_split(e.reason) for e in refusals],
                open_elimination_case_id=elim,
            )
        )
    # Qualifying first, then those already in an elimination case, then the rest.
    out.sort(key=lambda c: (0 if c.qualifies else 1 if c.open_elimination_case_id else 2, c.household_no))
    return out, total
