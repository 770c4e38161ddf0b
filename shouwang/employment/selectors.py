"""Reads of the employment app. Everything is scoped to the caller's region with the households' filter
(``accounts.access.user_household_q``): "not yours" and "does not exist" look the same."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from shouwang.accounts.access import user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.employment.choices import EMPLOYED_STATUSES, LabourStatusChoices
from shouwang.employment.models import LabourRecord, WorkEpisode
from shouwang.registry.selectors import access_household_by_id


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
