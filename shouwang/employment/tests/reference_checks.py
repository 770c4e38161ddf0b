"""The row-by-row checks of the first version of employment/checks.py (kept verbatim, decision 0723): the
reference the vectorised checks must equal, error for error and warning for warning (test_checks_equal.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from shouwang.common.errors import RowError
from shouwang.employment.choices import CHANNEL_ALIASES, WorkChannelChoices, WorkPlaceTypeChoices
from shouwang.employment.layout import (
    HOME_PROVINCE,
    month_index,
    month_parse,
    month_text,
    place_parse,
)
from shouwang.exchange.files import Table, TableValidator

# Parameters (POLICY R-EMP-10 gives the checker's numbers; a province may change them).
WAGE_MIN_YUAN = 100
WAGE_MAX_YUAN = 30_000
MIN_WORK_AGE = 16
NO_LABOUR_TEXTS = ("无劳动力", "丧失劳动力", "无劳动能力")
NO_LABOUR_CODES = ("lost", "none")
YES_NO = {"是": True, "否": False, "Y": True, "N": False, "y": True, "n": False}


@dataclass
class Checked:
    """The typed rows of one file that passed, and what went wrong (errors refuse, warnings do not)."""

    rows: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _flag(v: TableValidator, name: str, *, required: bool, rule: str = "") -> pl.Series:
    s = v.col(name)
    if required:
        v.add_mask(s.is_null(), name, f"{v.table.header(name)}不能为空{rule}")
    mapped = s.replace_strict(YES_NO, default=None, return_dtype=pl.Boolean)
    v.add_mask(s.is_not_null() & mapped.is_null(), name, "应填“是”或“否”")
    return mapped


def _months(v: TableValidator, name: str, *, required: bool) -> pl.Series:
    s = v.col(name)
    if required:
        v.add_mask(s.is_null(), name, f"{v.table.header(name)}不能为空")
    parsed = s.map_elements(month_parse, return_dtype=pl.Utf8, skip_nulls=True)
    v.add_mask(s.is_not_null() & parsed.is_null(), name, "月份应为YYYY年MM月（如2025年11月）")
    return parsed


def match_persons(v: TableValidator, ids: pl.DataFrame, persons: pl.DataFrame) -> pl.DataFrame:
    """Join the file's IDs to the registry (``persons``: id_number, person_id, household_id, reg_household_no,
    birth_date, school_status, reg_labour, tekun, county_code, township_code, home_county). Refuses unknown
    IDs and a 户编号 that is not the person's household (R-EMP-03: the ledger keys on the registry)."""
    frame = pl.DataFrame({"_row": range(v.frame.height), "id_number": ids["id_number"]}).join(
        persons, on="id_number", how="left"
    )
    frame = frame.sort("_row")
    unknown = ids["id_number"].is_not_null() & frame["person_id"].is_null()
    v.add_mask(unknown, "id_number", "登记库中没有该证件号码（不是在册农户成员；R-EMP-03，请先导入户籍登记）")
    given = v.col("household_no")
    wrong = frame["person_id"].is_not_null() & given.is_not_null() & (given != frame["reg_household_no"])
    v.add_mask(
        wrong,
        "household_no",
        reasons=pl.Series(
            [f"户编号与登记库不符：该证件号码登记在户{h}（R-EMP-03）" for h in frame["reg_household_no"]]
        ),
    )
    return frame


def check_episodes(
    table: Table, *, period: str, persons: pl.DataFrame, stored: pl.DataFrame, today: dt.date
) -> Checked:
    """已外出务工信息 rows. ``stored``: the episodes already held for the file's persons (person_id,
    start_month, end_month), for the overlap check; a stored episode with the same (person, start) as a
    file row is that row's earlier version and is replaced, not compared."""
    v = TableValidator(table)
    ids = v.id_number("id_number")
    reg = match_persons(v, ids, persons)
    worked = _flag(v, "worked", required=True)
    start = _months(v, "start_month", required=True)
    end = _months(v, "end_month", required=False)
    wage = v.money("wage")
    subsidy = v.money("transport_subsidy")
    p2p = _flag(v, "point_to_point", required=False)
    p_idx = month_index(period)
    rows: list[dict[str, Any]] = []
    col = v.col
    county_txt, channel_txt, labour_txt = col("work_county"), col("channel"), col("labour")
    for i in range(v.frame.height):
        s, e, w = start[i], end[i], worked[i]
        if s is not None and month_index(s) > p_idx:
            v.add(i, "start_month", col("start_month")[i], f"开始时间晚于统计月份{month_text(period)}")
        if s is not None and e is not None and e < s:
            v.add(i, "end_month", col("end_month")[i], "结束时间早于开始时间")
        if w is False and (e is None or month_index(e) > p_idx):
            v.add(
                i,
                "end_month",
                col("end_month")[i],
                "是否已务工为“否”，结束时间却为空或晚于统计月份（R-EMP-10，1111_16/17）",
            )
        current = bool(w) and (e is None or month_index(e) >= p_idx)
        cents = wage[i]
        if cents is not None and not WAGE_MIN_YUAN * 100 <= cents <= WAGE_MAX_YUAN * 100:
            v.add(
                i,
                "wage",
                col("wage")[i],
                f"务工月收入应在{WAGE_MIN_YUAN}至{WAGE_MAX_YUAN:,}元之间（R-EMP-10，5_16_001/002）",
            )
        if current and cents is None and col("wage")[i] is None:
            v.add(i, "wage", None, "在岗务工人员缺少务工月收入（R-EMP-10，5_01_007）")
        place = place_parse(county_txt[i])
        if w and county_txt[i] is None:
            v.add(
                i, "work_county", None, "务工所在县为空：务工地点须填写到县级（R-EMP-10，4_12_001/5_01_005）"
            )
        elif county_txt[i] is not None and place is None:
            v.add(
                i,
                "work_county",
                county_txt[i],
                "务工所在县未具体到县级（应如“广东省深圳市宝安区”；R-EMP-10，4_12_001/5_01_005）",
            )
        raw_channel = channel_txt[i]
        channel = CHANNEL_ALIASES.get(raw_channel or "", WorkChannelChoices.OTHER if raw_channel else "")
        if current and not raw_channel:
            v.add(i, "channel", None, "在岗务工人员缺少就业渠道（R-EMP-10，5_01_007）")
        if current and p2p[i] is None and col("point_to_point")[i] is None:
            v.add(i, "point_to_point", None, "在岗务工人员缺少“是否点对点输送”（R-EMP-10，5_12_006）")
        home = reg["home_county"][i]
        place_type = ""
        if place is not None and home:
            if place.county_full == home:
                place_type = WorkPlaceTypeChoices.IN_COUNTY
            elif place.province == HOME_PROVINCE:
                place_type = WorkPlaceTypeChoices.IN_PROVINCE
            else:
                place_type = WorkPlaceTypeChoices.OUT_OF_PROVINCE
        if (
            channel in (WorkChannelChoices.PUBLIC_POST, WorkChannelChoices.WORKSHOP)
            and place is not None
            and home
            and place_type != WorkPlaceTypeChoices.IN_COUNTY
        ):
            v.add(
                i,
                "channel",
                raw_channel,
                f"就业渠道为{raw_channel}，务工所在县却不是本县{home}（R-EMP-10，5_01_003/5_12_002）",
            )
        birth = reg["birth_date"][i] or ids["birth_date"][i]
        if (
            s is not None
            and birth is not None
            and month_index(s) < (birth.year + MIN_WORK_AGE) * 12 + birth.month - 1
        ):
            v.add(
                i,
                "start_month",
                col("start_month")[i],
                f"开始务工时未满{MIN_WORK_AGE}周岁（出生于{birth.year}年{birth.month:02d}月；R-EMP-10，5_16_010）",
            )
        if current and reg["person_id"][i] is not None:
            student = (reg["school_status"][i] or "none") != "none"
            no_labour = reg["reg_labour"][i] in NO_LABOUR_CODES or (labour_txt[i] or "") in NO_LABOUR_TEXTS
            if student:
                v.add(i, "worked", col("worked")[i], "在校生登记为务工（R-EMP-10，4_01_006/2_01_015）")
            if no_labour:
                v.add(
                    i,
                    "worked",
                    col("worked")[i],
                    "无劳动力或丧失劳动力人员登记为务工（R-EMP-10，4_12_002/2_12_004）",
                )
            if reg["tekun"][i]:
                v.table.warnings.append(
                    f"第{table.row_number(i)}行：特困供养人员登记为务工，请核实（R-EMP-10，5_01_004）"
                )
            if not col("employer")[i] or not col("industry")[i]:
                v.table.warnings.append(
                    f"第{table.row_number(i)}行：在岗务工人员缺少务工企业名称或所属行业（R-EMP-10，5_01_007）"
                )
        if current and s is not None and s < "2021-01" and e is None:
            v.table.warnings.append(
                f"第{table.row_number(i)}行：2020年及以前开始的务工经历仍未结束，请核实（R-EMP-10，1111_08）"
            )
        rows.append(
            {
                "_row": i,
                "person_id": reg["person_id"][i],
                "household_id": reg["household_id"][i],
                "county_code": reg["county_code"][i],
                "township_code": reg["township_code"][i],
                "start_month": s,
                "end_month": e or "",
                "worked": bool(w),
                "work_county": county_txt[i] or "",
                "place_type": place_type,
                "wage": cents,
                "employer": col("employer")[i] or "",
                "industry": col("industry")[i] or "",
                "channel": str(channel),
                "channel_text": raw_channel or "",
                "point_to_point": p2p[i],
                "transport_subsidy": subsidy[i],
            }
        )
    _check_overlaps(v, rows, stored)
    v.errors.sort(key=lambda e: (e.row or 0, e.column))
    return Checked(rows=pl.DataFrame(rows, infer_schema_length=None), errors=v.errors)


def _check_overlaps(v: TableValidator, rows: list[dict[str, Any]], stored: pl.DataFrame) -> None:
    """Overlapping episodes of one person (R-EMP-10, 5_12_001), within the file and against stored ones;
    the same (person, start) twice in the file is refused too."""
    by_person: dict[int, list[tuple[str, str, int | None]]] = defaultdict(list)
    in_file: dict[tuple[int, str], int] = {}
    for r in rows:
        if r["person_id"] is None or r["start_month"] is None:
            continue
        key = (r["person_id"], r["start_month"])
        if key in in_file:
            v.add(
                r["_row"],
                "start_month",
                month_text(r["start_month"]),
                f"与第{v.table.row_number(in_file[key])}行是同一人同一开始时间的重复记录",
            )
            continue
        in_file[key] = r["_row"]
        by_person[r["person_id"]].append((r["start_month"], r["end_month"] or "9999-12", r["_row"]))
    for pid, start, end in stored.iter_rows():
        if pid in by_person and (pid, start) not in in_file:
            by_person[pid].append((start, end or "9999-12", None))
    for episodes in by_person.values():
        if len(episodes) < 2:
            continue
        episodes.sort()
        for k in range(1, len(episodes)):
            a, b = episodes[k - 1], episodes[k]
            if b[0] <= a[1]:
                this, other = (b, a) if b[2] is not None else (a, b)
                if this[2] is None:
                    continue
                if other[2] is not None:
                    where = f"第{v.table.row_number(other[2])}行的务工经历"
                else:
                    shown_end = "至今" if other[1] == "9999-12" else month_text(other[1])
                    where = f"已登记的务工经历（{month_text(other[0])}至{shown_end}）"
                v.add(
                    this[2],
                    "start_month",
                    month_text(this[0]),
                    f"与{where}时间重叠（R-EMP-10，5_12_001）",
                )


def check_plans(table: Table, *, persons: pl.DataFrame) -> Checked:
    """计划外出务工信息 rows."""
    v = TableValidator(table)
    ids = v.id_number("id_number")
    reg = match_persons(v, ids, persons)
    planned = _flag(v, "planned", required=True)
    county = v.col("planned_county")
    need = v.col("service_need")
    rows: list[dict[str, Any]] = []
    for i in range(v.frame.height):
        if county[i] is not None and place_parse(county[i]) is None:
            v.add(
                i,
                "planned_county",
                county[i],
                "计划务工所在县未具体到县级（应如“广东省深圳市宝安区”；R-EMP-10，4_12_001）",
            )
        if planned[i] and need[i] is None:
            v.table.warnings.append(
                f"第{table.row_number(i)}行：计划务工但未填就业服务需求（R-EMP-10，5_15_008/009）"
            )
        rows.append(
            {
                "_row": i,
                "person_id": reg["person_id"][i],
                "household_id": reg["household_id"][i],
                "county_code": reg["county_code"][i],
                "township_code": reg["township_code"][i],
                "planned": planned[i],
                "planned_county": county[i] or "",
                "service_need": need[i] or "",
            }
        )
    v.errors.sort(key=lambda e: (e.row or 0, e.column))
    return Checked(rows=pl.DataFrame(rows, infer_schema_length=None), errors=v.errors)
