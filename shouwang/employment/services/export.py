"""The 务工月监测 export: the national layout back, from what Shouwang holds."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from shouwang.accounts.actors import Actor
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common import crypto
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.layout import (
    EPISODE_FILE,
    PLAN_FILE,
    month_text,
    title_rows,
)
from shouwang.employment.models import WorkEpisode, WorkPlan
from shouwang.employment.services.ledger import EPISODES, PLANS, SPECS, _os_user, _valid_period
from shouwang.regions.models import Region
from shouwang.registry.models import Household, Person


def _yuan(value: Decimal | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else f"{value:.2f}"


def _flag_text(value: bool | None) -> str:
    return "" if value is None else "是" if value else "否"


def _identity(
    national: dict[str, str], person: Person, household: Household, id_number: str
) -> dict[str, str]:
    return {
        "county": national.get("county", ""),
        "township": national.get("township", ""),
        "village": national.get("village", ""),
        "household_no": household.household_no,
        "person_no": national.get("person_no", ""),
        "id_number": id_number,
        "household_type": national.get("household_type", household.get_poverty_status_display()),
        "monitoring_category": national.get(
            "monitoring_category", household.get_monitoring_category_display()
        ),
        "labour": national.get("labour", person.get_labour_display()),
    }


@dataclass
class LedgerExportResult:
    files: list[Path]
    episodes: int
    plans: int


def ledger_export(
    *,
    period: str,
    out: Path,
    county: str | None = None,
    fmt: str = "xlsx",
    actor: Actor | None = None,
) -> LedgerExportResult:
    """Write 已外出务工信息 and 计划外出务工信息 for ``period`` in the national layout (XLSX: two title rows,
    header on row 3, every cell text; or CSV in UTF-8 with BOM, one header row). Episodes: those started
    by the month and not ended before January of its year (nor before the month before: a January export
    still reports an episode that ended in December, as the simulator's does); plans: the month's. The
    resident IDs are written in clear (the national system keys on them), so the export is audited."""
    if not _valid_period(period):
        raise InputRefused(
            "--period 参数格式应为YYYY-MM", [RowError(None, "--period", period, "期间格式应为YYYY-MM")]
        )
    actor = actor if actor is not None else f"cli:{_os_user()}"
    year_start = f"{period[:4]}-01"
    previous = f"{int(period[:4]) - 1}-12" if period.endswith("-01") else year_start
    eps = WorkEpisode.objects.filter(start_month__lte=period).filter(
        Q(end_month="") | Q(end_month__gte=min(year_start, previous))
    )
    pls = WorkPlan.objects.filter(period=period)
    if county:
        eps, pls = eps.filter(county_code__startswith=county), pls.filter(county_code__startswith=county)
    eps = eps.select_related("person", "household").order_by(
        "household__household_no", "person_id", "start_month"
    )
    pls = pls.select_related("person", "household").order_by("household__household_no", "person_id")
    ep_rows = [_episode_cells(e) for e in eps]
    pl_rows = [_plan_cells(p) for p in pls]
    # The title names the county exported (the one county of the rows when none was asked for).
    codes = {county} if county else {e.county_code for e in eps} | {p.county_code for p in pls}
    names = list(Region.objects.filter(code__in=codes).values_list("full_name", flat=True))
    region_name = names[0] if len(names) == 1 else "全部"
    out.mkdir(parents=True, exist_ok=True)
    files = [
        _write_sheet(out, EPISODE_FILE, EPISODES, ep_rows, region_name=region_name, period=period, fmt=fmt),
        _write_sheet(out, PLAN_FILE, PLANS, pl_rows, region_name=region_name, period=period, fmt=fmt),
    ]
    audit_record(
        actor=actor,
        action=AuditActionChoices.EXPORT,
        object_type="work_ledger",
        object_id=period,
        region_code=county or "",
        changes={"period": period, "episodes": len(ep_rows), "plans": len(pl_rows), "format": fmt},
        reason="导出务工月监测数据（含明文证件号码，供报送国家系统）",
    )
    return LedgerExportResult(files=files, episodes=len(ep_rows), plans=len(pl_rows))


def _extra(national: dict[str, str]) -> dict[str, str]:
    return {k[1:]: v for k, v in national.items() if k.startswith("+")}


def _episode_cells(e: WorkEpisode) -> dict[str, str]:
    cells = _identity(e.national, e.person, e.household, crypto.unseal(e.person.id_sealed))
    cells.update(
        {
            "worked": _flag_text(e.worked),
            "start_month": month_text(e.start_month),
            "end_month": month_text(e.end_month),
            "work_county": e.work_county,
            "wage": _yuan(e.wage),
            "employer": e.employer,
            "industry": e.industry,
            "channel": e.channel_text or (e.get_channel_display() if e.channel else ""),
            "point_to_point": _flag_text(e.point_to_point),
            "transport_subsidy": _yuan(e.transport_subsidy),
        }
    )
    cells.update({f"+{k}": v for k, v in _extra(e.national).items()})
    return cells


def _plan_cells(p: WorkPlan) -> dict[str, str]:
    cells = _identity(p.national, p.person, p.household, crypto.unseal(p.person.id_sealed))
    cells.update(
        {"planned": _flag_text(p.planned), "planned_county": p.planned_county, "service_need": p.service_need}
    )
    cells.update({f"+{k}": v for k, v in _extra(p.national).items()})
    return cells


def _write_sheet(
    out: Path,
    stem: str,
    kind: str,
    rows: list[dict[str, str]],
    *,
    region_name: str,
    period: str,
    fmt: str,
) -> Path:
    specs = SPECS[kind]
    extras: list[str] = []
    for r in rows:
        for k in r:
            if k.startswith("+") and k[1:] not in extras:
                extras.append(k[1:])
    header = [s.label for s in specs] + extras
    names = [s.name for s in specs] + [f"+{h}" for h in extras]
    body = [[r.get(n, "") or "" for n in names] for r in rows]
    if fmt == "csv":
        path = out / f"{stem}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(body)
        return path
    path = out / f"{stem}.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(stem)
    for title in title_rows(kind, region_name=region_name, period=period):
        ws.append(_text_cells(ws, title))
    ws.append(_text_cells(ws, header))
    for values in body:
        ws.append(_text_cells(ws, values))
    wb.save(path)
    return path


def _text_cells(ws: Any, values: Sequence[str]) -> list[Any]:
    """Every cell text (the national layout), never a formula: a value starting with "=" stays text."""
    cells = []
    for v in values:
        c = WriteOnlyCell(ws, value=v)
        c.data_type = "s"
        cells.append(c)
    return cells
