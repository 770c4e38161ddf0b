"""The national 务工月监测 module's two exports, column by column (POLICY R-EMP-03, CONTRACT §4).

Pure: column specs, the title rows, ``YYYY年MM月`` months and work places. No database.

* 已外出务工信息: one row per work episode.
* 计划外出务工信息: one row per person with planned work.

Both come as XLSX with two title rows and the header on row 3, every cell text; Shouwang also accepts CSV
(UTF-8 or GB18030, with or without the title rows) and the canonical English names as headers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shouwang.exchange.files import ID, ColumnSpec

# Identity columns shared by both exports (县 … 劳动技能), in the national order.
IDENTITY = (
    ColumnSpec("county", "县", aliases=("县（市、区）", "县(市、区)")),
    ColumnSpec("township", "乡", aliases=("乡（镇）", "乡(镇)", "乡镇")),
    ColumnSpec("village", "行政村", aliases=("村",)),
    ColumnSpec("household_no", "户编号", required=True),
    ColumnSpec("person_no", "人编号"),
    ColumnSpec("id_number", "证件号码", required=True, type=ID, aliases=("身份证号", "身份证号码")),
    ColumnSpec("household_type", "户类型"),
    ColumnSpec("monitoring_category", "监测对象类别"),
    ColumnSpec("labour", "劳动技能"),
)

EPISODE_COLUMNS = (
    *IDENTITY,
    ColumnSpec("worked", "是否已务工", required=True),
    ColumnSpec("start_month", "开始时间", required=True, aliases=("务工开始时间",)),
    ColumnSpec("end_month", "结束时间", required=True, aliases=("务工结束时间",)),
    ColumnSpec("work_county", "务工所在县", required=True, aliases=("务工所在地",)),
    ColumnSpec("wage", "务工月收入", required=True, aliases=("月收入", "务工月收入（元）")),
    ColumnSpec("employer", "务工企业名称", aliases=("务工单位",)),
    ColumnSpec("industry", "所属行业"),
    ColumnSpec("channel", "就业渠道"),
    ColumnSpec("point_to_point", "是否点对点输送", aliases=("是否点对点",)),
    ColumnSpec("transport_subsidy", "年度交通费补助", aliases=("交通费补助",)),
)

PLAN_COLUMNS = (
    *IDENTITY,
    ColumnSpec("planned", "是否计划务工", required=True, aliases=("是否计划外出务工",)),
    ColumnSpec("planned_county", "计划务工所在县", aliases=("计划外出务工所在县",)),
    ColumnSpec("service_need", "就业服务需求"),
)

EPISODE_TITLE = "（务工月监测）已外出务工信息"
PLAN_TITLE = "（务工月监测）计划外出务工信息"
EPISODE_FILE = "已外出务工信息"
PLAN_FILE = "计划外出务工信息"
HEADER_ROW = 3


def title_rows(kind: str, *, region_name: str, period: str) -> list[list[str]]:
    """The two title rows above the header (row 1 the sheet's title, row 2 region and month)."""
    title = EPISODE_TITLE if kind == "work_episodes" else PLAN_TITLE
    return [[title], [f"行政区划：{region_name}", f"统计月份：{month_text(period)}"]]


_MONTH = re.compile(r"^(\d{4})年(0[1-9]|1[0-2])月$")
_MONTH_LOOSE = re.compile(r"^(\d{4})(?:年|-|/|\.)?(0?[1-9]|1[0-2])月?$")


def month_parse(text: str | None) -> str | None:
    """``2025年11月`` -> ``2025-11``. Also accepts ``2025-11``, ``202511`` and ``2025年1月`` (what hand-made
    files hold); None if it is not a month."""
    if not text:
        return None
    m = _MONTH.match(text) or _MONTH_LOOSE.match(text)
    if not m:
        return None
    return f"{m.group(1)}-{int(m.group(2)):02d}"


def month_text(period: str | None) -> str:
    """``2025-11`` -> ``2025年11月`` (the national form); empty stays empty."""
    if not period:
        return ""
    return f"{period[:4]}年{period[5:7]}月"


def month_index(period: str) -> int:
    return int(period[:4]) * 12 + int(period[5:7]) - 1


# Provinces and their kind; the four municipalities have districts straight under them.
_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PROVINCE = re.compile(
    r"^(.{2,3}?省|.{2,8}?自治区|北京市|天津市|上海市|重庆市|香港特别行政区|澳门特别行政区)"
)
_PREFECTURE = re.compile(r"^(.{1,12}?(?:市|自治州|州|地区|盟))")
_COUNTY = re.compile(r"^.{1,12}(?:县|区|市|旗|自治县|自治旗|特区|林区|新区)$")
HOME_PROVINCE = "云南省"


@dataclass(frozen=True)
class Place:
    province: str
    county_full: str  # province + prefecture + county as written, no spaces


def place_parse(text: str | None) -> Place | None:
    """A work place written down to the county (R-EMP-10, checks 4_12_001 / 5_01_005): province, then
    prefecture (not for the four municipalities), then county, e.g. ``广东省深圳市宝安区``, ``上海市松江区``.
    None when it stops above the county (``广东省``, ``广东省深圳市``) or is not a place."""
    if not text:
        return None
    t = re.sub(r"\s+", "", text)
    m = _PROVINCE.match(t)
    if not m:
        return None
    province, rest = m.group(1), t[m.end() :]
    if province not in _MUNICIPALITIES:
        p = _PREFECTURE.match(rest)
        if not p:
            return None
        rest = rest[p.end() :]
    elif rest.startswith("市辖区"):
        rest = rest[3:]
    if not _COUNTY.match(rest):
        return None
    return Place(province=province, county_full=t)
