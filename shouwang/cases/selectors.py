"""Reads for cases, clues, plans and visits. Every personal lookup is region-scoped (STYLE 6)."""

import datetime as dt
from typing import Any

from django.db.models import Count, DateField, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from shouwang.accounts.access import NotFound, user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case, Clue, Visit
from shouwang.cases.parameters import Params, params_by_village, params_get
from shouwang.registry.choices import HouseholdStatusChoices, PovertyStatusChoices
from shouwang.registry.models import Household


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
    return Clue.objects.filter(household__isnull=True, village__code__startswith=user.region_id)


def visit_overdue_list(*, user: Viewer, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Monitored households whose next visit (R-ID-06 tier interval) is past due."""
    today = today or clock.today()
    cases = (
        case_list(user=user)
        .filter(kind=CaseKindChoices.IDENTIFICATION, state=CaseStateChoices.MONITORING)
        .annotate(last_visit=Max("visits__visited_on"))
    )
    cases_read = list(cases)
    # The parameter table read once (not once per case): a page of the API costs the same for any region.
    by_village = params_by_village(villages={c.household.village_id for c in cases_read}, year=today.year)
    out = []
    for case in cases_read:
        params = by_village[case.household.village_id]
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


def open_identification_case(household: Household) -> Case | None:
    """The household's open identification case (the one its follow-up visits, clues and plan belong to)."""
    return (
        Case.objects.filter(household=household, kind=CaseKindChoices.IDENTIFICATION, is_open=True)
        .order_by("-id")
        .first()
    )


def _routine_green_q() -> Q:
    """Households on the green (quarterly) rhythm without a case: 脱贫户, and households monitored before
    (risk eliminated or identified once, R-ID-06 会泽: green = stably out of poverty). The same rule as
    ``routine_rhythm``, as a filter."""
    return (
        Q(poverty_status=PovertyStatusChoices.FORMER_POOR)
        | Q(risk_eliminated_on__isnull=False)
        | Q(identified_on__isnull=False)
    )


def routine_rhythm(household: Household) -> str:
    """ "green" (the green tier's interval) or "routine" (``visit_days_routine``): ``_routine_green_q``."""
    green = (
        household.poverty_status == PovertyStatusChoices.FORMER_POOR
        or household.risk_eliminated_on is not None
        or household.identified_on is not None
    )
    return "green" if green else "routine"


def routine_visit_next_due(
    households: list[Household],
    last_visit_on: dict[int, dt.date],
    *,
    year: int,
    params: dict[str, Params] | None = None,
) -> dict[int, dt.date]:
    """The next routine visit of each household (that has no open identification case): its last visit
    of any kind, else the day it entered the registry, plus its rhythm's interval in its village."""
    if params is None:
        params = params_by_village(villages={h.village_id for h in households}, year=year)
    out = {}
    for h in households:
        p = params[h.village_id]
        since = last_visit_on.get(h.pk) or timezone.localdate(h.created_at)
        interval = p.visit_days_green if routine_rhythm(h) == "green" else p.visit_days_routine
        out[h.pk] = since + dt.timedelta(days=interval)
    return out


def _routine_candidates(households: QuerySet[Household]) -> QuerySet[Household]:
    """Of ``households``, those that get routine visits (常态化走访): active and without an open
    identification case (those have follow-up visits on their case's tier, ``visit_overdue_list``), annotated
    with ``last_visit`` and ``since`` (the last visit of any kind, else the day the household entered the
    registry)."""
    open_case = Case.objects.filter(
        household=OuterRef("pk"), kind=CaseKindChoices.IDENTIFICATION, is_open=True
    )
    last = Subquery(
        Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1],
        output_field=DateField(),
    )
    return (
        households.exclude(status=HouseholdStatusChoices.CANCELLED)
        .filter(~Exists(open_case))
        .annotate(last_visit=last, since=Coalesce(last, TruncDate("created_at")))
    )


def routine_visit_households(*, user: Viewer) -> QuerySet[Household]:
    """The user's households that get routine visits (``_routine_candidates``)."""
    return _routine_candidates(Household.objects.filter(user_household_q(user)))


def _routine_due_q(params: dict[str, Params], by: dt.date) -> Q:
    """Households (of ``routine_visit_households``) whose routine visit falls due on or before ``by``: the
    green interval for 脱贫户 and formerly monitored households, ``visit_days_routine`` for the others,
    each village with its own parameters (R-NRM-06: visit rhythms are parameters per region)."""
    groups: dict[tuple[int, int], list[str]] = {}
    for village, p in params.items():
        groups.setdefault((p.visit_days_green, p.visit_days_routine), []).append(village)
    q = Q(pk__in=[])
    for (green, routine), members in groups.items():
        q |= Q(village_id__in=members) & (
            (_routine_green_q() & Q(since__lte=by - dt.timedelta(days=green)))
            | (~_routine_green_q() & Q(since__lte=by - dt.timedelta(days=routine)))
        )
    return q


def routine_visits_overdue_by_village(*, today: dt.date) -> dict[str, int]:
    """Households of the whole register whose routine visit is overdue today, by village (the statistics'
    figure; one GROUP BY)."""
    active = Household.objects.exclude(status=HouseholdStatusChoices.CANCELLED)
    villages = set(active.order_by().values_list("village_id", flat=True).distinct())
    params = params_by_village(villages=villages, year=today.year)
    return dict(
        _routine_candidates(Household.objects.all())
        .filter(_routine_due_q(params, today - dt.timedelta(days=1)))
        .order_by()
        .values("village_id")
        .annotate(n=Count("id"))
        .values_list("village_id", "n")
    )


def routine_visit_due_list(
    *, user: Viewer, today: dt.date | None = None, horizon_days: int = 0, limit: int | None = None
) -> tuple[int, int, list[dict[str, Any]]]:
    """Routine visits due by ``today + horizon_days`` in the user's region, oldest first: (count due, count
    overdue today, the first ``limit`` rows). Four queries whatever the region's size."""
    today = today or clock.today()
    villages = set(
        Household.objects.filter(user_household_q(user)).values_list("village_id", flat=True).distinct()
    )
    params = params_by_village(villages=villages, year=today.year)
    due_q = _routine_due_q(params, today + dt.timedelta(days=horizon_days))
    counts = routine_visit_households(user=user).aggregate(
        due=Count("pk", filter=due_q),
        overdue=Count("pk", filter=_routine_due_q(params, today - dt.timedelta(days=1))),
    )
    qs = (
        routine_visit_households(user=user)
        .filter(due_q)
        .select_related("village")
        .order_by("since", "household_no")
    )
    rows = list(qs[:limit] if limit is not None else qs)
    last = {h.pk: h.last_visit for h in rows if h.last_visit}  # type: ignore[attr-defined]  # annotation
    due = routine_visit_next_due(rows, last, year=today.year, params=params)
    return (
        counts["due"],
        counts["overdue"],
        [
            {
                "household": h,
                "household_no": h.household_no,
                "last_visit": last.get(h.pk),
                "rhythm": routine_rhythm(h),
                "due_on": due[h.pk],
                "days_overdue": (today - due[h.pk]).days,
            }
            for h in rows
        ],
    )


def case_next_visit_due(case: Case) -> dt.date | None:
    if case.kind != CaseKindChoices.IDENTIFICATION or case.state != CaseStateChoices.MONITORING:
        return None
    params = params_get(region_code=case.household.village_id, year=clock.today().year)
    last = case.visits.aggregate(m=Max("visited_on"))["m"]
    since = last or case.decided_on or case.opened_on
    return since + dt.timedelta(days=params.visit_days(case.risk_level))
