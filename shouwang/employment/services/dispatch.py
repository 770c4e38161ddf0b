"""The monthly dispatch table (月度调度表, POLICY R-EMP-04; docs/employment.md, decisions 0702–0704).

* ``dispatch_table_compute``: one county's table for one month, a row per township and the county total,
  counted from the month's roster (``LabourRecord``) and the episodes with three grouped SQL queries
  (plus one per comparison month): no per-person Python, so a county of 1,000,000 labourers takes seconds.
* ``dispatch_freeze``: a county official freezes the month when it is reported upward; the rows are stored
  (``DispatchRow``) and from then on served as stored, never recomputed; freezing again is refused.
* ``dispatch_refresh``: re-derive the month's roster (and with it the 零就业 tasks); refused for a frozen
  month ("A frozen month is not edited; corrections go into the next", R-EMP-04).
* ``dispatch_table_load``: the table as it stands (frozen rows or a fresh computation); ``dispatch_xlsx``
  the workbook in the layout counties circulate, ``dispatch_export`` the audited file.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from django.db import connection, transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from shouwang.accounts.actors import Actor, actor_user
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.choices import EMPLOYED_STATUSES, LabourStatusChoices
from shouwang.employment.models import DispatchFreeze, DispatchRow, LabourRecord, WorkEpisode
from shouwang.employment.services.freeze import dispatch_is_frozen
from shouwang.employment.services.roster import roster_refresh
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region

# A township is flagged when its employed count falls by more than this share, month on month or year on
# year (R-EMP-04, proposed default; 文县 gives no number): a parameter.
DROP_ALERT_SHARE = 0.10
# 返乡未再就业: a labourer whose episode ended within this many months (the month itself included) and who is
# not in work this month (decision 0702): a parameter.
RETURN_WINDOW_MONTHS = 3
# Who freezes a county's table (the county reports upward) and who may re-derive an open month.
FREEZE_ROLES = frozenset({RoleChoices.COUNTY})
REFRESH_ROLES = frozenset({RoleChoices.COUNTY, RoleChoices.PREFECTURE, RoleChoices.PROVINCE})

_NOT_LABOUR = (LabourStatusChoices.STUDENT, LabourStatusChoices.NO_CAPACITY)
_EMPLOYED = tuple(sorted(EMPLOYED_STATUSES))
_PLACE_OUT = (LabourStatusChoices.OUT_OF_PROVINCE,)
_PLACE_PROVINCE = (LabourStatusChoices.IN_PROVINCE,)
# Everything else in work is in the home county: 县内务工, posts, workshops, self-employed, flexible work.
_PLACE_COUNTY = tuple(sorted(EMPLOYED_STATUSES - {*_PLACE_OUT, *_PLACE_PROVINCE}))


def period_shift(period: str, months: int) -> str:
    """``2025-01`` shifted by ``months`` (negative: back)."""
    idx = int(period[:4]) * 12 + int(period[5:7]) - 1 + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


@dataclass(frozen=True)
class DispatchLine:
    """One row of the table: a township or the county total."""

    region_code: str
    region_name: str
    is_total: bool = False
    labourers: int = 0
    willing: int = 0
    employed: int = 0
    out_of_province: int = 0
    in_province: int = 0
    in_county: int = 0
    public_post: int = 0
    workshop: int = 0
    zero_households: int = 0
    returned_idle: int = 0
    employed_prev: int | None = None
    employed_last_year: int | None = None

    @property
    def mom(self) -> int | None:
        """环比: change in 务工人数 against the previous month."""
        return None if self.employed_prev is None else self.employed - self.employed_prev

    @property
    def yoy(self) -> int | None:
        """同比: change against the same month a year before."""
        return None if self.employed_last_year is None else self.employed - self.employed_last_year

    @property
    def mom_pct(self) -> float | None:
        return _pct(self.employed, self.employed_prev)

    @property
    def yoy_pct(self) -> float | None:
        return _pct(self.employed, self.employed_last_year)

    @property
    def alert(self) -> bool:
        """务工人数 fell by more than ``DROP_ALERT_SHARE`` month on month or year on year (R-EMP-04)."""
        return any(p is not None and p < -DROP_ALERT_SHARE * 100 for p in (self.mom_pct, self.yoy_pct))


_COUNTS = tuple(f.name for f in fields(DispatchLine) if f.type == "int")


def _pct(now: int, before: int | None) -> float | None:
    if not before:
        return None
    return round((now - before) * 100 / before, 1)


@dataclass(frozen=True)
class DispatchTable:
    county_code: str
    county_name: str
    period: str
    rows: list[DispatchLine]
    total: DispatchLine | None  # None when the caller sees only part of the county
    frozen: DispatchFreeze | None = None
    has_roster: bool = True
    notes: list[str] = field(default_factory=list)


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"  # our own codes, never user input


def _sum_if(values: Sequence[str]) -> str:
    return f"SUM(CASE WHEN status IN {_in(values)} THEN 1 ELSE 0 END)"


def _max_if(values: Sequence[str]) -> str:
    return f"MAX(CASE WHEN status IN {_in(values)} THEN 1 ELSE 0 END)"


def _employed_by_township(county_code: str, period: str) -> dict[str, int] | None:
    """务工人数 per township in a month: the frozen rows if the month is frozen, else the roster; None when
    the county has no roster for that month (nothing to compare with)."""
    freeze = DispatchFreeze.objects.filter(county_code=county_code, period=period).first()
    if freeze is not None:
        return dict(freeze.rows.filter(is_total=False).values_list("region_code", "employed"))
    table = LabourRecord._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT township_code, {_sum_if(_EMPLOYED)}, COUNT(*) FROM {table} "
            "WHERE county_code = %s AND period = %s GROUP BY township_code",
            [county_code, period],
        )
        rows = cur.fetchall()
    return {t: int(e or 0) for t, e, _ in rows} if rows else None


def dispatch_table_compute(*, county_code: str, period: str) -> DispatchTable:
    """The county's table for ``period`` from the roster, whatever is frozen (the freeze stores this).

    Per township (every township of the county in the region tree, and any other township code found in
    the roster): 劳动力数 (roster minus 在校 and 无劳动能力), 有意愿数 (in work or 未就业有意愿),
    务工人数 (every employed status, R-EMP-05's list) split 省外 / 省内县外 / 县内 (县内 holds posts,
    workshops, self-employed and flexible work, so the three add up), 公益性岗位在岗, 帮扶车间吸纳,
    零就业户数 (households with a 未就业有意愿 member and nobody in work), 返乡未再就业人数 (an episode
    ended within ``RETURN_WINDOW_MONTHS`` and not in work now), and 务工人数 a month and a year before."""
    lr = LabourRecord._meta.db_table
    ep = WorkEpisode._meta.db_table
    employed_in = _in(_EMPLOYED)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT township_code, COUNT(*) - {_sum_if(_NOT_LABOUR)}, "
            f"{_sum_if((*_EMPLOYED, LabourStatusChoices.SEEKING))}, {_sum_if(_EMPLOYED)}, "
            f"{_sum_if(_PLACE_OUT)}, {_sum_if(_PLACE_PROVINCE)}, {_sum_if(_PLACE_COUNTY)}, "
            f"{_sum_if((LabourStatusChoices.PUBLIC_POST,))}, {_sum_if((LabourStatusChoices.WORKSHOP,))} "
            f"FROM {lr} WHERE county_code = %s AND period = %s GROUP BY township_code",
            [county_code, period],
        )
        base = {r[0]: [int(v or 0) for v in r[1:]] for r in cur.fetchall()}
        cur.execute(
            f"SELECT township_code, COUNT(*) FROM (SELECT township_code, household_id FROM {lr} "
            "WHERE county_code = %s AND period = %s GROUP BY township_code, household_id "
            f"HAVING {_max_if(_EMPLOYED)} = 0 AND {_max_if((LabourStatusChoices.SEEKING,))} = 1) z "
            "GROUP BY township_code",
            [county_code, period],
        )
        zero = dict(cur.fetchall())
        cur.execute(
            f"SELECT r.township_code, COUNT(*) FROM {lr} r WHERE r.county_code = %s AND r.period = %s "
            f"AND r.status NOT IN {employed_in} AND r.status NOT IN {_in(_NOT_LABOUR)} "
            f"AND EXISTS (SELECT 1 FROM {ep} e WHERE e.person_id = r.person_id AND e.worked = %s "
            "AND e.end_month <> '' AND e.end_month >= %s AND e.end_month <= %s) "
            "GROUP BY r.township_code",
            [county_code, period, True, period_shift(period, 1 - RETURN_WINDOW_MONTHS), period],
        )
        returned = dict(cur.fetchall())
    prev = _employed_by_township(county_code, period_shift(period, -1))
    last_year = _employed_by_township(county_code, period_shift(period, -12))
    regions = dict(
        Region.objects.filter(code__startswith=county_code, level=RegionLevelChoices.TOWNSHIP).values_list(
            "code", "name"
        )
    )
    codes = sorted(set(regions) | set(base) | set(zero) | set(returned))
    names = {**dict(Region.objects.filter(code__in=codes).values_list("code", "name")), **regions}
    rows = []
    for code in codes:
        b = base.get(code, [0] * 8)
        rows.append(
            DispatchLine(
                region_code=code,
                region_name=names.get(code, code),
                labourers=b[0],
                willing=b[1],
                employed=b[2],
                out_of_province=b[3],
                in_province=b[4],
                in_county=b[5],
                public_post=b[6],
                workshop=b[7],
                zero_households=int(zero.get(code, 0)),
                returned_idle=int(returned.get(code, 0)),
                employed_prev=None if prev is None else prev.get(code, 0),
                employed_last_year=None if last_year is None else last_year.get(code, 0),
            )
        )
    county = Region.objects.filter(code=county_code).first()
    county_name = county.name if county else county_code
    return DispatchTable(
        county_code=county_code,
        county_name=county_name,
        period=period,
        rows=rows,
        total=_total(rows, county_code, county_name),
        has_roster=bool(base),
    )


def _total(rows: Sequence[DispatchLine], code: str, name: str) -> DispatchLine:
    sums = {c: sum(getattr(r, c) for r in rows) for c in _COUNTS}
    opt: dict[str, int | None] = {}
    for c in ("employed_prev", "employed_last_year"):
        known = [getattr(r, c) for r in rows if getattr(r, c) is not None]
        opt[c] = sum(known) if known else None
    return DispatchLine(region_code=code, region_name=name, is_total=True, **sums, **opt)  # type: ignore[arg-type]


def _stored(freeze: DispatchFreeze) -> tuple[list[DispatchLine], DispatchLine | None]:
    rows: list[DispatchLine] = []
    total: DispatchLine | None = None
    names = [f.name for f in fields(DispatchLine)]
    for r in freeze.rows.all().order_by("region_code"):
        line = DispatchLine(**{n: getattr(r, n) for n in names})
        if r.is_total:
            total = line
        else:
            rows.append(line)
    return rows, total


def dispatch_table_load(*, county_code: str, period: str) -> DispatchTable:
    """The table as it stands: the stored rows of a frozen month, else a fresh computation."""
    freeze = (
        DispatchFreeze.objects.filter(county_code=county_code, period=period)
        .select_related("frozen_by")
        .first()
    )
    if freeze is None:
        return dispatch_table_compute(county_code=county_code, period=period)
    rows, total = _stored(freeze)
    county = Region.objects.filter(code=county_code).first()
    return DispatchTable(
        county_code=county_code,
        county_name=county.name if county else county_code,
        period=period,
        rows=rows,
        total=total,
        frozen=freeze,
    )


def _refuse(message: str, column: str, value: str, reason: str) -> InputRefused:
    return InputRefused(message, [RowError(None, column, value, reason)])


def _period_ok(period: str) -> bool:
    return len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit()


def _check_actor(actor: Actor, county_code: str, roles: frozenset[str], what: str) -> None:
    user = actor_user(actor)
    if user is None:
        return  # the command line and system jobs act for the county (CONTRACT §1)
    if user.role not in roles or not user.region_id or not county_code.startswith(user.region_code):
        raise _refuse(f"无权{what}", "county", county_code, f"只有本县的县级账号可以{what}（R-EMP-04）")


@transaction.atomic
def dispatch_freeze(*, actor: Actor, county_code: str, period: str) -> DispatchFreeze:
    """Freeze the county's table for ``period`` as reported upward: store its rows (townships and total),
    write one audit row. Refused, nothing written: not a county official of that county, a malformed month,
    a month with no roster, a month already frozen."""
    if not _period_ok(period):
        raise _refuse("月份有误，未冻结", "period", period, "月份应为YYYY-MM")
    _check_actor(actor, county_code, FREEZE_ROLES, "冻结月度调度表")
    # Lock the county's freezes so two clicks cannot both pass the check (Postgres; SQLite writes serially).
    list(DispatchFreeze.objects.select_for_update().filter(county_code=county_code, period=period))
    if dispatch_is_frozen(county_code=county_code, period=period):
        raise _refuse(
            "该月调度表已冻结，未重复冻结",
            "period",
            period,
            "已上报冻结的月份不再修改，更正计入下月（R-EMP-04）",
        )
    table = dispatch_table_compute(county_code=county_code, period=period)
    if not table.has_roster:
        raise _refuse(
            "该月尚无劳动力花名册，未冻结", "period", period, "请先导入务工月监测数据或登记就业状况"
        )
    user = actor_user(actor)
    freeze = DispatchFreeze.objects.create(
        county_code=county_code,
        period=period,
        frozen_by=user,
        frozen_by_label=user.username if user else str(actor),
    )
    names = [f.name for f in fields(DispatchLine)]
    lines = [*table.rows, *([table.total] if table.total else [])]
    DispatchRow.objects.bulk_create(
        [DispatchRow(freeze=freeze, **{n: getattr(line, n) for n in names}) for line in lines]
    )
    total = table.total
    audit_record(
        actor=actor,
        action=AuditActionChoices.TRANSITION,
        object_type="dispatch_table",
        object_id=f"{county_code}-{period}",
        region_code=county_code,
        changes={
            "period": period,
            "townships": len(table.rows),
            "labourers": total.labourers if total else 0,
            "employed": total.employed if total else 0,
            "zero_households": total.zero_households if total else 0,
        },
        reason=f"冻结{period[:4]}年{period[5:]}月月度调度表（上报）",
    )
    return freeze


@transaction.atomic
def dispatch_refresh(*, actor: Actor, county_code: str, period: str, today: dt.date | None = None) -> int:
    """Re-derive the county's roster for ``period`` (and with it the 零就业 tasks) from the episodes, plans
    and recorded statuses; returns the derived records written. Refused for a frozen month, nothing
    changed."""
    if not _period_ok(period):
        raise _refuse("月份有误，未刷新", "period", period, "月份应为YYYY-MM")
    _check_actor(actor, county_code, REFRESH_ROLES, "刷新月度调度表")
    if dispatch_is_frozen(county_code=county_code, period=period):
        raise _refuse(
            "该月调度表已冻结上报，不能刷新",
            "period",
            period,
            "已冻结的月份不再重算，更正计入下月（R-EMP-04）",
        )
    written = roster_refresh(period=period, counties=[county_code], today=today)
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="dispatch_table",
        object_id=f"{county_code}-{period}",
        region_code=county_code,
        changes={"period": period, "derived_records": written},
        reason=f"刷新{period[:4]}年{period[5:]}月劳动力花名册和零就业名单",
    )
    return written


def dispatch_visible(table: DispatchTable, region_code: str) -> DispatchTable:
    """The part of the table a region sees: a township official its own row (no county total); a county or
    higher official everything."""
    if table.county_code.startswith(region_code):
        return table
    return replace(table, rows=[r for r in table.rows if r.region_code.startswith(region_code)], total=None)


# The workbook: title, unit line, two header rows (groups merged above their columns), township rows, total.
_HEAD = (
    ("乡（镇）", None),
    ("劳动力数", None),
    ("有意愿数", None),
    ("务工人数", "合计"),
    ("务工人数", "省外"),
    ("务工人数", "省内县外"),
    ("务工人数", "县内"),
    ("其中", "公益性岗位在岗"),
    ("其中", "帮扶车间吸纳"),
    ("环比", "上月务工"),
    ("环比", "增减"),
    ("环比", "增减率（%）"),
    ("同比", "上年同月务工"),
    ("同比", "增减"),
    ("同比", "增减率（%）"),
    ("零就业户数", None),
    ("返乡未再就业人数", None),
)


def _cells(line: DispatchLine) -> list[object]:
    return [
        line.region_name,
        line.labourers,
        line.willing,
        line.employed,
        line.out_of_province,
        line.in_province,
        line.in_county,
        line.public_post,
        line.workshop,
        line.employed_prev,
        line.mom,
        line.mom_pct,
        line.employed_last_year,
        line.yoy,
        line.yoy_pct,
        line.zero_households,
        line.returned_idle,
    ]


def dispatch_xlsx(table: DispatchTable) -> bytes:
    """The table as the XLSX counties circulate: a title row, a unit row, two header rows, a row per
    township, the county total (合计) last; empty cells where a comparison month has no roster."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "月度调度表"
    width = len(_HEAD)
    last = get_column_letter(width)
    month = f"{table.period[:4]}年{table.period[5:]}月"
    ws.append([f"{table.county_name}脱贫人口和防止返贫监测对象务工就业月度调度表（{month}）"])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    state = "已冻结上报" if table.frozen else "未冻结（实时统计）"
    ws.append([f"填报单位：{table.county_name}    统计月份：{month}    单位：人、户    状态：{state}"])
    ws.merge_cells(f"A2:{last}2")
    ws.append([group for group, _ in _HEAD])
    ws.append([sub or "" for _, sub in _HEAD])
    col = 1
    while col <= width:
        group, sub = _HEAD[col - 1]
        if sub is None:
            ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
            col += 1
            continue
        end = col
        while end < width and _HEAD[end][0] == group:
            end += 1
        if end > col:
            ws.merge_cells(start_row=3, start_column=col, end_row=3, end_column=end)
        col = end + 1
    for line in table.rows:
        ws.append(_cells(line))
    if table.total is not None:
        ws.append(_cells(replace(table.total, region_name="合计")))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    thin = Side(style="thin")
    for r, row in enumerate(ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=width), start=3):
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if r <= 4:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.column_dimensions["A"].width = 16
    for c in range(2, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.freeze_panes = "B5"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def dispatch_export(*, actor: Actor, table: DispatchTable, out: Path | None = None) -> bytes:
    """The workbook of ``table`` (already scoped to the caller), written to ``out`` when given; audited
    (counts only, no personal data)."""
    data = dispatch_xlsx(table)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    audit_record(
        actor=actor,
        action=AuditActionChoices.EXPORT,
        object_type="dispatch_table",
        object_id=f"{table.county_code}-{table.period}",
        region_code=table.county_code,
        changes={"period": table.period, "rows": len(table.rows), "frozen": table.frozen is not None},
        reason=f"导出{table.period[:4]}年{table.period[5:]}月月度调度表",
    )
    return data
