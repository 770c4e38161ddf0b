"""Department feeds (CONTRACT §2 "Department feeds", POLICY R-WARN-01): the ten kinds, their columns and
value rules, the period rule, and JSON rows of the push API turned into the equivalent CSV.

Everything here is pure (no database): ``feed_validate`` turns a ``files.Table`` into a typed frame or raises
one ``InputRefused`` listing every bad cell. The service ``shouwang.exchange.services.feed_batch_ingest``
adds the I/O (village lookup, ID matching, the lake, the batch row, the audit row).

Period rule (docs/decisions/0201-feed-period-tolerance.md). A delivery for period P may carry late rows:
* a row dated after the end of P, or after today, is refused (it belongs to a later delivery);
* a row dated before the first day of P-2 is refused (older than the two months' late tolerance);
* when the file has at least ``PERIOD_SHARE_MIN_ROWS`` dated rows, at least ``PERIOD_SHARE_MIN`` of them must
  fall in P-1 or P; otherwise the period given does not match the data and the whole file is refused.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from django.db import models

from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.choices import FEED_KINDS, BatchKindChoices
from shouwang.exchange.files import (
    DATE,
    ENUM,
    FLAG,
    ID,
    INT,
    MONEY,
    PERIOD,
    TEXT,
    ColumnSpec,
    Table,
    TableValidator,
)

# --- Enumerations of the feed files (CONTRACT §2); codes are the exchange values. -----------------------


class CivilEventChoices(models.TextChoices):
    DIBAO_ENROLLED = "dibao_enrolled", "纳入低保"
    DIBAO_CANCELLED = "dibao_cancelled", "退出低保"
    DIBAO_REJECTED = "dibao_rejected", "低保申请未通过"
    TEKUN_ENROLLED = "tekun_enrolled", "纳入特困供养"
    TEMP_AID = "temp_aid", "临时救助"
    LOW_INCOME_MARGIN = "low_income_margin", "低保边缘家庭"


class EducationStatusChoices(models.TextChoices):
    ENROLLED = "enrolled", "在读"
    DROPPED_OUT = "dropped_out", "辍学"
    SUSPENDED = "suspended", "休学"
    GRADUATED = "graduated", "毕业"


class HousingGradeChoices(models.TextChoices):
    # C and D are dangerous houses (R-WARN-01 住建).
    A = "A", "A级"
    B = "B", "B级"
    C = "C", "C级"
    D = "D", "D级"


class EmploymentStatusChoices(models.TextChoices):
    EMPLOYED = "employed", "就业"
    UNEMPLOYED_REGISTERED = "unemployed_registered", "登记失业"
    CONTRIBUTION_STOPPED = "contribution_stopped", "停止缴费"


class PoliceEventChoices(models.TextChoices):
    DEATH = "death", "死亡"
    ACCIDENT_INJURY = "accident_injury", "意外受伤"
    ACCIDENT_DISABILITY = "accident_disability", "意外致残"
    MOVED_OUT = "moved_out", "户口迁出"
    MOVED_IN = "moved_in", "户口迁入"


class WaterIssueChoices(models.TextChoices):
    OUTAGE = "outage", "停水"
    QUALITY = "quality", "水质不达标"
    DISTANCE = "distance", "取水距离过远"


# --- Specs ---------------------------------------------------------------------------------------------

ID_COLUMN = ColumnSpec("id_number", "证件号码", True, ID, aliases=("身份证号", "身份证号码", "公民身份号码"))


@dataclass(frozen=True)
class FeedSpec:
    """One department feed: its columns (all required in the header) and how to check their values."""

    kind: str
    columns: tuple[ColumnSpec, ...]
    # Columns whose cells may be empty (every other cell is required).
    nullable: frozenset[str] = frozenset()
    choices: Mapping[str, type[models.TextChoices]] = field(default_factory=dict)
    int_bounds: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    # Date columns that may lie in the future (e.g. a loan's due date).
    future_ok: frozenset[str] = frozenset()
    # The column dating each row for the period rule; ``event_to`` for feeds that report an interval.
    event_from: str | None = None
    event_to: str | None = None

    @property
    def label(self) -> str:
        return str(BatchKindChoices(self.kind).label)

    @property
    def keyed_by_id(self) -> bool:
        return any(c.type == ID for c in self.columns)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


FEED_SPECS: dict[str, FeedSpec] = {
    s.kind: s
    for s in (
        FeedSpec(
            "medical",
            (
                ID_COLUMN,
                ColumnSpec("settled_on", "结算日期", True, DATE),
                ColumnSpec("total_cost", "总费用", True, MONEY, aliases=("医疗总费用",)),
                ColumnSpec("fund_paid", "基金支付", True, MONEY, aliases=("统筹基金支付",)),
                ColumnSpec("self_pay", "个人自付", True, MONEY, aliases=("个人自付费用",)),
                ColumnSpec("inpatient", "是否住院", True, FLAG, aliases=("住院",)),
            ),
            event_from="settled_on",
        ),
        FeedSpec(
            "civil",
            (
                ID_COLUMN,
                ColumnSpec("event_on", "事件日期", True, DATE, aliases=("发生日期", "审批日期")),
                ColumnSpec("event", "事件类型", True, ENUM),
                ColumnSpec("amount", "金额", True, MONEY, aliases=("救助金额", "保障金额")),
            ),
            nullable=frozenset({"amount"}),
            choices={"event": CivilEventChoices},
            event_from="event_on",
        ),
        FeedSpec(
            "disability",
            (
                ID_COLUMN,
                ColumnSpec("certified_on", "认定日期", True, DATE, aliases=("发证日期", "办证日期")),
                ColumnSpec("disability_type", "残疾类别", True, TEXT),
                ColumnSpec("grade", "残疾等级", True, INT),
            ),
            int_bounds={"grade": (1, 4)},
            event_from="certified_on",
        ),
        FeedSpec(
            "education",
            (
                ID_COLUMN,
                ColumnSpec("as_of", "统计日期", True, DATE, aliases=("截至日期",)),
                ColumnSpec("stage", "学段", True, TEXT),
                ColumnSpec("status", "在学状态", True, ENUM, aliases=("学籍状态",)),
            ),
            choices={"status": EducationStatusChoices},
            event_from="as_of",
        ),
        FeedSpec(
            "housing",
            (
                ColumnSpec(
                    "id_number",
                    "证件号码",
                    True,
                    ID,
                    aliases=("户主证件号码", "房屋所有人证件号码", "身份证号"),
                ),
                ColumnSpec("appraised_on", "鉴定日期", True, DATE),
                ColumnSpec("grade", "鉴定等级", True, ENUM, aliases=("危房等级",)),
            ),
            choices={"grade": HousingGradeChoices},
            event_from="appraised_on",
        ),
        FeedSpec(
            "employment",
            (
                ID_COLUMN,
                ColumnSpec("month", "月份", True, PERIOD, aliases=("所属月份",)),
                ColumnSpec("status", "就业状态", True, ENUM),
                ColumnSpec("monthly_wage", "月工资", True, MONEY, aliases=("月收入",)),
            ),
            nullable=frozenset({"monthly_wage"}),
            choices={"status": EmploymentStatusChoices},
            event_from="month",
        ),
        FeedSpec(
            "disaster",
            (
                ID_COLUMN,
                ColumnSpec("occurred_on", "发生日期", True, DATE, aliases=("受灾日期",)),
                ColumnSpec("hazard", "灾害类型", True, TEXT),
                ColumnSpec("loss_amount", "损失金额", True, MONEY, aliases=("直接经济损失",)),
                ColumnSpec("house_damaged", "房屋受损", True, FLAG, aliases=("房屋是否受损",)),
            ),
            event_from="occurred_on",
        ),
        FeedSpec(
            "water",
            (
                ColumnSpec("village_code", "行政村代码", True, TEXT, aliases=("行政村区划代码",)),
                ColumnSpec("group_name", "村民小组", True, TEXT),
                ColumnSpec("from_on", "开始日期", True, DATE),
                ColumnSpec("to_on", "结束日期", True, DATE),
                ColumnSpec("issue", "问题类型", True, ENUM),
            ),
            # An empty group means the whole village; an empty end date means the issue is ongoing.
            nullable=frozenset({"group_name", "to_on"}),
            choices={"issue": WaterIssueChoices},
            event_from="from_on",
            event_to="to_on",
        ),
        FeedSpec(
            "police",
            (
                ID_COLUMN,
                ColumnSpec("event_on", "事件日期", True, DATE, aliases=("发生日期",)),
                ColumnSpec("event", "事件类型", True, ENUM),
            ),
            choices={"event": PoliceEventChoices},
            event_from="event_on",
        ),
        FeedSpec(
            "credit",
            (
                ID_COLUMN,
                ColumnSpec("loan_no", "贷款编号", True, TEXT, aliases=("借据号",)),
                ColumnSpec("principal", "贷款本金", True, MONEY, aliases=("贷款金额",)),
                ColumnSpec("due_on", "到期日期", True, DATE, aliases=("到期日",)),
                ColumnSpec("overdue_days", "逾期天数", True, INT),
                ColumnSpec("balance", "贷款余额", True, MONEY),
            ),
            int_bounds={"overdue_days": (0, 36500)},
            # A loan book is a snapshot: it has no event date, and due dates lie ahead.
            future_ok=frozenset({"due_on"}),
        ),
    )
}
assert set(FEED_SPECS) == {str(k) for k in FEED_KINDS}

# The period rule's tolerances (decision 0201).
LATE_MONTHS = 2
PERIOD_SHARE_MIN = 0.5
PERIOD_SHARE_MIN_ROWS = 20

_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_VILLAGE_RE = r"^\d{12}$"


def feed_spec(kind: str) -> FeedSpec:
    """The spec of ``kind``; refuses anything but the ten department feeds."""
    spec = FEED_SPECS.get(kind)
    if spec is None:
        shown = "、".join(f"{k}（{FEED_SPECS[k].label}）" for k in FEED_SPECS)
        raise InputRefused(
            f"未知的部门数据类型“{kind}”",
            [RowError(None, "", kind, f"数据类型（KIND）不是部门数据类型，可选：{shown}")],
        )
    return spec


# --- Periods -------------------------------------------------------------------------------------------


def month_index(period: str) -> int:
    year, month = period.split("-")
    return int(year) * 12 + int(month) - 1


def period_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_check(period: str, *, today: dt.date | None = None) -> str:
    """A delivery's period: ``YYYY-MM``, not after the current month."""
    today = today or dt.date.today()
    if not isinstance(period, str) or not _PERIOD_RE.match(period.strip()):
        raise InputRefused(
            f"报送期间“{period}”格式错误",
            [RowError(None, "", str(period), "报送期间（--period）格式应为YYYY-MM，如2024-03")],
        )
    period = period.strip()
    if month_index(period) > today.year * 12 + today.month - 1:
        raise InputRefused(
            f"报送期间{period}晚于当前月份",
            [RowError(None, "", period, "报送期间（--period）不能晚于当前月份")],
        )
    return period


def _month_of(values: pl.Series) -> pl.Series:
    """Month index of a Date series or of a ``YYYY-MM`` Utf8 series (null stays null)."""
    if values.dtype == pl.Date:
        return (values.dt.year().cast(pl.Int64) * 12 + values.dt.month().cast(pl.Int64) - 1).alias("m")
    year = values.str.slice(0, 4).cast(pl.Int64, strict=False)
    month = values.str.slice(5, 2).cast(pl.Int64, strict=False)
    return (year * 12 + month - 1).alias("m")


# --- Validation ----------------------------------------------------------------------------------------


def feed_validate(
    spec: FeedSpec,
    table: Table,
    period: str,
    *,
    known_villages: set[str] | None = None,
    today: dt.date | None = None,
) -> pl.DataFrame:
    """Check every cell of a feed file and return the typed frame, or raise ``InputRefused`` with every error.

    The frame has ``row_no`` (file row, header = 1) and the CONTRACT columns typed: dates as Date, money as
    Float64 yuan (parsed exactly as cents first), flags Boolean, integers Int32, enumerations as their codes,
    and ``id_number`` normalised (the caller replaces it by its blind index; it never reaches the lake).
    """
    today = today or dt.date.today()
    v = TableValidator(table, label=spec.label)
    typed: dict[str, pl.Series] = {
        "row_no": pl.Series(
            "row_no", np.arange(table.first_data_row, table.first_data_row + table.frame.height), pl.Int32
        )
    }
    for col in spec.columns:
        required = col.name not in spec.nullable
        name = col.name
        if col.type == ID:
            typed[name] = v.id_number(name, required=True).get_column("id_number")
        elif col.type == DATE:
            not_future = name not in spec.future_ok
            typed[name] = v.date(name, required=required, not_future=not_future)
            if not not_future:
                typed[name] = _sane_date(v, name, typed[name])
        elif col.type == PERIOD:
            typed[name] = v.period(name, required=required)
        elif col.type == MONEY:
            typed[name] = (v.money(name, required=required).cast(pl.Float64) / 100).alias(name)
        elif col.type == FLAG:
            typed[name] = v.flag(name, required=required)
        elif col.type == INT:
            low, high = spec.int_bounds.get(name, (None, None))
            typed[name] = v.integer(name, low=low, high=high, required=required).cast(pl.Int32)
        elif col.type == ENUM:
            typed[name] = v.enum(name, spec.choices[name], required=required)
        else:
            typed[name] = v.required(name) if required else v.col(name)
    frame = pl.DataFrame([s.alias(n) for n, s in typed.items()])
    _kind_rules(spec, v, frame, known_villages)
    _period_rule(spec, v, frame, period, today)
    v.refuse_if_errors(_refusal_message(spec, table, v.errors))
    return frame


def _sane_date(v: TableValidator, name: str, parsed: pl.Series) -> pl.Series:
    out = (parsed < dt.date(1900, 1, 1)) | (parsed > dt.date(2200, 12, 31))
    v.add_mask(out, name, "日期不合理")
    return parsed


def _kind_rules(
    spec: FeedSpec, v: TableValidator, frame: pl.DataFrame, known_villages: set[str] | None
) -> None:
    """Cross-column checks of one kind."""
    if spec.kind == "medical":
        # Cents are exact: the fund and the patient together cannot pay more than the bill.
        over = (frame["fund_paid"] + frame["self_pay"]) - frame["total_cost"] > 0.005
        v.add_mask(over, "self_pay", "基金支付与个人自付之和超过总费用")
    elif spec.kind == "water":
        codes = v.col("village_code")
        shaped = codes.str.contains(_VILLAGE_RE).fill_null(False)
        v.add_mask(codes.is_not_null() & ~shaped, "village_code", "行政村代码应为12位数字")
        if known_villages is not None:
            missing = shaped & ~codes.is_in(list(known_villages)).fill_null(False)
            v.add_mask(missing, "village_code", "行政村代码不存在（不在区划库中）")
        backwards = frame["to_on"] < frame["from_on"]
        v.add_mask(backwards, "to_on", "结束日期早于开始日期")
    elif spec.kind == "credit":
        loans = v.col("loan_no")
        dup = loans.is_duplicated() & loans.is_not_null()
        v.add_mask(dup, "loan_no", "贷款编号在文件中重复")


def _period_rule(spec: FeedSpec, v: TableValidator, frame: pl.DataFrame, period: str, today: dt.date) -> None:
    """Rows must fall in [P-2, P] and mostly in [P-1, P] (module docstring; decision 0201)."""
    if spec.event_from is None:
        return
    p = month_index(period)
    lo = p - LATE_MONTHS
    start = frame[spec.event_from]
    m_from = _month_of(start)
    if spec.event_to is None:
        m_to = m_from
        col_old = spec.event_from
    else:
        # An ongoing issue (no end date) lasts to the end of the period.
        m_to = _month_of(frame[spec.event_to]).fill_null(p).zip_with(m_from.is_not_null(), m_from)
        col_old = spec.event_to
    after = m_from > p
    if start.dtype == pl.Date:
        after = after & ~(start > today).fill_null(False)  # future dates already have their own error
    v.add_mask(after, spec.event_from, f"日期晚于报送期间{period}，应在以后期间的批次中报送")
    before = m_to < lo
    v.add_mask(
        before,
        col_old,
        f"日期早于{period_of(lo)}（报送期间{period}只接受前{LATE_MONTHS}个月内的补报）",
    )
    dated = m_from.drop_nulls()
    n = dated.len()
    if n >= PERIOD_SHARE_MIN_ROWS:
        near = ((m_from <= p) & (m_to >= p - 1)).fill_null(False).sum()
        share = near / n
        if share < PERIOD_SHARE_MIN:
            top = dated.mode().sort()
            common = period_of(int(top[0])) if top.len() else "-"
            v.errors.append(
                RowError(
                    None,
                    v.table.header(spec.event_from),
                    "",
                    f"只有{share:.0%}的记录日期在{period_of(p - 1)}至{period}之间"
                    f"（至少应为{PERIOD_SHARE_MIN:.0%}），记录最多的月份是{common}：报送期间可能填错",
                )
            )


def _refusal_message(spec: FeedSpec, table: Table, errors: list[RowError]) -> str:
    name = table.path.name if table.path else spec.kind
    if any(e.row is None for e in errors):
        return f"{name}：{spec.label}数据的日期与报送期间不符，整批拒收"
    return f"{name}：{spec.label}数据有{len(errors)}处错误，整批拒收（未写入任何数据）"


def feed_rows_periods(spec: FeedSpec, frame: pl.DataFrame, period: str) -> dict[str, int]:
    """Rows per month the rows' dates fall in (for re-screening); interval feeds count each month covered
    inside the tolerance window. Snapshot feeds (no event date) belong to their period."""
    if spec.event_from is None:
        return {period: frame.height}
    p = month_index(period)
    m_from = _month_of(frame[spec.event_from])
    if spec.event_to is None:
        counts = m_from.value_counts(sort=False)
        return {period_of(int(m)): int(c) for m, c in counts.iter_rows() if m is not None}
    m_to = _month_of(frame[spec.event_to]).fill_null(p)
    lo_clip = m_from.clip(lower_bound=p - LATE_MONTHS)
    hi_clip = m_to.clip(upper_bound=p)
    out: dict[str, int] = {}
    for a, b in zip(lo_clip.to_list(), hi_clip.to_list(), strict=True):
        for m in range(a, b + 1):
            out[period_of(m)] = out.get(period_of(m), 0) + 1
    return dict(sorted(out.items()))


# --- JSON rows (push API) ------------------------------------------------------------------------------


def feed_json_to_csv(rows: Any, dest: Path, *, kind: str) -> None:
    """Write a JSON array of row objects as the equivalent UTF-8 CSV (same validation afterwards).

    Keys are canonical names or Chinese labels; values are strings, numbers, booleans or null. The ID must
    be a string: a JSON number may already have lost digits in the sender's system and is refused."""
    spec = feed_spec(kind)
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise InputRefused(
            "请求体应为JSON数组，每个元素是一行数据（对象）",
            [RowError(None, "", "", "JSON结构错误：应为对象数组")],
        )
    id_keys = {h for c in spec.columns if c.type == ID for h in (c.name, c.label, *c.aliases)}
    keys: list[str] = []
    for r in rows:
        for k in r:
            if k not in keys:
                keys.append(str(k))
    errors: list[RowError] = []
    out_rows: list[list[str]] = []
    for i, r in enumerate(rows):
        line = []
        for k in keys:
            value = r.get(k)
            if k in id_keys and value is not None and not isinstance(value, str):
                errors.append(
                    RowError(
                        i + 2, k, str(value), "证件号码必须是字符串（JSON中加引号），数字形式可能已丢失位数"
                    )
                )
            line.append(_json_cell(value))
        out_rows.append(line)
    if errors:
        raise InputRefused(f"{spec.label}数据有{len(errors)}处错误，整批拒收（未写入任何数据）", errors)
    with open(dest, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(keys)
        writer.writerows(out_rows)


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
