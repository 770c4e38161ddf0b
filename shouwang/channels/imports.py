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

import polars as pl
from django.db import transaction

from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.channels.choices import DepartmentItemChoices, FilingModeChoices
from shouwang.channels.services import SelfReportInput, self_report_record, self_report_validate
from shouwang.common.errors import InputRefused, RowError

REQUIRED = ("reported_on", "village_code", "difficulty", "subject_name", "contact_phone")
OPTIONAL = ("channel", "reporter_relation", "reporter_name", "id_number", "description", "group_name")
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


def _read(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise InputRefused("找不到文件", [RowError(None, "", str(path), "文件不存在")])
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputRefused("文件编码无法识别", [RowError(None, "", path.name, "请使用UTF-8或GB18030编码")])
    try:
        frame = pl.read_csv(text.encode(), infer_schema_length=0)
    except pl.exceptions.PolarsError as exc:
        raise InputRefused("文件不是有效的CSV", [RowError(None, "", path.name, str(exc)[:200])]) from exc
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        reason = "缺少此列（必填列：" + "、".join(REQUIRED) + "）"
        raise InputRefused("缺少必填列", [RowError(None, c, "", reason) for c in missing])
    return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in frame.columns)


def _row(
    i: int, row: dict[str, Any], today: dt.date
) -> tuple[tuple[SelfReportInput, dt.date] | None, list[RowError]]:
    line = i + 2  # the header is line 1
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
    frame = _read(path)
    today = clock.today()
    accepted: list[tuple[SelfReportInput, dt.date]] = []
    errors: list[RowError] = []
    for i, row in enumerate(frame.iter_rows(named=True)):
        ok, found = _row(i, row, today)
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
