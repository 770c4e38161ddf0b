"""The monthly labour roster (劳动力花名册, R-EMP-02), derived from the registry, the episodes and the plans;
a status recorded by a visit, a phone call, 人社 or the person is kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import Q

from shouwang.employment.choices import (
    LabourStatusChoices,
    StatusSourceChoices,
    WorkChannelChoices,
)
from shouwang.employment.layout import (
    month_index,
)
from shouwang.employment.models import LabourRecord, WorkEpisode, WorkPlan
from shouwang.employment.services.freeze import dispatch_open_counties
from shouwang.employment.services.zero import zero_employment_refresh
from shouwang.registry.choices import CAPABLE_LABOUR, COUNTED_RESIDENCE, SchoolStatusChoices
from shouwang.registry.models import Person

# Working age of the roster (R-EMP-02 names no bounds; 16 is the work age of R-EMP-10, 60 the usual
# retirement age for rural labour statistics): a parameter.
ROSTER_MIN_AGE, ROSTER_MAX_AGE = 16, 60
# Statuses recorded by a person (visit, phone, 人社, payments, self-declared) outrank the derived ones.
DERIVED_SOURCES = (StatusSourceChoices.LEDGER, StatusSourceChoices.REGISTRY)


def _episode_status(ep: WorkEpisode) -> str:
    if ep.channel == WorkChannelChoices.PUBLIC_POST:
        return LabourStatusChoices.PUBLIC_POST
    if ep.channel == WorkChannelChoices.WORKSHOP:
        return LabourStatusChoices.WORKSHOP
    return ep.place_type or LabourStatusChoices.IN_COUNTY


def roster_refresh(
    *, period: str, counties: Sequence[str], today: dt.date | None = None, include_low_income: bool = False
) -> int:
    """Derive the month's roster (R-EMP-02) for ``counties``: every counted member of working age of a
    脱贫 household or a monitoring object's household (and, with ``include_low_income``, of a household with
    a 低保 or 特困 member). The status comes from an episode covering the month (its channel, else its
    place), else 在校 / 无劳动能力 from the registry, else the month's plan (是 → 未就业有意愿, 否 → 无意愿),
    else 未就业有意愿 with willingness unknown (a visit settles it). Records from a visit, a phone call, 人社,
    payments or the person are kept. Returns the number of derived records written."""
    if not (counties := dispatch_open_counties(period=period, counties=counties)):  # frozen: R-EMP-04
        return 0
    year, month = int(period[:4]), int(period[5:])
    first_day = dt.date(year, month, 1)
    born_after = dt.date(year - ROSTER_MAX_AGE - 1, month, 1)
    born_before = dt.date(year - ROSTER_MIN_AGE, month, 1)
    scope = Q(household__poverty_status="former_poor") | ~Q(household__monitoring_category="")
    if include_low_income:
        scope |= Q(household__members__dibao=True) | Q(household__members__tekun=True)
    persons = (
        Person.objects.filter(
            scope,
            household__county_code__in=counties,
            household__status="active",
            residence__in=COUNTED_RESIDENCE,
            birth_date__gt=born_after,
            birth_date__lte=born_before,
        )
        .distinct()
        .values_list(
            "id",
            "household_id",
            "household__county_code",
            "household__township_code",
            "labour",
            "school_status",
        )
    )
    kept = set(
        LabourRecord.objects.filter(period=period, county_code__in=counties)
        .exclude(source__in=DERIVED_SOURCES)
        .values_list("person_id", flat=True)
    )
    p_idx = month_index(period)
    episodes: dict[int, WorkEpisode] = {}
    for ep in WorkEpisode.objects.filter(
        county_code__in=counties, worked=True, start_month__lte=period
    ).filter(Q(end_month="") | Q(end_month__gte=period)):
        if month_index(ep.start_month) <= p_idx:
            episodes.setdefault(ep.person_id, ep)
    plans = dict(
        WorkPlan.objects.filter(county_code__in=counties, period=period).values_list("person_id", "planned")
    )
    LabourRecord.objects.filter(period=period, county_code__in=counties, source__in=DERIVED_SOURCES).delete()
    records = []
    for pid, hid, county, township, labour, school in persons:
        if pid in kept:
            continue
        found = episodes.get(pid)
        willing: bool | None
        if found is not None:
            status, source, willing = _episode_status(found), StatusSourceChoices.LEDGER, True
        elif school != SchoolStatusChoices.NONE:
            status, source, willing = LabourStatusChoices.STUDENT, StatusSourceChoices.REGISTRY, None
        elif labour not in CAPABLE_LABOUR:
            status, source, willing = LabourStatusChoices.NO_CAPACITY, StatusSourceChoices.REGISTRY, False
        elif pid in plans and plans[pid] is not None:
            willing = bool(plans[pid])
            status = LabourStatusChoices.SEEKING if willing else LabourStatusChoices.UNWILLING
            source = StatusSourceChoices.LEDGER
        else:
            status, source, willing = LabourStatusChoices.SEEKING, StatusSourceChoices.REGISTRY, None
        records.append(
            LabourRecord(
                person_id=pid,
                household_id=hid,
                county_code=county,
                township_code=township,
                period=period,
                labour=labour,
                willing=willing,
                status=status,
                source=source,
                checked_on=today or first_day,
                episode=found,
            )
        )
    LabourRecord.objects.bulk_create(records, batch_size=2000)
    zero_employment_refresh(period=period, counties=counties, today=today)  # R-EMP-05 tasks
    return len(records)
