"""Reads of the 帮扶车间 and 以工代赈 rolls, scoped to the caller's region ("not yours" and "does not exist"
look the same, both audited), and the two sets the labour roster counts as 帮扶车间 employment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from shouwang.accounts.access import NotFound, signed_in_with_region
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common import crypto
from shouwang.regions.models import Region
from shouwang.registry.models import Person
from shouwang.workshops.choices import WorkshopStatusChoices
from shouwang.workshops.models import (
    ReliefParticipant,
    ReliefProject,
    Workshop,
    WorkshopCheck,
    WorkshopWorker,
)
from shouwang.workshops.periods import quarter_of
from shouwang.workshops.services import share_percent

# ---------------------------------------------------------------------------------------------------------
# For the roster (the integrator wires these into employment's roster_refresh)


def _counties_q(
    county_codes: list[str] | None, field: str = "county_code", person_ids: list[int] | None = None
) -> Q:
    q = Q() if county_codes is None else Q(**{f"{field}__in": list(county_codes)})
    return q if person_ids is None else q & Q(person_id__in=person_ids)


def workshop_workers_in(
    *, period: str, county_codes: list[str] | None, person_ids: list[int] | None = None
) -> set[int]:
    """Person ids working at a 帮扶车间 of these counties in ``period`` (YYYY-MM): a spell covering the
    month at a workshop not cleared by the month's quarter (a cleared workshop is no longer one)."""
    live = ~Q(workshop__status=WorkshopStatusChoices.CLEARED) | Q(workshop__cleared_on__gt=quarter_of(period))
    qs = WorkshopWorker.objects.filter(
        _counties_q(county_codes, person_ids=person_ids), live, from_month__lte=period
    ).filter(Q(to_month="") | Q(to_month__gte=period))
    return set(qs.values_list("person_id", flat=True))


def relief_participants_in(
    *, period: str, county_codes: list[str] | None, person_ids: list[int] | None = None
) -> set[int]:
    """Person ids paid by a 以工代赈 project of these counties for work in ``period`` (YYYY-MM)."""
    qs = ReliefParticipant.objects.filter(
        _counties_q(county_codes, person_ids=person_ids), from_month__lte=period, to_month__gte=period
    )
    return set(qs.values_list("person_id", flat=True))


# ---------------------------------------------------------------------------------------------------------
# The console's reads


def _region(user: Viewer) -> str | None:
    official = signed_in_with_region(user)
    if official is None or official.role not in HOUSEHOLD_READERS:
        return None
    return official.region_code


def can_read_workshops(user: Viewer) -> bool:
    return _region(user) is not None


def workshop_list(*, user: Viewer, status: str = "") -> QuerySet[Workshop]:
    """The caller's workshops with the number of current workers (``current``) and all-time workers."""
    code = _region(user)
    if code is None:
        return Workshop.objects.none()
    qs = Workshop.objects.filter(village__code__startswith=code).select_related("village")
    if status:
        qs = qs.filter(status=status)
    month = dt.date.today().strftime("%Y-%m")
    now = Q(workers__from_month__lte=month) & (Q(workers__to_month="") | Q(workers__to_month__gte=month))
    return qs.annotate(
        current=Count("workers", filter=now, distinct=True),
        ever=Count("workers", distinct=True),
    ).order_by("township_code", "name")


def workshop_status_counts(*, user: Viewer) -> dict[str, int]:
    code = _region(user)
    counts = {s.value: 0 for s in WorkshopStatusChoices}
    if code is None:
        return counts
    for status, n in (
        Workshop.objects.filter(village__code__startswith=code).values_list("status").annotate(n=Count("id"))
    ).order_by():
        counts[status] = n
    return counts


def _denied(user: Viewer, object_type: str, object_id: int, exists: bool) -> NotFound:
    audit_record(
        actor=user,
        action=AuditActionChoices.ACCESS_DENIED if exists else AuditActionChoices.NOT_FOUND,
        object_type=object_type,
        object_id=str(object_id),
    )
    return NotFound(str(object_id))


def access_workshop_by_id(user: Viewer, workshop_id: int) -> Workshop:
    workshop = Workshop.objects.select_related("village").filter(pk=workshop_id).first()
    code = _region(user)
    if workshop is None or code is None or not workshop.village_id.startswith(code):
        raise _denied(user, "workshop", workshop_id, workshop is not None)
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="workshop",
        object_id=str(workshop.pk),
        region_code=workshop.village_id,
        reason="查看帮扶车间（含务工人员名单）",
    )
    return workshop


def workshop_workers(*, workshop: Workshop) -> QuerySet[WorkshopWorker]:
    return workshop.workers.select_related("person", "household").order_by("to_month", "from_month", "pk")


def workshop_checks(*, workshop: Workshop) -> QuerySet[WorkshopCheck]:
    return workshop.checks.order_by("-quarter")


@dataclass(frozen=True)
class ReliefSummary:
    project: ReliefProject
    participants: int
    paid: Decimal
    planned_share: Decimal
    paid_share: Decimal
    flags: list[str]


def relief_summary(project: ReliefProject, *, participants: int, paid: Decimal) -> ReliefSummary:
    """Planned and paid 劳务报酬 as shares of the central money; a flag when the paid share is below the
    project's minimum (R-EMP-08's KPI: paid ÷ central money) once the project's year is over."""
    planned = share_percent(project.planned_remuneration, project.central_investment)
    paid_share = share_percent(paid, project.central_investment)
    flags = []
    if paid_share < project.required_share and project.year < dt.date.today().year:
        flags.append(
            f"已发放劳务报酬占中央资金{paid_share}%，低于{project.required_share.normalize():f}%的最低比例"
        )
    return ReliefSummary(project, participants, paid, planned, paid_share, flags)


def relief_project_list(*, user: Viewer, year: int | None = None) -> list[ReliefSummary]:
    code = _region(user)
    if code is None:
        return []
    qs = ReliefProject.objects.filter(county__code__startswith=code[:6]).select_related("county")
    if len(code) > 6:
        # A township or village official sees the projects of its county that pay its people.
        qs = qs.filter(participants__household__village__code__startswith=code).distinct()
    if year:
        qs = qs.filter(year=year)
    qs = qs.annotate(n=Count("participants", distinct=True), paid_total=Sum("participants__pay"))
    return [
        relief_summary(p, participants=p.n, paid=p.paid_total or Decimal(0))  # type: ignore[attr-defined]
        for p in qs.order_by("-year", "name")
    ]


def access_relief_project_by_id(user: Viewer, project_id: int) -> ReliefProject:
    project = ReliefProject.objects.select_related("county").filter(pk=project_id).first()
    code = _region(user)
    visible = (
        project is not None
        and code is not None
        and project.county_id.startswith(code[:6])
        and (
            len(code) <= 6 or project.participants.filter(household__village__code__startswith=code).exists()
        )
    )
    if not visible:
        raise _denied(user, "relief_project", project_id, project is not None)
    assert project is not None
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="relief_project",
        object_id=str(project.pk),
        region_code=project.county_id,
        reason="查看以工代赈项目（含务工人员名单）",
    )
    return project


def relief_project_detail(
    *, project: ReliefProject, user: Viewer
) -> tuple[ReliefSummary, list[ReliefParticipant]]:
    code = _region(user) or "-"
    people = list(
        project.participants.filter(household__village__code__startswith=code)
        .select_related("person", "household")
        .order_by("from_month", "pk")
    )
    agg = project.participants.aggregate(n=Count("id"), paid=Sum("pay"))
    return relief_summary(project, participants=agg["n"] or 0, paid=agg["paid"] or Decimal(0)), people


def person_for_roll(*, user: Viewer, id_number: str) -> int | None:
    """The registered person with this ID inside the caller's region (for adding a worker), or None."""
    code = _region(user)
    if code is None or len(id_number) != 18:
        return None
    return (
        Person.objects.filter(
            id_index=crypto.blind_index(id_number.upper()), household__village__code__startswith=code
        )
        .values_list("pk", flat=True)
        .first()
    )


def villages_in(*, user: Viewer) -> list[tuple[str, str]]:
    """(code, township · village) of the villages in the caller's region, for the recognition form."""
    code = _region(user)
    if code is None:
        return []
    rows = list(
        Region.objects.filter(level="village", code__startswith=code)
        .order_by("code")
        .values_list("code", "name")
    )
    towns = dict(Region.objects.filter(code__in={c[:9] for c, _ in rows}).values_list("code", "name"))
    return [(c, f"{towns.get(c[:9], '')} · {n}") for c, n in rows]
