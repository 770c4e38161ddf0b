"""Batch entry of self-reports received off-line (``shouwang import selfreports PATH``, docs/channels.md).

Written applications (书面申请) and calls to 12345/12317 that a township keys in after the fact, and the
simulator's ``channels/YYYY-MM/self_reports.csv``: each row becomes a self-report through the same path as the
mobile form (same validation, same duplicate merging, a clue routed to the village), dated the day it was
received. All or nothing: one bad row refuses the file with every reason, and nothing is written.
"""

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.channels.choices import DepartmentItemChoices, FilingModeChoices
from shouwang.channels.services import SelfReportInput, self_report_record, self_report_validate
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.files import DATE, ID, PHONE, ColumnSpec, read_table

# Read with the exchange files' reader (UTF-8 or GB18030 CSV, or XLSX; English or Chinese headers).
COLUMNS = [
    ColumnSpec("reported_on", "受理日期", True, DATE),
    ColumnSpec("village_code", "行政村代码", True),
    ColumnSpec("difficulty", "困难类型", True),
    ColumnSpec("subject_name", "困难群众姓名", True),
    ColumnSpec("contact_phone", "联系电话", True, PHONE),
    ColumnSpec("channel", "受理渠道"),
    ColumnSpec("reporter_relation", "申报人关系"),
    ColumnSpec("reporter_name", "申报人姓名"),
    ColumnSpec("id_number", "证件号码", False, ID),
    ColumnSpec("description", "情况说明"),
    ColumnSpec("group_name", "村民小组"),
]
# The six kinds of difficulty of the Yunnan help platform (R-ID-01: living, employment, education, medical,
# housing, water) → the service item a report of that kind is filed under when no finer item is given.
CATEGORY_ITEMS = {
    "生活困难": DepartmentItemChoices.BASIC_LIVING,
    "就业困难": DepartmentItemChoices.UNEMPLOYMENT,
    "教育困难": DepartmentItemChoices.EDUCATION_FEES,
    "医疗困难": DepartmentItemChoices.MEDICAL_BILLS,
    "住房困难": DepartmentItemChoices.UNSAFE_HOUSE,
    "饮水困难": DepartmentItemChoices.WATER_OUTAGE,
}
CHANNEL_NOTES = {
    "hotline_12345": "经12345热线受理",
    "hotline_12317": "经12317热线受理",
    "written": "书面申请",
}
RELATIONS = {"self": FilingModeChoices.SELF, "本人": FilingModeChoices.SELF}


@dataclass
class SelfReportImportResult:
    rows: int
    created: int
    merged: int
    matched: int


def _item(value: str) -> str:
    value = value.strip()
    if value in DepartmentItemChoices.values:
        return value
    by_label = {label: code for code, label in DepartmentItemChoices.choices}
    return by_label.get(value) or CATEGORY_ITEMS.get(value) or value


def _row(
    line: int, row: dict[str, Any], today: dt.date
) -> tuple[tuple[SelfReportInput, dt.date] | None, list[RowError]]:
    errors: list[RowError] = []
    received: dt.date | None = None
    try:
        received = dt.date.fromisoformat((row["reported_on"] or "").strip())
    except ValueError:
        errors.append(RowError(line, "reported_on", row["reported_on"] or "", "日期格式应为YYYY-MM-DD"))
    if received is not None and received > today:
        errors.append(RowError(line, "reported_on", str(received), "受理日期不能晚于今天"))
    relation = (row["reporter_relation"] or "self").strip()
    filing_mode = RELATIONS.get(relation, FilingModeChoices.PROXY)
    note = CHANNEL_NOTES.get((row["channel"] or "").strip(), "")
    description = (row["description"] or "").strip()
    valid, found = self_report_validate(
        village_code=(row["village_code"] or "").strip(),
        difficulty=_item(row["difficulty"] or ""),
        subject_name=row["subject_name"] or "",
        contact_phone=row["contact_phone"] or "",
        filing_mode=filing_mode,
        reporter_name=row["reporter_name"] or "",
        subject_id_number=row["id_number"] or "",
        description=f"{note}。{description}" if note and description else (note or description),
    )
    errors += [RowError(line, e.column, e.value, e.reason) for e in found]
    if valid is None or received is None or errors:
        return None, errors
    return (valid, received), []


def self_reports_import(*, path: Path, actor: str) -> SelfReportImportResult:
    """Import a file of received self-reports (module doc). Raises ``InputRefused`` with every error."""
    # A month with no request received is a header-only file.
    table = read_table(path, columns=COLUMNS, kind_label="自主申报", allow_empty=True)
    frame = table.frame
    today = clock.today()
    accepted: list[tuple[SelfReportInput, dt.date]] = []
    errors: list[RowError] = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        ok, found = _row(table.row_number(i), row, today)
        errors += found
        if ok is not None:
            accepted.append(ok)
    if errors:
        raise InputRefused(f"自主申报文件有{len(errors)}处错误，整批拒收（未写入任何数据）", errors)
    created = merged = matched = 0
    with transaction.atomic():
        for valid, received in sorted(accepted, key=lambda x: x[1]):
            report, duplicate = self_report_record(valid, submitted_on=received)
            merged += duplicate
            created += not duplicate
            matched += bool(not duplicate and report.clue_id and report.clue and report.clue.household_id)
        audit_record(
            actor=actor,
            action=AuditActionChoices.CREATE,
            object_type="self_report_batch",
            object_id=path.name,
            region_code="",
            changes={"rows": frame.height, "created": created, "merged": merged, "matched": matched},
            reason="批量录入线下受理的自主申报",
        )
    return SelfReportImportResult(rows=frame.height, created=created, merged=merged, matched=matched)
