"""Screening parameters by region and year: the seed defaults and the resolution rule.

Resolution for a region code (village or township) and a screening year Y, key by key:
1. the year wanted is Y, or Y-1 for statistics of the previous year (PREVIOUS_YEAR_KEYS);
2. among the rows of the region and its ancestors, take the greatest year ≤ the year wanted
   (a value set for an earlier year carries forward until a newer one is set);
3. within that year, the most specific region (village → township → county → prefecture → province);
4. within that region and year, the latest version.
If no row is ≤ the year wanted, the earliest later year is used and the run records a note.
Only rows with ``id ≤ max_id`` are considered, which is how a re-run reproduces an earlier run.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Max

from shouwang.regions.selectors import region_ancestors
from shouwang.screening.choices import PREVIOUS_YEAR_KEYS
from shouwang.screening.choices import ParameterKeyChoices as K
from shouwang.screening.models import Parameter

PROVINCE = "53"
BASE_YEAR = 2021  # first year of the transition period; static defaults are set for it

_ASSUMPTION = "假设值，待省级主管部门确认后修改。"

# Decision 0310: the "near the line" band is 1.5 × the line, the multiple POLICY uses for every edge band
# (低保边缘 R-OBJ-06, 支出型低保边缘 R-INC-05). Release 0004 seeded 1.3; migration 0005 moves an untouched
# 1.3 to 1.5 as a new version.
NEAR_LINE_RATIO_DEFAULT = "1.5"
NEAR_LINE_RATIO_NOTE = (
    "R-OBJ-05“八必访”第1、2、6、7、8类（收入低或下降、大病慢病、非义务教育、务工不稳定、灾害）：有部门数据显示的"
    "风险原因，且收入低于监测范围1.5倍时预警入户核查；1.5倍与低保边缘（R-OBJ-06）、支出型低保边缘（R-INC-05）"
    "的边缘标准一致。" + _ASSUMPTION
)

# (key, year, value, assumption, note). Seeded for province 53 by migration 0002.
DEFAULTS: tuple[tuple[str, int, str, bool, str], ...] = (
    (
        K.THRESHOLD,
        2021,
        "6000",
        True,
        "R-THR-02：全国底线为2016–2020年贫困标准的1.5倍（6000元）；云南2021年数值未找到（R-THR-04）。"
        + _ASSUMPTION,
    ),
    (
        K.THRESHOLD,
        2023,
        "8050",
        False,
        "R-THR-04：元谋县2023年监测范围8050元（yncxym.gov.cn），很可能即全省标准，尚未证实。",
    ),
    (
        K.THRESHOLD,
        2024,
        "8400",
        True,
        "R-THR-04：云南2024年数值未找到，按2023年8050元与2025年8700元线性插值。" + _ASSUMPTION,
    ),
    (K.THRESHOLD, 2025, "8700", False, "R-THR-04：云农办通〔2025〕1号，省定参考标准8700元。"),
    (K.THRESHOLD, 2026, "9000", True, "R-THR-03：常态化帮扶首年，省级尚未公布。" + _ASSUMPTION),
    (K.THRESHOLD, 2027, "9300", True, "R-THR-03：省级尚未公布。" + _ASSUMPTION),
    (
        K.RURAL_INCOME,
        2022,
        "15147",
        True,
        "云南省2022年农村居民人均可支配收入（近似默认值，请省级用户按统计公报核对更正）。",
    ),
    (
        K.RURAL_INCOME,
        2023,
        "16361",
        True,
        "云南省2023年农村居民人均可支配收入（近似默认值，请省级用户按统计公报核对更正）。",
    ),
    (
        K.RURAL_INCOME,
        2024,
        "17400",
        True,
        "云南省2024年农村居民人均可支配收入（近似默认值，请省级用户按统计公报核对更正）。",
    ),
    (
        K.RURAL_INCOME,
        2025,
        "18500",
        True,
        "云南省2025年农村居民人均可支配收入（近似默认值，请省级用户按统计公报核对更正）。",
    ),
    (
        K.MEDICAL_SHARE_POOR,
        BASE_YEAR,
        "0.5",
        False,
        "R-INC-05 / R-WARN-01（河北阳原2022）：脱贫人口、监测对象自付超过上年农村居民人均可支配收入的50%。",
    ),
    (
        K.MEDICAL_SHARE_OTHER,
        BASE_YEAR,
        "1.0",
        False,
        "R-INC-05 / R-WARN-01（河北阳原2022）：其他农村参保人员自付超过上年农村居民人均可支配收入的100%。",
    ),
    (K.MEDICAL_ABSOLUTE, BASE_YEAR, "20000", False, "R-INC-05 / R-WARN-01（山东烟台）：年度自付超过2万元。"),
    (
        K.MEDICAL_INCOME_SHARE,
        BASE_YEAR,
        "0.6",
        False,
        "R-INC-05 / R-OBJ-06（内蒙古2024）：医疗加意外支出超过家庭总收入的60%为刚性支出困难。",
    ),
    (
        K.NEAR_LINE_RATIO,
        BASE_YEAR,
        NEAR_LINE_RATIO_DEFAULT,
        True,
        NEAR_LINE_RATIO_NOTE,
    ),
    (
        K.INCOME_DROP_SHARE,
        BASE_YEAR,
        "0.30",
        True,
        "R-INC-05：“收入大幅缩减”无全国数值定义，按可配置比例处理。" + _ASSUMPTION,
    ),
    (K.WATER_DAYS, BASE_YEAR, "30", False, "R-INC-05（元谋2023）：停水超过1个月。"),
    (K.OVERDUE_DAYS, BASE_YEAR, "90", True, "R-WARN-01：金融逾期预警无数值标准。" + _ASSUMPTION),
    (K.DISASTER_LOSS, BASE_YEAR, "10000", True, "R-WARN-01：应急管理灾损金额无数值标准。" + _ASSUMPTION),
    (K.WAGE_SHARE, BASE_YEAR, "0.6", True, "务工依赖户的工资性收入占比。" + _ASSUMPTION),
    (
        K.EMP_NEW_WORK_MONTHS,
        BASE_YEAR,
        "2",
        True,
        "R-EMP-06：务工结束后2个月内无新的务工、公益性岗位、帮扶车间或自主创业记录。" + _ASSUMPTION,
    ),
    (
        K.EMP_WAGE_SHARE,
        BASE_YEAR,
        "0.5",
        True,
        "R-EMP-06：家庭工资性收入占纯收入不低于50%。" + _ASSUMPTION,
    ),
    (
        K.EMP_DROP_SHARE,
        BASE_YEAR,
        "0.10",
        True,
        "R-EMP-04：乡镇务工人数环比或同比下降超过10%时预警（文县做法，无数值）。" + _ASSUMPTION,
    ),
    (K.SEVERE_DISABILITY_GRADE, BASE_YEAR, "2", False, "R-WARN-01：残联推送新认定的重度（一、二级）残疾。"),
    (K.SCHOOL_AGE_MIN, BASE_YEAR, "6", False, "义务教育适龄儿童6周岁起（R-KPI-05 学龄儿童未在校）。"),
    (K.SCHOOL_AGE_MAX, BASE_YEAR, "15", False, "义务教育适龄少年至15周岁。"),
    (K.LABOUR_AGE_MIN, BASE_YEAR, "16", False, "R-KPI-05：16周岁以下应为无劳动力。"),
    (K.LABOUR_AGE_MAX, BASE_YEAR, "59", False, "R-KPI-05：16至未满60周岁为劳动年龄。"),
    (
        K.LABOUR_SHARE_MAX,
        BASE_YEAR,
        "0.25",
        False,
        "R-AID-05（贵州5_18_008）：缺劳动力户劳动力占比不超过1/4。",
    ),
    (K.LABOUR_LARGE_SIZE, BASE_YEAR, "4", False, "R-AID-05（贵州5_11_029）：4人及以上家庭。"),
    (K.LABOUR_LARGE_SHARE, BASE_YEAR, "0.5", False, "R-AID-05（贵州5_11_029）：有劳动能力者不足一半。"),
    (
        K.ASSET_LOAN_PRINCIPAL,
        BASE_YEAR,
        "100000",
        True,
        "R-AID-06：小额信贷每户不超过5万元（续贷最高10万元），超过10万元的贷款提示核查资产（R-INC-06）。",
    ),
    (K.ASSET_MONTHLY_WAGE, BASE_YEAR, "6000", True, "R-INC-06：成员月工资较高时提示核查。" + _ASSUMPTION),
    (K.ASSET_DISCOUNT, BASE_YEAR, "0.5", True, "R-INC-06：有资产线索时风险分折减一半。" + _ASSUMPTION),
    (
        K.SCALE_VILLAGE_MIN_COUNT,
        BASE_YEAR,
        "5",
        True,
        "规模性返贫风险（村）：同一原因至少5户。" + _ASSUMPTION,
    ),
    (
        K.SCALE_VILLAGE_MIN_SHARE,
        BASE_YEAR,
        "0.1",
        True,
        "规模性返贫风险（村）：至少占全村10%。" + _ASSUMPTION,
    ),
    (K.SCALE_TOWNSHIP_MIN_COUNT, BASE_YEAR, "15", True, "规模性返贫风险（乡镇）：至少15户。" + _ASSUMPTION),
    (K.SCALE_TOWNSHIP_MIN_SHARE, BASE_YEAR, "0.03", True, "规模性返贫风险（乡镇）：至少占3%。" + _ASSUMPTION),
    (K.SCALE_K, BASE_YEAR, "3", True, "规模性返贫风险：超过本地区近12个月均值加3倍标准差。" + _ASSUMPTION),
    (K.SCALE_MIN_HISTORY, BASE_YEAR, "3", True, "规模性返贫风险：至少有3个月历史才判断。" + _ASSUMPTION),
)


@dataclass(frozen=True)
class ParamRow:
    id: int
    region_code: str
    year: int
    key: str
    value: Decimal
    version: int


@dataclass
class ResolvedParams:
    """The parameter values for each requested region, and which parameter rows they came from."""

    values: dict[str, dict[str, Decimal]]
    used: dict[str, set[str]] = field(default_factory=dict)  # key → {"53/2025/v1", …}
    used_ids: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # key → regions without a value

    def versions_json(self) -> dict[str, list[str]]:
        return {k: sorted(v) for k, v in sorted(self.used.items())}


def params_resolve_rows(rows: Iterable[ParamRow], region_codes: Iterable[str], year: int) -> ResolvedParams:
    """Pure resolution (see module docstring) over the given parameter rows."""
    # key → region → year → latest row
    index: dict[str, dict[str, dict[int, ParamRow]]] = defaultdict(lambda: defaultdict(dict))
    regions_with_rows: set[str] = set()
    for r in rows:
        cur = index[r.key][r.region_code].get(r.year)
        if cur is None or r.version > cur.version:
            index[r.key][r.region_code][r.year] = r
        regions_with_rows.add(r.region_code)

    result = ResolvedParams(values={})
    memo: dict[tuple[str, ...], dict[str, ParamRow | None]] = {}
    noted: set[tuple[str, int]] = set()
    for code in region_codes:
        chain = tuple(c for c in region_ancestors(code) if c in regions_with_rows)
        if chain not in memo:
            memo[chain] = {k.value: _pick(index.get(k.value, {}), chain, _year_for(k.value, year)) for k in K}
        picked = memo[chain]
        values: dict[str, Decimal] = {}
        for key, row in picked.items():
            if row is None:
                result.missing.setdefault(key, []).append(code)
                continue
            values[key] = row.value
            result.used.setdefault(key, set()).add(f"{row.region_code}/{row.year}/v{row.version}")
            result.used_ids.add(row.id)
            wanted = _year_for(key, year)
            if row.year > wanted and (key, row.year) not in noted:
                noted.add((key, row.year))
                result.notes.append(
                    f"参数“{K(key).label}”在{wanted}年及以前无取值，使用{row.year}年的值{row.value}"
                )
        result.values[code] = values
    return result


def _year_for(key: str, year: int) -> int:
    return year - 1 if key in PREVIOUS_YEAR_KEYS else year


def _pick(by_region: dict[str, dict[int, ParamRow]], chain: tuple[str, ...], year: int) -> ParamRow | None:
    candidates = [(y, len(code), row) for code in chain for y, row in by_region.get(code, {}).items()]
    if not candidates:
        return None
    earlier = [c for c in candidates if c[0] <= year]
    if earlier:
        return max(earlier, key=lambda c: (c[0], c[1]))[2]
    # Nothing for this year or before: the earliest later year, most specific region.
    return min(candidates, key=lambda c: (c[0], -c[1]))[2]


def parameters_resolve(
    *, region_codes: Iterable[str], year: int, max_id: int | None = None
) -> ResolvedParams:
    """Resolve from the database (rows with ``id ≤ max_id`` when given)."""
    qs = Parameter.objects.all()
    if max_id is not None:
        qs = qs.filter(id__lte=max_id)
    rows = [ParamRow(**r) for r in qs.values("id", "region_code", "year", "key", "value", "version")]
    return params_resolve_rows(rows, region_codes, year)


def parameters_max_id() -> int:
    return int(Parameter.objects.aggregate(m=Max("id"))["m"] or 0)


def parameters_seed(*, model: Any, region_code: str = PROVINCE) -> int:
    """Version 1 of every default not yet set for (key, year) in the region; used by the migrations
    (with their historical model), so re-running adds only what a newer release introduced."""
    existing = set(model.objects.filter(region_code=region_code).values_list("key", "year"))
    rows = [
        model(region_code=region_code, year=year, key=str(key), value=Decimal(value), version=1,
              assumption=assumption, note=note)
        for key, year, value, assumption, note in DEFAULTS
        if (str(key), year) not in existing
    ]  # fmt: skip
    model.objects.bulk_create(rows)
    return len(rows)


def default_rows(region_code: str = PROVINCE) -> list[ParamRow]:
    """The seed defaults as rows (for tests and the bench, which need no database)."""
    return [
        ParamRow(id=i, region_code=region_code, year=year, key=str(key), value=Decimal(value), version=1)
        for i, (key, year, value, _a, _n) in enumerate(DEFAULTS, start=1)
    ]


def params_table_rows(resolved: ResolvedParams) -> list[dict[str, Any]]:
    """Rows of the ``params`` input table (one per village)."""
    return [{"village_code": code, **vals} for code, vals in sorted(resolved.values.items())]
