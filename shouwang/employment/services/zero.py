"""零就业户 kept at zero (动态清零, POLICY R-EMP-05; docs/employment.md, decisions 0705–0707).

A household of the month's roster with at least one labourer 未就业有意愿 and nobody in an employed status
(posts and workshops count, ``EMPLOYED_STATUSES``) is a 零就业户. ``zero_employment_refresh`` turns each
into a ``ZeroEmploymentTask`` for its township with a deadline (``ZERO_TASK_DAYS``), and closes open tasks
whose household is no longer zero, recording why (work, a public post, a workshop job, or no longer
eligible) and who. A household that is zero again later gets a new task. Set-based: two grouped queries
and one look-up of the closing households' workers, whatever the county's size.

It runs at the end of ``roster_refresh`` (every import of the 务工月监测 ledger, every console refresh) and
after a status recorded by a visit, a phone call or the person (``labour_status_record``) for that household.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Case, IntegerField, Sum, Value, When
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record_many
from shouwang.employment.choices import (
    EMPLOYED_STATUSES,
    LabourStatusChoices,
    ZeroCloseReasonChoices,
    ZeroTaskStatusChoices,
)
from shouwang.employment.models import LabourRecord, ZeroEmploymentTask
from shouwang.registry.models import Household

# Days a township has to get someone of a 零就业户 into work (R-EMP-05 gives no number; decision 0706):
# a parameter. 30 days is one dispatch cycle: the task opened this month is due before next month's table.
ZERO_TASK_DAYS = 30

_CLOSE_REASON: dict[str, str] = {
    LabourStatusChoices.PUBLIC_POST: ZeroCloseReasonChoices.PUBLIC_POST,
    LabourStatusChoices.WORKSHOP: ZeroCloseReasonChoices.WORKSHOP,
}
# A post or a workshop job names the reason before other work when one household has several.
_REASON_RANK: dict[str, int] = {ZeroCloseReasonChoices.PUBLIC_POST: 0, ZeroCloseReasonChoices.WORKSHOP: 1}


@dataclass(frozen=True)
class ZeroRefreshResult:
    period: str
    zero_households: int
    opened: int
    closed: int
    still_open: int


def _flag(statuses: Sequence[str]) -> Sum:
    return Sum(
        Case(When(status__in=list(statuses), then=Value(1)), default=Value(0)), output_field=IntegerField()
    )


@transaction.atomic
def zero_employment_refresh(
    *,
    period: str,
    counties: Sequence[str],
    today: dt.date | None = None,
    household_ids: Sequence[int] | None = None,
    actor: Actor = "system",
) -> ZeroRefreshResult:
    """Bring the 零就业 tasks of ``counties`` (or of ``household_ids`` only) in line with the roster of
    ``period``: open a task for each 零就业户 without one, close the open tasks (opened in ``period`` or
    before) of households no longer zero. A county with no roster for the month is left alone (no roster
    is not "nobody in work"). A past month re-run does not reopen a household whose task was closed in a
    later month. One audit row per task opened or closed."""
    today = today or timezone.localdate()
    roster = LabourRecord.objects.filter(period=period, county_code__in=counties)
    if household_ids is not None:
        roster = roster.filter(household_id__in=household_ids)
    with_roster = set(roster.values_list("county_code", flat=True).distinct().order_by())
    if not with_roster:
        return ZeroRefreshResult(period, 0, 0, 0, 0)
    zero = dict(
        roster.values("household_id")
        .annotate(working=_flag(sorted(EMPLOYED_STATUSES)), seeking=_flag([LabourStatusChoices.SEEKING]))
        .filter(working=0, seeking__gt=0)
        .values_list("household_id", "township_code")
        .order_by()
    )
    tasks = ZeroEmploymentTask.objects.filter(county_code__in=with_roster)
    if household_ids is not None:
        tasks = tasks.filter(household_id__in=household_ids)
    open_tasks = {
        t.household_id: t
        for t in tasks.filter(status=ZeroTaskStatusChoices.OPEN).only(
            "pk", "household_id", "opened_period", "county_code", "township_code"
        )
    }
    later = set(tasks.filter(closed_period__gt=period).values_list("household_id", flat=True))
    to_close = [t for hid, t in open_tasks.items() if hid not in zero and t.opened_period <= period]
    workers: dict[int, tuple[int, str]] = {}
    for hid, pid, status in (
        LabourRecord.objects.filter(
            period=period, household_id__in=[t.household_id for t in to_close], status__in=EMPLOYED_STATUSES
        )
        .values_list("household_id", "person_id", "status")
        .order_by("household_id", "person_id")
    ):
        reason = _CLOSE_REASON.get(status, ZeroCloseReasonChoices.WORK)
        best = workers.get(hid)
        if best is None or _REASON_RANK.get(reason, 9) < _REASON_RANK.get(_CLOSE_REASON.get(best[1], ""), 9):
            workers[hid] = (pid, status)
    audit: list[dict[str, object]] = []
    info = {
        pk: (village_id, household_no, county)
        for pk, village_id, household_no, county in Household.objects.filter(
            pk__in=[*zero, *(t.household_id for t in to_close)]
        ).values_list("pk", "village_id", "household_no", "county_code")
    }
    for t in to_close:
        found = workers.get(t.household_id)
        t.status = ZeroTaskStatusChoices.CLOSED
        t.closed_period, t.closed_on = period, today
        t.close_reason = (
            _CLOSE_REASON.get(found[1], ZeroCloseReasonChoices.WORK)
            if found
            else ZeroCloseReasonChoices.NOT_ELIGIBLE
        )
        t.closed_person_id = found[0] if found else None
        t.updated_at = timezone.now()
        audit.append(
            {
                "action": AuditActionChoices.TRANSITION,
                "object_type": "zero_employment_task",
                "object_id": info[t.household_id][1],
                "region_code": info[t.household_id][0],
                "changes": {"status": ["open", "closed"], "period": period, "reason": t.close_reason},
                "reason": f"零就业户清零：{ZeroCloseReasonChoices(t.close_reason).label}（R-EMP-05）",
            }
        )
    ZeroEmploymentTask.objects.bulk_update(
        to_close, ["status", "closed_period", "closed_on", "close_reason", "closed_person", "updated_at"]
    )
    new = [
        ZeroEmploymentTask(
            household_id=hid,
            county_code=info[hid][2],
            township_code=township,
            opened_period=period,
            opened_on=today,
            deadline=today + dt.timedelta(days=ZERO_TASK_DAYS),
        )
        for hid, township in zero.items()
        if hid not in open_tasks and hid not in later
    ]
    ZeroEmploymentTask.objects.bulk_create(new, batch_size=2000)
    for t in new:
        audit.append(
            {
                "action": AuditActionChoices.CREATE,
                "object_type": "zero_employment_task",
                "object_id": info[t.household_id][1],
                "region_code": info[t.household_id][0],
                "changes": {"period": period, "deadline": t.deadline.isoformat()},
                "reason": f"{period}月零就业户，下发乡镇清零任务（R-EMP-05）",
            }
        )
    audit_record_many(actor=actor, entries=audit)
    return ZeroRefreshResult(
        period=period,
        zero_households=len(zero),
        opened=len(new),
        closed=len(to_close),
        still_open=len(open_tasks) - len(to_close) + len(new),
    )
