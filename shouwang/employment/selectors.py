"""Reads of the employment app. Everything is scoped to the caller's region with the households' filter
(``accounts.access.user_household_q``): "not yours" and "does not exist" look the same."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet

from shouwang.accounts.access import NotFound, signed_in_with_region, user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS, RoleChoices
from shouwang.employment.choices import (
    EMPLOYED_STATUSES,
    LabourStatusChoices,
    StatusSourceChoices,
    ZeroTaskStatusChoices,
)
from shouwang.employment.models import LabourRecord, TransportSubsidy, WorkEpisode, ZeroEmploymentTask
from shouwang.employment.services.dispatch import DispatchTable, dispatch_table_load, dispatch_visible
from shouwang.employment.services.roster import ROSTER_MAX_AGE, ROSTER_MIN_AGE
from shouwang.employment.services.transport import Candidate, transport_candidates
from shouwang.publicposts.selectors import post_holders_in
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import COUNTED_RESIDENCE
from shouwang.registry.models import Person
from shouwang.registry.selectors import access_household_by_id
from shouwang.workshops.selectors import relief_participants_in, workshop_workers_in


@dataclass(frozen=True)
class RosterCounts:
    """One month's roster in a region: labourers by status (R-EMP-02; the seed of the R-EMP-04 table)."""

    period: str
    region_code: str
    labourers: int
    employed: int
    by_status: dict[str, int]


def roster_counts(*, user: Viewer, period: str, region_code: str | None = None) -> RosterCounts:
    """Counts of the month's roster inside the caller's region (or a region below it)."""
    qs = LabourRecord.objects.filter(user_household_q(user, prefix="household__"), period=period)
    code = region_code or ""
    if code:
        if not user_can_see_region(user, code):
            qs = qs.none()
        else:
            qs = qs.filter(household__village_id__startswith=code)
    by_status = {s.value: 0 for s in LabourStatusChoices}
    for status, n in qs.values_list("status").annotate(n=Count("id")).order_by():
        by_status[status] = n
    return RosterCounts(
        period=period,
        region_code=code,
        labourers=sum(by_status.values()),
        employed=sum(n for s, n in by_status.items() if s in EMPLOYED_STATUSES),
        by_status=by_status,
    )


def household_episodes(*, user: Viewer, household_no: str) -> QuerySet[WorkEpisode]:
    """A household's work episodes, newest first; ``NotFound`` (audited) when the household is not the
    caller's to see (registry.selectors.access_household_by_id)."""
    household = access_household_by_id(user, household_no, purpose="employment")
    return WorkEpisode.objects.filter(household=household).select_related("person").order_by("-start_month")


OUT_OF_COUNTY_PLACES = frozenset({LabourStatusChoices.OUT_OF_PROVINCE, LabourStatusChoices.IN_PROVINCE})
_REGISTRY_OUT_OF_COUNTY = frozenset({"in_province", "out_of_province"})  # registry.choices.WorkPlaceChoices


@dataclass(frozen=True)
class WorkFacts:
    """What Shouwang knows of a household's work in a month (R-AID-05's "measures match facts"), from the
    务工月监测 episodes, the roster and the registry's person record (务工时间, 务工地点)."""

    working: frozenset[int]  # person ids in work in the month
    out_of_county: frozenset[int]  # of those, working outside the home county
    transport_subsidised: frozenset[int]  # with a non-zero 年度交通费补助 on an out-of-county episode
    # person id → earliest start (YYYY-MM) of a current out-of-county episode
    out_of_county_since: dict[int, str]


def household_work_facts(*, household_id: int, month: str) -> WorkFacts:
    """A household's work in ``month`` (YYYY-MM). A person works when an episode covers the month, the
    roster of the month (or the latest earlier one) gives an employed status, or the registry's person
    record shows work this year (务工时间 > 0 or a 务工地点). Reads only; the caller has checked access."""
    members = {
        p.pk: p
        for p in Person.objects.filter(household_id=household_id, residence__in=COUNTED_RESIDENCE)
        .only("pk", "work_months", "work_place", "household__county_code")
        .select_related("household")
    }
    working: set[int] = set()
    away: set[int] = set()
    subsidised: set[int] = set()
    since: dict[int, str] = {}
    episodes = WorkEpisode.objects.filter(
        household_id=household_id, person_id__in=members, worked=True, start_month__lte=month
    ).exclude(end_month__lt=month, end_month__gt="")
    for ep in episodes.only("person_id", "place_type", "channel", "start_month", "transport_subsidy"):
        working.add(ep.person_id)
        if ep.place_type in OUT_OF_COUNTY_PLACES and ep.channel not in ("public_post", "workshop"):
            away.add(ep.person_id)
            since[ep.person_id] = min(since.get(ep.person_id, ep.start_month), ep.start_month)
            if ep.transport_subsidy:
                subsidised.add(ep.person_id)
    latest = (
        LabourRecord.objects.filter(household_id=household_id, period__lte=month)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest:
        for pid, status in LabourRecord.objects.filter(
            household_id=household_id, period=latest, person_id__in=members
        ).values_list("person_id", "status"):
            if status in EMPLOYED_STATUSES:
                working.add(pid)
                if status in OUT_OF_COUNTY_PLACES:
                    away.add(pid)
    for pid, p in members.items():
        if p.work_months or p.work_place:
            working.add(pid)
            if p.work_place in _REGISTRY_OUT_OF_COUNTY:
                away.add(pid)
    if members:
        # A public-welfare post, a 帮扶车间 job or 以工代赈 pay in the month is work at home (R-EMP-02).
        county = [next(iter(members.values())).household.county_code]
        ids = list(members)
        working |= set(post_holders_in(period=month, county_codes=county, person_ids=ids))
        working |= workshop_workers_in(period=month, county_codes=county, person_ids=ids)
        working |= relief_participants_in(period=month, county_codes=county, person_ids=ids)
        # A 交通补助 listed or paid for the year (R-EMP-09) is a subsidised migrant's.
        subsidised |= set(
            TransportSubsidy.objects.filter(person_id__in=ids, year=int(month[:4]))
            .exclude(status="failed")
            .values_list("person_id", flat=True)
        )
    return WorkFacts(
        working=frozenset(working),
        out_of_county=frozenset(away),
        transport_subsidised=frozenset(subsidised),
        out_of_county_since=since,
    )


def labourers_by_household(*, household_ids: list[int], month: str) -> dict[int, list[dict[str, object]]]:
    """The labourers of each household for the field app's card (R-EMP-02): counted members of working
    age (the roster's bounds) or with labour, each with the status of the month's roster, or of the latest
    earlier roster. Two queries whatever the number of households."""
    year, mon = int(month[:4]), int(month[5:])
    born_after = dt.date(year - ROSTER_MAX_AGE - 1, mon, 1)
    born_before = dt.date(year - ROSTER_MIN_AGE, mon, 1)
    people = list(
        Person.objects.filter(
            household_id__in=household_ids,
            residence__in=COUNTED_RESIDENCE,
            birth_date__gt=born_after,
            birth_date__lte=born_before,
        )
        .only("pk", "household_id", "name", "birth_date", "labour", "relation")
        .order_by("household_id", "pk")
    )
    # The latest status within a year (older ones say little about this month).
    year_ago = f"{year - 1}-{mon:02d}"
    latest: dict[int, LabourRecord] = {}
    records = LabourRecord.objects.filter(
        household_id__in=household_ids, period__gt=year_ago, period__lte=month
    )
    for r in records.only("person_id", "period", "status", "source").order_by("period"):
        latest[r.person_id] = r
    statuses = dict(LabourStatusChoices.choices)
    sources = dict(StatusSourceChoices.choices)
    out: dict[int, list[dict[str, object]]] = {}
    for p in people:
        rec = latest.get(p.pk)
        out.setdefault(p.household_id, []).append(
            {
                "person_id": p.pk,
                "name": p.name,
                "age": year - p.birth_date.year - ((mon, 1) < (p.birth_date.month, p.birth_date.day)),
                "labour_label": p.get_labour_display(),
                "status": rec.status if rec else "",
                "status_label": str(statuses.get(rec.status, "")) if rec else "",
                "status_period": rec.period if rec else "",
                "source_label": str(sources.get(rec.source, "")) if rec else "",
            }
        )
    return out


def household_has_subsidised_migrant(household_id: int, year: int) -> bool:
    """Whether someone of the household has a 交通补助 for ``year`` (R-EMP-09): listed as eligible or
    paid (a failed payment does not count)."""
    return (
        TransportSubsidy.objects.filter(household_id=household_id, year=year)
        .exclude(status="failed")
        .exists()
    )


@dataclass(frozen=True)
class TransportListing:
    """A county's 交通补助 candidates of a year as the caller may see them (R-EMP-09)."""

    county: str
    region: str  # the caller's own region when below the county ("" = the whole county)
    year: int
    candidates: list[Candidate]
    eligible: int
    stored: int
    paid: int


def _readable_counties(user: Viewer, roles: frozenset[str]) -> list[tuple[str, str]]:
    """The counties a caller of one of ``roles`` may read, (code, name) by code: its own county (from a
    county, township or village region), or those under its prefecture or province."""
    official = signed_in_with_region(user)
    if official is None or official.role not in roles:
        return []
    code = official.region_code
    counties = Region.objects.filter(level=RegionLevelChoices.COUNTY)
    counties = counties.filter(code=code[:6]) if len(code) >= 6 else counties.filter(code__startswith=code)
    return list(counties.order_by("code").values_list("code", "name"))


def transport_counties(*, user: Viewer) -> list[str]:
    """The counties whose 交通补助 the caller may read: their own, or those inside their region."""
    return [c for c, _ in _readable_counties(user, HOUSEHOLD_READERS)]


def transport_list(
    *, user: Viewer, year: int, county: str = "", today: dt.date | None = None
) -> TransportListing | None:
    """The candidates with their verdicts (eligible or not, with the reason) for a county in the caller's
    region; None when the county is not the caller's. Below the county, only the caller's own people."""
    counties = transport_counties(user=user)
    county = county or (counties[0] if counties else "")
    if county not in counties:
        return None
    official = signed_in_with_region(user)
    assert official is not None
    region = official.region_code if len(official.region_code) > 6 else ""
    candidates = transport_candidates(county=county, year=year, today=today, region=region)
    stored = [c.stored for c in candidates if c.stored is not None]
    return TransportListing(
        county=county,
        region=region,
        year=year,
        candidates=candidates,
        eligible=sum(1 for c in candidates if c.verdict.eligible),
        stored=len(stored),
        paid=sum(1 for s in stored if s.status == "paid"),
    )


# ---------------------------------------------------------------------------------------------------------
# The dispatch table and the 零就业 tasks (R-EMP-04/05), for the console.

# Who reads the dispatch table: the levels that dispatch (township and up) and auditors; a village cadre
# works from the 零就业 list of its own households.
DISPATCH_READERS = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.AUDITOR,
    }
)


def user_can_read_dispatch(user: Viewer) -> bool:
    official = signed_in_with_region(user)
    return official is not None and official.role in DISPATCH_READERS


def dispatch_counties(*, user: Viewer) -> list[tuple[str, str]]:
    """The counties whose table the caller may read, (code, name): its own county, or those under its
    prefecture or province."""
    return _readable_counties(user, DISPATCH_READERS)


def counties_with_roster(*, codes: list[str]) -> list[str]:
    """Of ``codes``, the counties with any roster, in order (the default pick of a prefecture's page)."""
    found = set(
        LabourRecord.objects.filter(county_code__in=codes)
        .values_list("county_code", flat=True)
        .distinct()
        .order_by()
    )
    return [c for c in codes if c in found]


def roster_periods(*, county_code: str) -> list[str]:
    """The months with a roster in the county, newest first."""
    return list(
        LabourRecord.objects.filter(county_code=county_code)
        .values_list("period", flat=True)
        .distinct()
        .order_by("-period")
    )


def dispatch_table_get(*, user: Viewer, county_code: str, period: str) -> DispatchTable:
    """The county's table for the month as the caller may see it (a township official: its own row, no
    county total); ``NotFound`` for a county the caller does not cover."""
    official = signed_in_with_region(user)
    if (
        official is None
        or official.role not in DISPATCH_READERS
        or county_code not in {c for c, _ in dispatch_counties(user=user)}
    ):
        raise NotFound
    return dispatch_visible(dispatch_table_load(county_code=county_code, period=period), official.region_code)


@dataclass(frozen=True)
class ZeroTaskRow:
    task: ZeroEmploymentTask
    household_no: str
    head_name: str
    village: str
    township: str
    overdue: bool
    days_left: int

    @property
    def days_over(self) -> int:
        return -self.days_left


def zero_task_list(
    *, user: Viewer, today: dt.date, township: str = "", status: str = "open", limit: int = 500
) -> tuple[int, int, list[ZeroTaskRow]]:
    """The 零就业 tasks in the caller's region: (total, overdue, rows), most urgent first; ``township`` and
    ``status`` ("open", "closed" or "" for all) narrow it."""
    qs = ZeroEmploymentTask.objects.filter(user_household_q(user, prefix="household__"))
    if township:
        qs = qs.filter(township_code=township)  # already scoped: another region gives nothing
    if status:
        qs = qs.filter(status=status)
    total = qs.count()
    overdue = qs.filter(status=ZeroTaskStatusChoices.OPEN, deadline__lt=today).count()
    order = ["deadline", "household__household_no"] if status == "open" else ["-opened_period", "deadline"]
    tasks = list(
        qs.select_related("household", "household__village", "closed_person").order_by(*order)[:limit]
    )
    names = dict(Region.objects.filter(code__in={t.township_code for t in tasks}).values_list("code", "name"))
    rows = [
        ZeroTaskRow(
            task=t,
            household_no=t.household.household_no,
            head_name=t.household.head_name,
            village=t.household.village.name,
            township=names.get(t.township_code, ""),
            overdue=t.status == ZeroTaskStatusChoices.OPEN and t.deadline < today,
            days_left=(t.deadline - today).days,
        )
        for t in tasks
    ]
    return total, overdue, rows


def zero_task_townships(*, user: Viewer) -> list[tuple[str, str]]:
    """Townships with 零就业 tasks in the caller's region, (code, name), for the filter."""
    codes = set(
        ZeroEmploymentTask.objects.filter(user_household_q(user, prefix="household__"))
        .values_list("township_code", flat=True)
        .distinct()
        .order_by()
    )
    return list(Region.objects.filter(code__in=codes).values_list("code", "name").order_by("code"))


@dataclass(frozen=True)
class HouseholdWork:
    """The household page's 务工经历 panel: episodes, this month's roster, 零就业 tasks."""

    month: str
    episodes: list[WorkEpisode]
    roster: list[LabourRecord]
    roster_month: str
    tasks: list[ZeroEmploymentTask]


def household_work_get(*, household_id: int, month: str) -> HouseholdWork:
    """Reads only; the caller has checked access to the household. The roster is the month's, or the
    latest earlier one."""
    # One query for the roster: the household's records up to the month, newest first; the latest month's
    # rows are kept (the household page's query count is pinned).
    recent = list(
        LabourRecord.objects.filter(household_id=household_id, period__lte=month)
        .select_related("person")
        .order_by("-period", "person_id")[:100]
    )
    latest = recent[0].period if recent else ""
    return HouseholdWork(
        month=month,
        episodes=list(
            WorkEpisode.objects.filter(household_id=household_id)
            .select_related("person")
            .order_by("-start_month", "person_id")
        ),
        roster=[r for r in recent if r.period == latest],
        roster_month=latest,
        tasks=list(ZeroEmploymentTask.objects.filter(household_id=household_id).order_by("-opened_period")),
    )
