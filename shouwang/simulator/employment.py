"""The national 务工月监测 exports of the simulated county (CONTRACT §4, POLICY R-EMP-03):
``DIR/employment/YYYY-MM/已外出务工信息.xlsx`` and ``计划外出务工信息.xlsx``, two title rows and the header on
row 3, every cell text, as the national system writes them.

Episodes come from the work the simulation already does (processes/work.py): a person's consecutive
months at work are one episode. Seasonal migrants leave after the Spring Festival (their season starts in
February or March) and come home for it, so most migrant episodes end in December or January; a job lost
(``job_loss`` in the truth) or an illness ends an episode early; a new job, or the same job after the
festival, is a new episode. The wage is the month's wage when the episode starts.

The column names are written out here again rather than imported: the simulator stands for the national
system, and the round-trip test checks that Shouwang's reader (employment/layout.py) agrees with it.
Who appears: members of 脱贫 households and monitoring objects' households that are in the registry written
at the start, and who were neither students nor without labour then (the simulator writes no person
updates, so the registry would still call a school leaver a student).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import polars as pl

from shouwang.simulator import fmt
from shouwang.simulator.codes import CATEGORIES, Labour, Place, School
from shouwang.simulator.places import Region
from shouwang.simulator.processes.work import working_now
from shouwang.simulator.world import World

EPISODE_HEADER = (
    "县",
    "乡",
    "行政村",
    "户编号",
    "人编号",
    "证件号码",
    "户类型",
    "监测对象类别",
    "劳动技能",
    "是否已务工",
    "开始时间",
    "结束时间",
    "务工所在县",
    "务工月收入",
    "务工企业名称",
    "所属行业",
    "就业渠道",
    "是否点对点输送",
    "年度交通费补助",
)
PLAN_HEADER = (*EPISODE_HEADER[:9], "是否计划务工", "计划务工所在县", "就业服务需求")
EPISODE_TITLE = "（务工月监测）已外出务工信息"
PLAN_TITLE = "（务工月监测）计划外出务工信息"

CATEGORY_LABELS = {"": "", "unstable": "脱贫不稳定户", "marginal": "边缘易致贫户", "sudden": "突发严重困难户"}
LABOUR_LABELS = ("技能劳动力", "普通劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力")
DESTINATIONS = (
    "广东省深圳市宝安区",
    "广东省佛山市南海区",
    "浙江省宁波市慈溪市",
    "浙江省金华市义乌市",
    "福建省泉州市晋江市",
    "江苏省苏州市昆山市",
    "上海市松江区",
)
INDUSTRIES = ("制造业", "建筑业", "批发和零售业", "住宿和餐饮业", "交通运输、仓储和邮政业", "居民服务业")
FIRMS = ("鑫源", "华达", "宏泰", "金辉", "永盛", "恒通", "瑞丰", "博远")
FIRM_KINDS = (
    "电子有限公司",
    "建筑工程有限公司",
    "食品有限公司",
    "物流有限公司",
    "服装有限公司",
    "餐饮管理有限公司",
)
NEEDS = ("职业介绍", "技能培训", "岗位推荐", "创业扶持")
WORKSHOP_SHARE = 0.2  # of local (non-post) jobs: a 就业帮扶车间
P2P_SHARE = 0.3  # of out-of-province episodes: 点对点输送
TRANSPORT_SUBSIDY_YUAN = 500  # 年度交通费补助 after 3 months out of province (R-EMP-09, 百里杜鹃)
NONE = -32000


class EpisodeBook:
    """Open episodes per person and the closed ones, month by month."""

    def __init__(
        self, world: World, in_registry: np.ndarray, county_full_names: list[str], others: list[str]
    ) -> None:
        self.world = world
        ps, hh = world.ps, world.hh
        n = ps.n
        # Persons the exports may name (module doc); later arrivals never appear.
        covered_hh = hh.former | (hh.category > 0)
        ok = np.zeros(ps.capacity, dtype=bool)
        ok[:n] = (
            in_registry[:n]
            & covered_hh[ps.hh[:n]]
            & (ps.school[:n] == School.NONE)
            & (ps.labour[:n] <= Labour.WEAK)
        )
        self.covered = ok
        self.county_full = county_full_names  # per simulated county index
        self.others = others  # other Yunnan counties (省内县外)
        self.open_start = np.full(ps.capacity, NONE, dtype=np.int32)
        self.open_place = np.zeros(ps.capacity, dtype=np.int8)
        self.open_wage = np.zeros(ps.capacity, dtype=np.int64)
        self.open_public = np.zeros(ps.capacity, dtype=bool)
        self.closed: list[tuple[np.ndarray, ...]] = []
        self.first = True

    def _grow(self) -> None:
        cap = self.world.ps.capacity
        if len(self.open_start) < cap:
            extra = cap - len(self.open_start)
            self.covered = np.concatenate([self.covered, np.zeros(extra, dtype=bool)])
            self.open_start = np.concatenate([self.open_start, np.full(extra, NONE, dtype=np.int32)])
            self.open_place = np.concatenate([self.open_place, np.zeros(extra, dtype=np.int8)])
            self.open_wage = np.concatenate([self.open_wage, np.zeros(extra, dtype=np.int64)])
            self.open_public = np.concatenate([self.open_public, np.zeros(extra, dtype=bool)])

    def update(self, t: int) -> None:
        """After month ``t`` has run: close the episodes of those no longer at work (or at work elsewhere),
        open one for each person who started."""
        self._grow()
        world = self.world
        ps = world.ps
        n = ps.n
        month = world.month_begin(t)
        # A person who has lost their labour since (illness, accident) is not listed as working: the national
        # checks refuse it (R-EMP-10, 4_12_002), and the village would record the work as stopped.
        working = working_now(ps, month) & self.covered[:n] & (ps.labour[:n] <= Labour.WEAK)
        is_open = self.open_start[:n] != NONE
        # A job lost in the month its season began was worked in part: a one-month episode.
        in_season = ((month.of_year - ps.sched[:n].astype(np.int64)) % 12) < ps.work_len[:n]
        brief = np.flatnonzero(
            ~is_open
            & self.covered[:n]
            & ps.unemployed[:n]
            & (ps.off_from[:n] == t)
            & in_season
            & (ps.labour[:n] <= Labour.WEAK)
            & (month.age >= 16)
        )
        if len(brief):
            self.closed.append(
                (
                    brief.astype(np.int64),
                    np.full(len(brief), t, dtype=np.int64),
                    np.full(len(brief), t, dtype=np.int64),
                    ps.place[brief].astype(np.int64),
                    np.clip(ps.wage[brief].astype(np.int64) // 100, 100, 30_000),
                    ps.public_job[brief],
                )
            )
        moved = is_open & working & (ps.place[:n] != self.open_place[:n])
        end = np.flatnonzero(is_open & (~working | moved))
        if len(end):
            self.closed.append(
                (
                    end.astype(np.int64),
                    self.open_start[end].astype(np.int64),
                    # The last month worked: a job lost this month was worked in part, so the episode
                    # ends in it (R-EMP-06 sees it the month it happens); a season that is over, or work
                    # stopped by illness or an accident (the person may have lost their labour since,
                    # R-EMP-10 4_12_002), ended last month.
                    np.where(ps.unemployed[end] & (ps.off_from[end] == t), t, t - 1).astype(np.int64),
                    self.open_place[end].astype(np.int64),
                    self.open_wage[end],
                    self.open_public[end],
                )
            )
            self.open_start[end] = NONE
        start = np.flatnonzero(working & (self.open_start[:n] == NONE))
        if self.first:
            # Work already under way when the output starts began with the person's season.
            begun = t - (month.of_year - ps.sched[start].astype(np.int64)) % 12
            self.first = False
        else:
            begun = np.full(len(start), t, dtype=np.int64)
        # Never before the month the person turned 16 (R-EMP-10, 5_16_010).
        y, m, _ = fmt.ymd(ps.birth[start])
        sixteen = (np.asarray(y, dtype=np.int64) + 16) * 12 + np.asarray(m, dtype=np.int64) - 1 - world.start
        self.open_start[start] = np.maximum(begun, sixteen)
        self.open_place[start] = ps.place[start]
        self.open_wage[start] = np.clip(ps.wage[start].astype(np.int64) // 100, 100, 30_000)
        self.open_public[start] = ps.public_job[start]

    def _episodes(self, t: int) -> tuple[np.ndarray, ...]:
        """Episodes to export for month ``t``: started by then, not ended before January of its year nor
        before the month before."""
        year_start = t - (self.world.start + t) % 12
        n = self.world.ps.n
        op = np.flatnonzero(self.open_start[:n] != NONE)
        parts = [
            (
                op.astype(np.int64),
                self.open_start[op].astype(np.int64),
                np.full(len(op), NONE, dtype=np.int64),
                self.open_place[op].astype(np.int64),
                self.open_wage[op],
                self.open_public[op],
            ),
            *self.closed,
        ]
        cols = [np.concatenate([p[k] for p in parts]) for k in range(6)]
        # An episode that ended last month is always written once, even in January, so the county's
        # ledger learns that it ended (else the next season's episode overlaps it, 5_12_001).
        keep = (cols[2] == NONE) | (cols[2] >= min(year_start, t - 1))
        person, st, en, place, wage, public = (c[keep] for c in cols)
        order = np.lexsort((st, self.world.ps.key[person], self.world.ps.hh[person]))
        return tuple(c[order] for c in (person, st, en, place, wage, public))

    def _identity(self, persons: np.ndarray) -> dict[str, pl.Series]:
        """县 … 劳动技能 of ``persons``, one Series per column."""
        world = self.world
        ps, hh, places = world.ps, world.hh, world.places
        h = ps.hh[persons]
        village = hh.village[h]
        hno = world.household_no.gather(h)
        seq = pl.Series(ps.rel[persons].astype(np.int64) * 1000 + ps.key[persons] % 1000).cast(pl.Utf8)
        return {
            "县": fmt.lookup(places.county_names, places.village_county[village]),
            "乡": fmt.lookup(places.township_names, places.village_township[village]),
            "行政村": fmt.lookup(places.village_names, village),
            "户编号": hno,
            "人编号": pl.select(pl.concat_str([pl.lit(hno), pl.lit(seq).str.zfill(5)])).to_series(),
            "证件号码": fmt.id_series(ps.key[persons]),
            "户类型": fmt.lookup(("一般农户", "脱贫户"), hh.former[h].astype(np.int64)),
            "监测对象类别": fmt.lookup(tuple(CATEGORY_LABELS[c] for c in CATEGORIES), hh.category[h]),
            "劳动技能": fmt.lookup(LABOUR_LABELS, ps.labour[persons]),
        }

    def write(self, out: Path, t: int) -> tuple[int, int]:
        """Write month ``t``'s two exports; returns (episode rows, plan rows)."""
        world = self.world
        ps, places = world.ps, world.places
        month_no = world.start + t
        folder = out / "employment" / fmt.period(month_no)
        folder.mkdir(parents=True, exist_ok=True)
        person, st, en, place, wage, public = self._episodes(t)
        k = len(person)
        key = ps.key[person].astype(np.int64)
        county = places.village_county[world.hh.village[ps.hh[person]]]
        abroad = place == Place.OUT_OF_PROVINCE
        province = place == Place.IN_PROVINCE
        local = place == Place.IN_COUNTY
        spread = key // 7 + st
        where = np.where(
            abroad,
            np.array(DESTINATIONS)[spread % len(DESTINATIONS)],
            np.where(
                province, np.array(self.others)[spread % len(self.others)], np.array(self.county_full)[county]
            ),
        )
        channel = np.where(
            public,
            "公益性岗位",
            np.where(local, np.where(key % 100 < WORKSHOP_SHARE * 100, "帮扶车间", "就近就业"), "外出务工"),
        )
        ended = en != NONE
        months_out = np.where(ended, en, t) - st + 1
        ident = self._identity(person)
        firm = np.char.add(
            np.array(FIRMS)[(key // 3) % len(FIRMS)], np.array(FIRM_KINDS)[(key // 11 + st) % len(FIRM_KINDS)]
        )
        columns = {
            **ident,
            "是否已务工": pl.Series(["是"] * k, dtype=pl.Utf8),
            "开始时间": _months(world.start + st),
            "结束时间": _months(np.where(ended, world.start + en, -1)),
            "务工所在县": pl.Series(where, dtype=pl.Utf8),
            "务工月收入": pl.Series(wage).cast(pl.Utf8),
            "务工企业名称": pl.Series(np.where(public, ident["行政村"].to_numpy(), firm), dtype=pl.Utf8),
            "所属行业": pl.Series(
                np.where(public, "公共管理和社会组织", np.array(INDUSTRIES)[(key // 13) % len(INDUSTRIES)]),
                dtype=pl.Utf8,
            ),
            "就业渠道": pl.Series(channel, dtype=pl.Utf8),
            "是否点对点输送": pl.Series(
                np.where(abroad & (key % 10 < P2P_SHARE * 10), "是", "否"), dtype=pl.Utf8
            ),
            "年度交通费补助": pl.Series(
                np.where(abroad & (months_out >= 3), str(TRANSPORT_SUBSIDY_YUAN), ""), dtype=pl.Utf8
            ),
        }
        episodes = pl.DataFrame(columns).select(EPISODE_HEADER)
        region = f"{places.province_name}{places.prefecture_name}{'、'.join(places.county_names)}"
        _write_xlsx(folder / "已外出务工信息.xlsx", EPISODE_TITLE, episodes, region=region, month_no=month_no)
        plans = self._plans(t)
        _write_xlsx(folder / "计划外出务工信息.xlsx", PLAN_TITLE, plans, region=region, month_no=month_no)
        return episodes.height, plans.height

    def _plans(self, t: int) -> pl.DataFrame:
        """Able persons not at work: planning to go (their season starts within two months, or they lost
        their job) or not."""
        world = self.world
        ps = world.ps
        n = ps.n
        month = world.month_begin(t)
        idle = self.covered[:n] & (self.open_start[:n] == NONE) & ps.counted()
        able = idle & (ps.labour[:n] <= Labour.ORDINARY) & (month.age >= 16) & (month.age <= 59)
        soon = ((ps.sched[:n].astype(np.int64) - month.of_year) % 12 <= 2) & (ps.work_len[:n] > 0)
        planned_all = soon | ps.unemployed[:n]
        persons = np.flatnonzero(able)
        persons = persons[np.lexsort((ps.key[persons], ps.hh[persons]))]
        key = ps.key[persons].astype(np.int64)
        planned = planned_all[persons]
        abroad = ps.place[persons] == Place.OUT_OF_PROVINCE
        columns = {
            **self._identity(persons),
            "是否计划务工": pl.Series(np.where(planned, "是", "否"), dtype=pl.Utf8),
            "计划务工所在县": pl.Series(
                np.where(planned & abroad, np.array(DESTINATIONS)[key % len(DESTINATIONS)], ""), dtype=pl.Utf8
            ),
            "就业服务需求": pl.Series(
                np.where(planned, np.array(NEEDS)[key % len(NEEDS)], ""), dtype=pl.Utf8
            ),
        }
        return pl.DataFrame(columns).select(PLAN_HEADER)


def _months(month_nos: np.ndarray) -> pl.Series:
    """``2025年03月``; a negative month number is blank."""
    periods = fmt.period_series(np.asarray(month_nos, dtype=np.int64))
    return pl.select(
        pl.concat_str(
            [pl.lit(periods).str.slice(0, 4), pl.lit("年"), pl.lit(periods).str.slice(5, 2), pl.lit("月")]
        )
        .fill_null("")
        .alias("m")
    ).to_series()


def _month(month_no: int) -> str:
    p = fmt.period(month_no)
    return f"{p[:4]}年{p[5:]}月"


# A minimal XLSX written directly (openpyxl spends ~0.6 ms a row; a county of 20,000 households writes half a
# million ledger rows over two years). Cells are inline strings, so every cell is text, as in the national
# export; the zip entries carry the month's first day, so a seed gives the same bytes.
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/></Relationships>'
    ),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
_COLUMNS = [chr(65 + i) for i in range(26)]


def _workbook(sheet_name: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _write_xlsx(path: Path, title: str, rows: pl.DataFrame, *, region: str, month_no: int) -> None:
    header = rows.columns
    width = len(header)
    names = [f"c{k}" for k in range(width)]
    lead = pl.DataFrame(
        [
            [title] + [""] * (width - 1),
            [f"行政区划：{region}", f"统计月份：{_month(month_no)}"] + [""] * (width - 2),
            list(header),
        ],
        schema=names,
        orient="row",
    )
    frame = pl.concat([lead, rows.rename(dict(zip(header, names, strict=True))).fill_null("")])
    n = pl.int_range(1, frame.height + 1, eager=False).cast(pl.Utf8)
    cells = [
        pl.when(pl.col(f"c{k}").fill_null("") != "")
        .then(
            pl.concat_str(
                [
                    pl.lit(f'<c r="{_COLUMNS[k]}'),
                    n,
                    pl.lit('" t="inlineStr"><is><t>'),
                    pl.col(f"c{k}")
                    .str.replace_all("&", "&amp;", literal=True)
                    .str.replace_all("<", "&lt;", literal=True)
                    .str.replace_all(">", "&gt;", literal=True),
                    pl.lit("</t></is></c>"),
                ]
            )
        )
        .otherwise(pl.lit(""))
        for k in range(width)
    ]
    xml_rows = frame.select(
        pl.concat_str([pl.lit('<row r="'), n, pl.lit('">'), *cells, pl.lit("</row>")]).alias("row")
    ).get_column("row")
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "".join(xml_rows.to_list())
        + "</sheetData></worksheet>"
    )
    parts = {**_PARTS, "xl/workbook.xml": _workbook(path.stem), "xl/worksheets/sheet1.xml": sheet}
    period = fmt.period(month_no)
    stamp = (int(period[:4]), int(period[5:]), 1, 0, 0, 0)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in parts.items():
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(entry, text.encode("utf-8"))


def yunnan_counties(regions: dict[str, Region], home: list[str]) -> tuple[list[str], list[str]]:
    """Full names (province + prefecture + county) of the simulated counties, and of the other Yunnan
    counties (destinations of 省内县外 work)."""

    def full(code: str) -> str:
        chain = []
        while code:
            r = regions[code]
            chain.append(r.name)
            code = r.parent_code
        return "".join(reversed(chain))

    counties = sorted(c for c, r in regions.items() if r.level == "county")
    return [full(c) for c in home], [full(c) for c in counties if c not in home]
