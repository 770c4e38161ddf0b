"""The monthly labour roster (劳动力花名册, R-EMP-02), derived from the registry, the episodes and the plans;
a status recorded by a visit, a phone call, 人社 or the person is kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from shouwang.employment.choices import (
    LabourStatusChoices,
    StatusSourceChoices,
    WorkChannelChoices,
)
from shouwang.employment.services.freeze import dispatch_open_counties
from shouwang.employment.services.zero import zero_employment_refresh
from shouwang.exchange.bulk import BulkLoad
from shouwang.publicposts.selectors import post_holders_in
from shouwang.registry.choices import (
    CAPABLE_LABOUR,
    COUNTED_RESIDENCE,
    HouseholdStatusChoices,
    PovertyStatusChoices,
    SchoolStatusChoices,
)
from shouwang.workshops.selectors import relief_participants_in, workshop_workers_in

# Working age of the roster (R-EMP-02 names no bounds; 16 is the work age of R-EMP-10, 60 the usual
# retirement age for rural labour statistics): a parameter.
ROSTER_MIN_AGE, ROSTER_MAX_AGE = 16, 60
# Statuses recorded by a person (visit, phone, 人社, payments, self-declared) outrank the derived ones.
DERIVED_SOURCES = (StatusSourceChoices.LEDGER, StatusSourceChoices.REGISTRY, StatusSourceChoices.ROLL)


def roster_refresh(
    *, period: str, counties: Sequence[str], today: dt.date | None = None, include_low_income: bool = False
) -> int:
    """Derive the month's roster (R-EMP-02) for ``counties``: every counted member of working age of a
    脱贫 household or a monitoring object's household (and, with ``include_low_income``, of a household with
    a 低保 or 特困 member). The status comes from an episode covering the month (its channel, else its
    place), else 在校 / 无劳动能力 from the registry, else the month's plan (是 → 未就业有意愿, 否 → 无意愿),
    else 未就业有意愿 with willingness unknown (a visit settles it). Records from a visit, a phone call, 人社,
    payments or the person are kept. Returns the number of derived records written.

    Set-based (decision 0721): one DELETE of the month's derived records and one INSERT … SELECT that
    picks each person's covering episode (the earliest start) and plan and decides status, source and
    willingness in CASE expressions; no row passes through Python."""
    counties = dispatch_open_counties(period=period, counties=list(counties))  # frozen: R-EMP-04
    if not counties:
        return 0
    year, month = int(period[:4]), int(period[5:])
    first_day = dt.date(year, month, 1)
    born_after = dt.date(year - ROSTER_MAX_AGE - 1, month, 1)
    born_before = dt.date(year - ROSTER_MIN_AGE, month, 1)
    now = timezone.now()
    now_db = connection.ops.adapt_datetimefield_value(now) if connection.vendor != "postgresql" else now
    in_counties = ", ".join(["%s"] * len(counties))
    residence = sorted(str(r) for r in COUNTED_RESIDENCE)
    capable = sorted(str(c) for c in CAPABLE_LABOUR)
    derived = [str(s) for s in DERIVED_SOURCES]
    scope = "h.poverty_status = %s OR h.monitoring_category <> ''"
    scope_params: list[Any] = [PovertyStatusChoices.FORMER_POOR.value]
    if include_low_income:
        scope += (
            " OR EXISTS (SELECT 1 FROM registry_person m WHERE m.household_id = h.id"
            " AND (m.dibao = %s OR m.tekun = %s))"
        )
        scope_params += [True, True]
    S, R = LabourStatusChoices, StatusSourceChoices
    sql = f"""
INSERT INTO employment_labourrecord (person_id, household_id, county_code, township_code, period, labour,
    willing, status, source, checked_on, episode_id, created_at, updated_at)
SELECT x.pid, x.hid, x.county, x.township, %s, x.labour,
    CASE WHEN e.id IS NOT NULL THEN %s
         WHEN x.school <> %s THEN NULL
         WHEN x.labour NOT IN ({", ".join(["%s"] * len(capable))}) THEN %s
         ELSE w.planned END,
    CASE WHEN e.id IS NOT NULL THEN
              CASE WHEN e.channel = %s THEN %s WHEN e.channel = %s THEN %s
                   WHEN e.place_type <> '' THEN e.place_type ELSE %s END
         WHEN x.school <> %s THEN %s
         WHEN x.labour NOT IN ({", ".join(["%s"] * len(capable))}) THEN %s
         WHEN w.planned = %s THEN %s
         ELSE %s END,
    CASE WHEN e.id IS NOT NULL THEN %s
         WHEN x.school <> %s OR x.labour NOT IN ({", ".join(["%s"] * len(capable))}) THEN %s
         WHEN w.planned IS NOT NULL THEN %s
         ELSE %s END,
    %s, e.id, %s, %s
FROM (
    SELECT p.id AS pid, p.household_id AS hid, h.county_code AS county, h.township_code AS township,
        p.labour AS labour, p.school_status AS school,
        (SELECT c.id FROM employment_workepisode c
          WHERE c.person_id = p.id AND c.worked = %s
            AND c.start_month <= %s AND (c.end_month = '' OR c.end_month >= %s)
          ORDER BY c.start_month LIMIT 1) AS eid
    FROM registry_person p JOIN registry_household h ON h.id = p.household_id
    WHERE h.county_code IN ({in_counties}) AND h.status = %s
      AND p.residence IN ({", ".join(["%s"] * len(residence))})
      AND p.birth_date > %s AND p.birth_date <= %s
      AND ({scope})
      AND NOT EXISTS (SELECT 1 FROM employment_labourrecord k WHERE k.person_id = p.id AND k.period = %s)
) x
LEFT JOIN employment_workepisode e ON e.id = x.eid
LEFT JOIN employment_workplan w ON w.person_id = x.pid AND w.period = %s
"""
    params: list[Any] = [
        period,
        # willing
        True,
        SchoolStatusChoices.NONE.value,
        *capable,
        False,
        # status
        WorkChannelChoices.PUBLIC_POST.value,
        S.PUBLIC_POST.value,
        WorkChannelChoices.WORKSHOP.value,
        S.WORKSHOP.value,
        S.IN_COUNTY.value,
        SchoolStatusChoices.NONE.value,
        S.STUDENT.value,
        *capable,
        S.NO_CAPACITY.value,
        False,
        S.UNWILLING.value,
        S.SEEKING.value,
        # source
        R.LEDGER.value,
        SchoolStatusChoices.NONE.value,
        *capable,
        R.REGISTRY.value,
        R.LEDGER.value,
        R.REGISTRY.value,
        # checked_on, created_at, updated_at
        today or first_day,
        now_db,
        now_db,
        # episode sub-select
        True,
        period,
        period,
        # persons
        *counties,
        HouseholdStatusChoices.ACTIVE.value,
        *residence,
        born_after,
        born_before,
        *scope_params,
        period,
        period,
    ]
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM employment_labourrecord WHERE period = %s AND county_code IN ({in_counties})"
            f" AND source IN ({', '.join(['%s'] * len(derived))})",
            [period, *counties, *derived],
        )
        cur.execute(
            "SELECT count(*) FROM registry_person p JOIN registry_household h ON h.id = p.household_id"
            f" WHERE h.county_code IN ({in_counties})",
            counties,
        )
        estimate = int(cur.fetchone()[0])
    # Large months: the non-unique indexes are dropped and rebuilt around the insert (decision 0103).
    with BulkLoad("employment_labourrecord", estimate), connection.cursor() as cur:
        cur.execute(sql, params)
        written = max(cur.rowcount, 0)
    _work_at_home(period=period, counties=counties)
    zero_employment_refresh(period=period, counties=counties, today=today)  # R-EMP-05 tasks
    return written


def _work_at_home(*, period: str, counties: list[str]) -> None:
    """A public-welfare post (publicposts) or a 帮扶车间 job / 以工代赈 pay (workshops) in the month is the
    person's status (R-EMP-02: "derived from episodes, posts and workshops where recorded") when no
    episode covers the month; recorded statuses (visit, phone, …) are left alone. Source: 岗位/车间台账."""
    rolls = (
        (LabourStatusChoices.PUBLIC_POST, set(post_holders_in(period=period, county_codes=counties))),
        (
            LabourStatusChoices.WORKSHOP,
            workshop_workers_in(period=period, county_codes=counties)
            | relief_participants_in(period=period, county_codes=counties),
        ),
    )
    derived = [str(s) for s in DERIVED_SOURCES]
    in_counties = ", ".join(["%s"] * len(counties))
    with connection.cursor() as cur:
        for status, people in rolls:
            ids = sorted(people)
            for start in range(0, len(ids), 5000):
                chunk = ids[start : start + 5000]
                cur.execute(
                    "UPDATE employment_labourrecord SET status = %s, source = %s, willing = %s"
                    f" WHERE period = %s AND county_code IN ({in_counties}) AND episode_id IS NULL"
                    f" AND source IN ({', '.join(['%s'] * len(derived))})"
                    f" AND person_id IN ({', '.join(['%s'] * len(chunk))})",
                    [str(status), str(StatusSourceChoices.ROLL), True, period, *counties, *derived, *chunk],
                )
