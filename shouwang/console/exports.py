"""Excel exports of the console lists and of the dashboard (XLSX, openpyxl write-only mode).

Rules (docs/console.md "Export", decision 0452):
* **IDs and phones masked** — the lists only ever hold the masked forms; nothing is decrypted for an export.
* **Formula injection**: a text cell starting with ``= + - @``, a tab or a carriage return is written with a
  leading apostrophe, so Excel/WPS shows it as text and never evaluates it.
* **Small counts suppressed** in aggregate (dashboard) exports: a count between 1 and ``min_count − 1``
  (5 by default, setting ``SHOUWANG_EXPORT_MIN_COUNT``) is written as ``<5``; when exactly one cell of a
  column is suppressed, the next smallest one is too, so the region total cannot give it away.
* **Every export audited**: one ``export`` audit row with the kind, the filters and the row count.
* Small exports (≤ ``LARGE_EXPORT_ROWS``) are written at once and downloaded; larger ones are a background
  ``ExportJob`` whose progress row the exports page polls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shouwang.accounts.access import Forbidden, NotFound, signed_in
from shouwang.accounts.actors import Viewer
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.console import selectors as s
from shouwang.console.choices import (
    CaseDueFilterChoices,
    ExportKindChoices,
    ExportStatusChoices,
    HouseholdSortChoices,
    IncomeBandChoices,
    MonitoringFilterChoices,
)
from shouwang.console.dashboard import (
    area_trend_rows_for_export,
    dashboard_get,
    dashboard_rows_for_export,
    risk_trend_rows_for_export,
)
from shouwang.console.models import ExportJob
from shouwang.console.permissions import can_export, can_view_dashboard
from shouwang.console.selectors import WarningFilters, income_threshold_for
from shouwang.console.tasks import run_after_commit
from shouwang.registry.choices import (
    HouseholdStatusChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)
from shouwang.screening.choices import WarningStatusChoices

LARGE_EXPORT_ROWS = 20_000
PROGRESS_EVERY = 5_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SUPPRESSED = "<{n}"

POVERTY = dict(PovertyStatusChoices.choices)
CATEGORY = dict(MonitoringCategoryChoices.choices)
HH_STATUS = dict(HouseholdStatusChoices.choices)
RISK = dict(RiskTypeChoices.choices)
W_STATUS = dict(WarningStatusChoices.choices)
C_KIND = dict(CaseKindChoices.choices)
C_STATE = dict(CaseStateChoices.choices)


def min_count() -> int:
    return int(getattr(settings, "SHOUWANG_EXPORT_MIN_COUNT", 5))


def safe_cell(value: Any) -> Any:
    """A value as it may go into a cell: text that a spreadsheet would read as a formula is prefixed with
    an apostrophe; numbers, dates and empty values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def suppress_small(
    rows: list[dict[str, Any]], columns: Iterable[str], *, minimum: int | None = None, total_key: str = ""
) -> list[dict[str, Any]]:
    """Counts 1 … minimum−1 replaced by ``<minimum``; if one cell of a column (the total row excluded) is
    suppressed, the next smallest non-zero one is suppressed too (complementary suppression)."""
    minimum = minimum or min_count()
    marker = SUPPRESSED.format(n=minimum)
    out = [dict(r) for r in rows]
    for col in columns:
        body = [r for r in out if not (total_key and r.get(total_key))]
        small = [r for r in body if isinstance(r.get(col), int) and 0 < r[col] < minimum]
        if len(small) == 1:
            others = sorted(
                (r for r in body if isinstance(r.get(col), int) and r[col] >= minimum), key=lambda r: r[col]
            )
            if others:
                small.append(others[0])
        for r in small:
            r[col] = marker
        for r in out:  # the total itself is shown unless it is small
            if total_key and r.get(total_key) and isinstance(r.get(col), int) and 0 < r[col] < minimum:
                r[col] = marker
    return out


# ---------------------------------------------------------------------------------------------- sheets


def _fmt_date(value: Any) -> Any:
    """Dates stay dates (Excel sorts and filters them); a missing one is an empty cell."""
    return value if isinstance(value, dt.date) else (value or None)


def _money(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _labels(codes: Any, table: dict[str, str]) -> str:
    return "、".join(table.get(str(c), str(c)) for c in (codes or []))


HOUSEHOLD_COLUMNS = [
    (_l("户编号"), 22),
    (_l("户主姓名"), 10),
    (_l("户主证件号码（脱敏）"), 22),
    (_l("行政村代码"), 14),
    (_l("行政村"), 14),
    (_l("村民小组"), 12),
    (_l("户类型"), 10),
    (_l("监测对象类别"), 14),
    (_l("识别监测时间"), 12),
    (_l("风险消除时间"), 12),
    (_l("计算人口"), 8),
    (_l("收入期间"), 9),
    (_l("人均纯收入（元）"), 14),
    (_l("联系电话（脱敏）"), 14),
    (_l("状态"), 8),
]
WARNING_COLUMNS = [
    (_l("期间"), 9),
    (_l("户编号"), 22),
    (_l("户主姓名"), 10),
    (_l("行政村代码"), 14),
    (_l("行政村"), 14),
    (_l("预警状态"), 12),
    (_l("风险类型"), 24),
    (_l("命中规则"), 30),
    (_l("人均收入参考值（元）"), 16),
    (_l("监测范围（元）"), 12),
    (_l("建议类别"), 14),
    (_l("风险分"), 8),
    (_l("需核查资产"), 10),
]
CASE_COLUMNS = [
    (_l("案件编号"), 9),
    (_l("类型"), 9),
    (_l("当前环节"), 12),
    (_l("户编号"), 22),
    (_l("户主姓名"), 10),
    (_l("行政村"), 14),
    (_l("首条线索日期"), 12),
    (_l("办结时限"), 12),
    (_l("已超期"), 8),
    (_l("已督办至"), 10),
    (_l("监测对象类别"), 14),
    (_l("风险类型"), 24),
    (_l("识别时间"), 12),
]
DASHBOARD_COLUMNS = [
    (_l("区划代码"), 14),
    (_l("区划名称"), 18),
    (_l("农户数"), 10),
    (_l("监测对象户数"), 12),
    (_l("预警户数"), 10),
    (_l("新识别"), 8),
    (_l("风险消除"), 9),
    (_l("超期案件"), 9),
    (_l("规模性风险预警"), 14),
    (_l("已是监测对象的预警户（不计入预警户数）"), 22),
]
RISK_TREND_COLUMNS = [
    (_l("期间"), 9),
    (_l("风险类型代码"), 18),
    (_l("风险类型"), 18),
    (_l("新预警户数"), 11),
    (_l("新识别监测对象户数"), 16),
]
AREA_TREND_COLUMNS = [
    (_l("区划代码"), 14),
    (_l("区划名称"), 18),
    (_l("期间"), 9),
    (_l("农户数（当前）"), 12),
    (_l("预警户数"), 10),
    (_l("新识别监测对象户数"), 16),
    (_l("预警率（每千户）"), 14),
    (_l("样本小（农户少于30户）"), 16),
]
NOT_SCREENED = "未筛查"
# (sheet title, columns, rows) of a workbook's further data sheets.
Sheet = tuple[str, list[tuple[Any, int]], list[list[Any]]]


def _household_row(r: tuple[Any, ...]) -> list[Any]:
    (
        no,
        head,
        head_id,
        village,
        village_name,
        group,
        poverty,
        category,
        ident,
        elim,
        members,
        period,
        income,
        phone,
        status,
    ) = r
    return [
        no,
        head,
        head_id or "",
        village,
        village_name,
        group,
        POVERTY.get(poverty, poverty),
        CATEGORY.get(category, "") if category else "",
        _fmt_date(ident),
        _fmt_date(elim),
        members,
        period,
        _money(income),
        phone,
        HH_STATUS.get(status, status),
    ]


def _warning_row(r: tuple[Any, ...]) -> list[Any]:
    (
        period,
        no,
        head,
        village,
        village_name,
        status,
        risks,
        rules,
        income,
        threshold,
        suggested,
        score,
        asset,
    ) = r
    return [
        period,
        no,
        head or "",
        village,
        village_name or "",
        W_STATUS.get(status, status),
        _labels(risks, RISK),
        "、".join(str(x) for x in (rules or [])),
        _money(income),
        _money(threshold),
        CATEGORY.get(suggested, "") if suggested else "",
        _money(score),
        "是" if asset else "否",
    ]


def _case_row(r: tuple[Any, ...]) -> list[Any]:
    (pk, kind, state, no, head, village_name, opened, due, overdue, escalated, category, risks, decided) = r
    return [
        pk,
        C_KIND.get(kind, kind),
        C_STATE.get(state, state),
        no,
        head or "",
        village_name,
        _fmt_date(opened),
        _fmt_date(due),
        "是" if overdue else "否",
        escalated or "",
        CATEGORY.get(category, "") if category else "",
        _labels(risks, RISK),
        _fmt_date(decided),
    ]


def workbook_write(
    path: Path,
    *,
    title: str,
    columns: list[tuple[Any, int]],
    rows: Iterable[list[Any]],
    notes: list[tuple[str, str]],
    progress: Callable[[int], None] | None = None,
    extra: Iterable[Sheet] = (),
) -> int:
    """Write one data sheet (header row frozen, bold), any ``extra`` sheets after it and a 说明 sheet;
    returns the number of rows of the first data sheet."""
    wb = Workbook(write_only=True)
    n = _sheet_write(wb, title, columns, rows, progress)
    for extra_title, extra_columns, extra_rows in extra:
        _sheet_write(wb, extra_title, extra_columns, extra_rows, None)
    about = wb.create_sheet("说明")
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 80
    for key, value in notes:
        about.append([safe_cell(key), safe_cell(value)])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    wb.save(tmp)
    tmp.replace(path)
    return n


def _sheet_write(
    wb: Workbook,
    title: str,
    columns: list[tuple[Any, int]],
    rows: Iterable[list[Any]],
    progress: Callable[[int], None] | None,
) -> int:
    ws = wb.create_sheet(title[:31])
    for i, (_, width) in enumerate(columns):
        ws.column_dimensions[_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    header = []
    for name, _ in columns:
        cell = WriteOnlyCell(ws, value=str(name))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EDF4")
        cell.alignment = Alignment(vertical="center")
        header.append(cell)
    ws.append(header)
    n = 0
    for row in rows:
        ws.append([safe_cell(v) for v in row])
        n += 1
        if progress and n % PROGRESS_EVERY == 0:
            progress(n)
    return n


def _column_letter(i: int) -> str:

    return get_column_letter(i + 1)


# ---------------------------------------------------------------------------------------------- sources


def _source(
    job: ExportJob, today: dt.date
) -> tuple[str, list[tuple[Any, int]], Iterator[list[Any]], int | None, list[Sheet]]:
    """(sheet title, columns, row iterator, total rows if known, further sheets) for a job, scoped to its
    creator."""

    user, f = job.created_by, dict(job.filters)
    if user is None:
        raise Forbidden("导出任务没有发起人")
    if job.kind == ExportKindChoices.HOUSEHOLDS:
        filters = s.HouseholdFilters(
            **{k: v for k, v in f.items() if k in s.HouseholdFilters.__dataclass_fields__}
        )
        threshold = _threshold(filters.region or user.region_code, today) if filters.income_band else None
        rows = s.household_export_rows(user=user, filters=filters, threshold=threshold)
        return "农户名单", HOUSEHOLD_COLUMNS, (_household_row(r) for r in rows), None, []
    if job.kind == ExportKindChoices.WARNINGS:
        wf = warning_filters_from(f)
        return (
            "预警名单",
            WARNING_COLUMNS,
            (_warning_row(r) for r in s.warning_export_rows(user=user, filters=wf)),
            None,
            [],
        )
    if job.kind == ExportKindChoices.CASES:
        cf = s.CaseFilters(**{k: v for k, v in f.items() if k in s.CaseFilters.__dataclass_fields__})
        rows = s.case_export_rows(user=user, filters=cf, today=today)
        return "案件清单", CASE_COLUMNS, (_case_row(r) for r in rows), None, []
    if job.kind == ExportKindChoices.DASHBOARD:
        board = dashboard_get(user=user, region_code=f.get("region", ""), period=f.get("period", ""))
        if board is None:
            raise Forbidden("您的账号未设置所属区划")
        job.filters = {**f, "region": board.region.code, "period": board.period}
        numeric = [
            "households",
            "monitored",
            "warnings",
            "identified",
            "eliminated",
            "cases_overdue",
            "scale_alerts",
            "already_monitored",
        ]
        rows_d = suppress_small(
            [
                {**r, "is_total": r["code"] == board.region.code}
                for r in dashboard_rows_for_export(dashboard=board)
            ],
            numeric,
            total_key="is_total",
        )
        data = [[r["code"], r["name"], *(_screened_cell(r[c]) for c in numeric)] for r in rows_d]
        return f"区域统计{board.period}", DASHBOARD_COLUMNS, iter(data), len(data), _trend_sheets(board)
    raise ValueError(job.kind)


def _screened_cell(value: Any) -> Any:
    """A warning figure of a month without a finished screening (None) is written 未筛查, as the page says."""
    return NOT_SCREENED if value is None else value


def _hidden_rate(row: dict[str, Any]) -> Any:
    """The rate, unless its numerator or denominator is suppressed (it would give them away)."""
    for key in ("warnings", "households"):
        if isinstance(row[key], str):
            return row[key]
    return _screened_cell(_money(row["rate"]))


def _trend_sheets(board: Any) -> list[Sheet]:
    """The dashboard's two trends as sheets: the page's figures (``dashboard.risk_trend_rows_for_export``,
    ``area_trend_rows_for_export``), small counts suppressed as in the main sheet. A rate whose warning count
    is suppressed is suppressed with it (it would give the count away)."""
    risk = suppress_small(risk_trend_rows_for_export(dashboard=board), ["warnings_new", "identified"])
    risk_rows = [
        [
            r["period"],
            r["code"],
            str(r["label"]),
            _screened_cell(r["warnings_new"]),
            _screened_cell(r["identified"]),
        ]
        for r in risk
    ]
    area = suppress_small(
        area_trend_rows_for_export(dashboard=board), ["households", "warnings", "identified"]
    )
    area_rows = [
        [
            r["code"],
            r["name"],
            r["period"],
            r["households"],
            _screened_cell(r["warnings"]),
            _screened_cell(r["identified"]),
            _hidden_rate(r),
            "是" if r["small"] else "",
        ]
        for r in area
    ]
    sheets: list[Sheet] = [("按风险类型月度变化", RISK_TREND_COLUMNS, risk_rows)]
    if area_rows:
        sheets.append((f"按{board.child_level}月度变化", AREA_TREND_COLUMNS, area_rows))
    return sheets


def warning_filters_from(f: dict[str, Any]) -> Any:

    return WarningFilters(
        period=str(f.get("period", "")),
        region=str(f.get("region", "")),
        status=str(f.get("status", "")),
        risk_type=str(f.get("risk_type", "")),
        unverified=f.get("unverified") in (True, "1", "true", "on"),
    )


def _threshold(region_code: str, today: dt.date) -> Decimal | None:

    return income_threshold_for(region_code=region_code, year=today.year)


def export_rows_bounded(*, user: User, kind: str, filters: dict[str, Any], cap: int, today: dt.date) -> int:
    """How many rows the export would have, counting at most ``cap`` (a bounded COUNT)."""

    if kind == ExportKindChoices.DASHBOARD:
        return 0
    if kind == ExportKindChoices.HOUSEHOLDS:
        hf = s.HouseholdFilters(
            **{k: v for k, v in filters.items() if k in s.HouseholdFilters.__dataclass_fields__}
        )
        threshold = _threshold(hf.region or user.region_code, today) if hf.income_band else None
        qs = s.household_filtered_queryset(user=user, filters=hf, threshold=threshold)
    elif kind == ExportKindChoices.WARNINGS:
        wf = s.WarningFilters(
            **{k: v for k, v in filters.items() if k in s.WarningFilters.__dataclass_fields__}
        )
        qs = s.warning_filtered_queryset(user=user, filters=wf)
    else:
        cf = s.CaseFilters(**{k: v for k, v in filters.items() if k in s.CaseFilters.__dataclass_fields__})
        qs = s.case_filtered_queryset(user=user, filters=cf, today=today)
    return int(qs.order_by()[:cap].count())


def export_path(job: ExportJob) -> Path:
    return Path(settings.DATA_DIR) / "exports" / f"export-{job.pk}.xlsx"


def export_filename(job: ExportJob, today: dt.date) -> str:
    label = ExportKindChoices(job.kind).label
    region = job.filters.get("region") or job.region_code
    return f"{label}_{region}_{today:%Y%m%d}.xlsx"


FILTER_LABELS = {
    "region": "区划",
    "monitoring": "监测状态",
    "poverty_status": "户类型",
    "status": "状态",
    "income_band": "收入区间",
    "sort": "排序",
    "period": "期间",
    "risk_type": "风险类型",
    "unverified": "仅未核实",
    "kind": "案件类型",
    "state": "环节",
    "due": "办理时限",
}


def filter_value_label(key: str, value: Any) -> str:
    """A filter value as officials read it (the code's Chinese label where there is one)."""

    tables: dict[str, dict[str, str]] = {
        "monitoring": dict(MonitoringFilterChoices.choices),
        "poverty_status": POVERTY,
        "status": {**HH_STATUS, **W_STATUS},
        "income_band": dict(IncomeBandChoices.choices),
        "sort": dict(HouseholdSortChoices.choices),
        "risk_type": RISK,
        "kind": C_KIND,
        "state": C_STATE,
        "due": dict(CaseDueFilterChoices.choices),
        "unverified": {"1": "是", "True": "是"},
    }
    return str(tables.get(key, {}).get(str(value), value))


def export_job_run(*, job: ExportJob, progress: Callable[[int, int | None], None] | None = None) -> ExportJob:
    """Write a queued job's file and record it (status, rows, audit row). Errors mark the job failed."""

    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportStatusChoices.QUEUED).update(
        status=ExportStatusChoices.RUNNING, started_at=timezone.now(), progress=1
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    today = clock.today()
    try:
        title, columns, rows, total, extra = _source(job, today)
        if total is None:
            assert job.created_by is not None  # ``_source`` refuses a job nobody created
            total = export_rows_bounded(
                user=job.created_by, kind=job.kind, filters=job.filters, cap=10**9, today=today
            )

        def step(n: int) -> None:
            pct = min(99, max(1, int(n * 100 / total))) if total else 50
            ExportJob.objects.filter(pk=job.pk).update(progress=pct, rows=n)
            if progress:
                progress(n, total)

        path = export_path(job)
        notes = [
            ("导出内容", str(ExportKindChoices(job.kind).label)),
            ("导出人", job.created_by.get_username() if job.created_by else ""),
            ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")),
            *[(FILTER_LABELS.get(k, k), filter_value_label(k, v)) for k, v in job.filters.items()],
            ("个人信息", "证件号码、联系电话均为脱敏显示；本文件仅限工作使用，导出操作已记入审计日志。"),
        ]
        if job.kind == ExportKindChoices.DASHBOARD:
            notes.append(
                ("小数保护", f"1至{min_count() - 1}的计数显示为“<{min_count()}”，以免识别到具体农户。")
            )
            notes += [
                (
                    "预警户",
                    "新预警+持续预警的农户；已是监测对象的农户筛查发现新增风险的，单列一栏，不计入预警户数"
                    "（预警名单中一并列出，故名单户数可能多于此数）。未进行月度筛查的月份，预警数字写作“未筛查”。",
                ),
                (
                    "按风险类型",
                    "一户可有多种风险类型，各类型户数之和可能大于当月合计户数；新预警为当月首次预警（不含持续预警）；"
                    "新识别监测对象按其识别案件登记的风险类型统计，无识别案件的记为“未登记风险类型”。",
                ),
                ("预警率", "每千户预警户数，分母为当前农户数；农户少于30户的区划标为“样本小”。"),
            ]
        n = workbook_write(
            path, title=title, columns=columns, rows=rows, notes=notes, progress=step, extra=extra
        )
        with transaction.atomic():
            job.status = ExportStatusChoices.SUCCEEDED
            job.progress, job.rows = 100, n
            job.stored_path, job.filename = str(path), export_filename(job, today)
            job.finished_at = timezone.now()
            job.save()
            audit_record(
                actor=job.created_by,
                action=AuditActionChoices.EXPORT,
                object_type="export",
                object_id=str(job.pk),
                region_code=job.filters.get("region") or job.region_code,
                changes={"kind": job.kind, "filters": job.filters, "rows": n},
                reason=f"导出{ExportKindChoices(job.kind).label}",
            )
        if progress:
            progress(n, n)
    except Exception as exc:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatusChoices.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    return job


def export_job_run_by_id(job_id: int) -> None:
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is not None:
        export_job_run(job=job)


def export_create(
    *,
    user: User,
    kind: str,
    filters: dict[str, Any],
    inline: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
) -> ExportJob:
    """Start an export (STYLE 9: the job row first). A small one is written before this returns; a large
    one (more than LARGE_EXPORT_ROWS rows) runs in the background after commit — unless ``inline`` (the
    command line, which shows its own progress bar)."""

    if kind not in ExportKindChoices.values:
        raise NotFound(kind)
    allowed = can_view_dashboard(user) if kind == ExportKindChoices.DASHBOARD else can_export(user)
    if not allowed:
        raise Forbidden("您的角色无权导出该内容")
    clean = {k: v for k, v in filters.items() if v not in ("", None, False) and k != "q"}
    today = clock.today()
    job = ExportJob.objects.create(kind=kind, filters=clean, region_code=user.region_code, created_by=user)
    if inline:
        return export_job_run(job=job, progress=progress)
    size = export_rows_bounded(user=user, kind=kind, filters=clean, cap=LARGE_EXPORT_ROWS + 1, today=today)
    if size <= LARGE_EXPORT_ROWS:
        return export_job_run(job=job)
    run_after_commit(export_job_run_by_id, job.pk)
    return job


def access_export_job_by_id(user: Viewer, job_id: int) -> ExportJob:
    """An export is its creator's alone: anyone else gets ``NotFound`` (as for a missing job)."""
    job = ExportJob.objects.filter(pk=job_id).first()
    official = signed_in(user)
    if job is None or job.created_by_id != (official.pk if official is not None else None):
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if job is None else AuditActionChoices.ACCESS_DENIED,
            object_type="export",
            object_id=str(job_id),
        )
        raise NotFound(str(job_id))
    return job


def export_job_list(*, user: Viewer, limit: int = 30) -> list[ExportJob]:
    official = signed_in(user)
    if official is None:
        return []
    return list(ExportJob.objects.filter(created_by=official).order_by("-id")[:limit])
