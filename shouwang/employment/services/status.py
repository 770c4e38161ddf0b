"""A labourer's monthly status recorded by a person (入户 / 电话 / 本人申报, R-EMP-02): the field app's visit
form and the console send it; it outranks the status the roster derives from the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shouwang.accounts.actors import Actor
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.choices import EMPLOYED_STATUSES, LabourStatusChoices, StatusSourceChoices
from shouwang.employment.models import LabourRecord
from shouwang.employment.services.freeze import dispatch_is_frozen
from shouwang.employment.services.zero import zero_employment_refresh
from shouwang.registry.choices import CAPABLE_LABOUR, COUNTED_RESIDENCE, SchoolStatusChoices
from shouwang.registry.models import Household

# Who may record a status by hand; the ledger, 人社 and payments arrive by import.
PERSON_SOURCES = frozenset(
    {StatusSourceChoices.VISIT, StatusSourceChoices.PHONE, StatusSourceChoices.SELF_DECLARED}
)
_LABELS = dict(LabourStatusChoices.choices)


@dataclass(frozen=True)
class LabourStatusInput:
    person_id: int
    status: str


def _willing(status: str) -> bool | None:
    if status in EMPLOYED_STATUSES or status == LabourStatusChoices.SEEKING:
        return True
    if status == LabourStatusChoices.UNWILLING:
        return False
    return None


def labour_status_record(
    *,
    household: Household,
    actor: Actor,
    period: str,
    entries: list[LabourStatusInput],
    source: str,
    checked_on: dt.date,
) -> list[LabourRecord]:
    """Record members' status for ``period`` (YYYY-MM) as seen by ``source`` on ``checked_on``: one roster row
    per person (created or replaced), one audit row for the household. Refused with every reason and nothing
    written: a person not a counted member, an unknown status, a student or a person without labour listed as
    working (R-EMP-10: 4_01_006, 4_12_002), a month after the check. The caller holds the transaction and has
    checked the actor's access to the household."""
    errors: list[RowError] = []
    members = {p.pk: p for p in household.members.all() if p.residence in COUNTED_RESIDENCE}
    if source not in PERSON_SOURCES:
        errors.append(RowError(None, "source", source, "状态来源须为入户、电话或本人申报"))
    if len(period) != 7 or period[4] != "-" or period > checked_on.strftime("%Y-%m"):
        errors.append(RowError(None, "period", period, "月份应为YYYY-MM，且不晚于核实日期所在月份"))
    elif dispatch_is_frozen(county_code=household.county_code, period=period):
        errors.append(RowError(None, "period", period, "该月调度表已冻结上报，更正请登记在下月（R-EMP-04）"))
    seen: set[int] = set()
    for i, e in enumerate(entries):
        col = f"labour[{i}]"
        person = members.get(e.person_id)
        if person is None:
            errors.append(RowError(None, f"{col}.person_id", str(e.person_id), "不是该户计入家庭人口的成员"))
            continue
        if e.person_id in seen:
            errors.append(RowError(None, f"{col}.person_id", person.name, "同一成员重复填写"))
        seen.add(e.person_id)
        if e.status not in LabourStatusChoices.values:
            errors.append(RowError(None, f"{col}.status", e.status, "就业状态无效"))
            continue
        working = e.status in EMPLOYED_STATUSES
        if working and person.labour not in CAPABLE_LABOUR:
            errors.append(
                RowError(
                    None,
                    f"{col}.status",
                    _LABELS[e.status],
                    f"{person.name}登记为{person.get_labour_display()}，不能登记为在业（R-EMP-10，4_12_002）",
                )
            )
        if working and (person.school_status or SchoolStatusChoices.NONE) != SchoolStatusChoices.NONE:
            errors.append(
                RowError(
                    None,
                    f"{col}.status",
                    _LABELS[e.status],
                    f"{person.name}是在校生，不能登记为在业（R-EMP-10，4_01_006）",
                )
            )
    if errors:
        raise InputRefused("成员就业状况未登记：" + "；".join(e.reason for e in errors), errors)
    existing = {
        r.person_id: r
        for r in LabourRecord.objects.filter(period=period, person_id__in=[e.person_id for e in entries])
    }
    out: list[LabourRecord] = []
    changes: dict[str, list[str]] = {}
    for e in entries:
        person = members[e.person_id]
        record = existing.get(e.person_id)
        old = _LABELS.get(record.status, "") if record else ""
        if record is None:
            record = LabourRecord(
                person=person,
                household=household,
                county_code=household.county_code,
                township_code=household.township_code,
                period=period,
            )
        record.labour, record.status, record.source = person.labour, e.status, source
        record.willing, record.checked_on, record.episode = _willing(e.status), checked_on, None
        record.save()
        changes[person.name] = [old, _LABELS[e.status]]
        out.append(record)
    if out:
        audit_record(
            actor=actor,
            action=AuditActionChoices.UPDATE,
            object_type="labour_record",
            object_id=household.household_no,
            region_code=household.village_id,
            changes={"period": period, "source": source, "status": changes},
            reason=f"登记{period[:4]}年{period[5:]}月成员就业状况（{StatusSourceChoices(source).label}）",
        )
        zero_employment_refresh(
            period=period,
            counties=[household.county_code],
            household_ids=[household.pk],
            today=checked_on,
            actor=actor,
        )
    return out
