"""The 务工月监测 ledger through its promised interfaces (CONTRACT §4, POLICY R-EMP-03/10): real XLSX files
with two title rows and the header on row 3 (openpyxl), GB18030 CSV with Chinese headers, a simulated
county's exports, and the ``shouwang import/export employment`` commands."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.common.errors import InputRefused
from shouwang.employment.layout import month_parse, place_parse
from shouwang.employment.models import LabourRecord, WorkEpisode, WorkPlan
from shouwang.employment.services import ledger_export, ledger_import
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.registry_import import registry_import
from shouwang.simulator.services import simulation_run, simulation_validate
from shouwang.testing.builders import COUNTY, make_household

HEADER = [
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
]
HOME = "云南省曲靖市会泽县"
ABROAD = "广东省深圳市宝安区"

# The household of the hostile files: 脱贫户 H_ZHAO with six members (distinct seqs, see builders).
MEMBERS: dict[str, dict[str, Any]] = {
    "adult": {"seq": 51, "name": "赵大", "birth": dt.date(1980, 4, 2), "relation": "head"},
    "wife": {"seq": 52, "name": "钱二", "birth": dt.date(1984, 7, 9), "relation": "spouse"},
    "teen": {
        "seq": 53,
        "name": "赵小",
        "birth": dt.date(2010, 3, 1),
        "relation": "child",
        "labour": "ordinary",
    },
    "student": {
        "seq": 54,
        "name": "赵学",
        "birth": dt.date(2005, 9, 1),
        "relation": "child",
        "school_status": "undergraduate",
    },
    "disabled": {
        "seq": 55,
        "name": "赵残",
        "birth": dt.date(1970, 1, 5),
        "relation": "sibling",
        "labour": "lost",
    },
    "cousin": {"seq": 56, "name": "赵堂", "birth": dt.date(1990, 5, 5), "relation": "other"},
}


def pid(who: str) -> str:
    m = MEMBERS[who]
    return idnumber.make(COUNTY, m["birth"], m["seq"])


def row(
    who: str, start: str, end: str = "", county: str = ABROAD, wage: str = "4000", **over: str
) -> list[str]:
    cells = {
        "县": "会泽县",
        "乡": "古城街道",
        "行政村": "堂琅社区",
        "户编号": "H_ZHAO",
        "人编号": f"P{MEMBERS[who]['seq']}",
        "证件号码": pid(who),
        "户类型": "脱贫户",
        "监测对象类别": "",
        "劳动技能": "普通劳动力",
        "是否已务工": "是",
        "开始时间": start,
        "结束时间": end,
        "务工所在县": county,
        "务工月收入": wage,
        "务工企业名称": "宏泰电子有限公司",
        "所属行业": "制造业",
        "就业渠道": "外出务工",
        "是否点对点输送": "否",
        "年度交通费补助": "",
        **over,
    }
    return [cells[h] for h in HEADER]


def write_xlsx(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["（务工月监测）已外出务工信息"])
    ws.append(["行政区划：云南省曲靖市会泽县", "统计月份：2025年06月"])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list[str]], encoding: str = "gb18030") -> Path:
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def snapshot() -> tuple[int, int, int, int, int]:
    return (
        WorkEpisode.objects.count(),
        WorkPlan.objects.count(),
        LabourRecord.objects.count(),
        ImportBatch.objects.count(),
        AuditEntry.objects.count(),
    )


def reasons(exc: InputRefused) -> list[tuple[int | None, str, str]]:
    return [(e.row, e.column, e.reason) for e in exc.errors]


def has(found: list[tuple[int | None, str, str]], row_no: int, column: str, rule: str) -> bool:
    return any(r == row_no and column in c and rule in why for r, c, why in found)


# --- Pure pieces -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("广东省深圳市宝安区", True),
        ("上海市松江区", True),
        ("云南省楚雄彝族自治州楚雄市", True),
        ("云南省曲靖市会泽县", True),
        ("广东省", False),
        ("广东省深圳市", False),
        ("深圳", False),
        ("", False),
    ],
)
def test_a_work_place_must_name_a_county(text: str, ok: bool) -> None:
    assert (place_parse(text) is not None) is ok


def test_months_are_read_in_the_national_form() -> None:
    assert month_parse("2025年11月") == "2025-11"
    assert month_parse("2025年1月") == "2025-01"
    assert month_parse("2025-13") is None
    assert month_parse("十一月") is None


# --- Hostile files -----------------------------------------------------------------------------------------


@pytest.fixture
def zhao(db: Any) -> None:
    make_household("H_ZHAO", members=list(MEMBERS.values()))


HOSTILE = [
    row("adult", "2025年01月", "2025年06月"),  # row 4
    row("adult", "2025年05月", "", wage="80"),  # row 5: overlaps row 4; wage 80
    row("wife", "2025年02月", "", county=""),  # row 6: blank work county
    row("teen", "2025年01月"),  # row 7: 15 years old
    row("student", "2025年03月"),  # row 8: a student working
    row("disabled", "2025年03月", county=HOME, 就业渠道="就近就业"),  # row 9: no labour
    row("cousin", "2025年04月", 就业渠道="公益岗位"),  # row 10: public post outside the county
    row("cousin", "2024年01月", "2024年03月", county="广东省"),  # row 11: not to county level
]


def _expect_every_reason(found: list[tuple[int | None, str, str]], first: int) -> None:
    r = first  # file row of HOSTILE[0]
    assert has(found, r + 1, "开始时间", "5_12_001")  # overlapping episodes
    assert has(found, r + 1, "务工月收入", "5_16_001")  # wage 80
    assert has(found, r + 2, "务工所在县", "4_12_001")  # blank work county
    assert has(found, r + 3, "开始时间", "5_16_010")  # work before 16
    assert has(found, r + 4, "是否已务工", "4_01_006")  # a student working
    assert has(found, r + 5, "是否已务工", "4_12_002")  # no labour working
    assert has(found, r + 6, "就业渠道", "5_01_003")  # 公益岗位 outside the home county
    assert has(found, r + 7, "务工所在县", "4_12_001")  # 广东省: not a county


def test_a_hostile_xlsx_is_refused_with_every_reason_and_nothing_written(zhao: None, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "已外出务工信息.xlsx", HOSTILE)
    before = snapshot()
    with pytest.raises(InputRefused) as info:
        ledger_import(paths=[path], period="2025-06")
    found = reasons(info.value)
    _expect_every_reason(found, first=4)  # two title rows, header on row 3
    assert all("已外出务工信息.xlsx" in c for _, c, _ in found)
    assert snapshot() == before


def test_a_hostile_gb18030_csv_with_chinese_headers_is_refused(zhao: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ledger.csv", HOSTILE)
    assert path.read_bytes().decode("gb18030") and b"\xe5" not in path.read_bytes()[:4]  # not UTF-8
    before = snapshot()
    with pytest.raises(InputRefused) as info:
        ledger_import(paths=[path], period="2025-06")
    _expect_every_reason(reasons(info.value), first=2)  # one header row
    assert snapshot() == before


def test_an_unknown_person_and_a_wrong_household_are_refused(zhao: None, tmp_path: Path) -> None:
    stranger = idnumber.make(COUNTY, dt.date(1985, 1, 1), 99)
    rows = [row("adult", "2025年01月", 证件号码=stranger), row("wife", "2025年01月", 户编号="H_OTHER")]
    before = snapshot()
    with pytest.raises(InputRefused) as info:
        ledger_import(paths=[write_xlsx(tmp_path / "x.xlsx", rows)], period="2025-06")
    found = reasons(info.value)
    assert has(found, 4, "证件号码", "登记库中没有该证件号码")
    assert has(found, 5, "户编号", "H_ZHAO")
    assert snapshot() == before


def test_the_cleaned_file_is_accepted_and_the_roster_follows(zhao: None, tmp_path: Path) -> None:
    clean = [
        row("adult", "2025年01月", "2025年04月"),
        row("adult", "2025年05月", "", wage="4500"),
        row("wife", "2025年02月", "", county=HOME, 就业渠道="公益岗位", 务工企业名称="堂琅社区"),
        row("cousin", "2025年04月", county="云南省昆明市五华区"),
    ]
    with pytest.raises(InputRefused):
        ledger_import(paths=[write_xlsx(tmp_path / "bad.xlsx", HOSTILE)], period="2025-06")
    result = ledger_import(paths=[write_xlsx(tmp_path / "good.xlsx", clean)], period="2025-06")
    assert [f.created for f in result.files] == [4]
    assert WorkEpisode.objects.count() == 4
    statuses = dict(LabourRecord.objects.filter(period="2025-06").values_list("person__name", "status"))
    assert statuses["赵大"] == "out_of_province"
    assert statuses["钱二"] == "public_post"
    assert statuses["赵堂"] == "in_province"
    assert statuses["赵学"] == "student"
    assert statuses["赵残"] == "no_capacity"
    assert "赵小" not in statuses  # 15: not of working age
    batch = ImportBatch.objects.get(pk=int(result.files[0].batch_id or 0))
    assert (batch.kind, batch.status, batch.region) == ("work_episodes", "succeeded", COUNTY)
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).count() == 1
    # The same file again changes nothing.
    again = ledger_import(paths=[tmp_path / "good.xlsx"], period="2025-06")
    assert again.files[0].duplicate and ImportBatch.objects.count() == 1


# --- A simulated county: import its exports, export them back ---------------------------------------------


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulation_run(params=simulation_validate(households=150, months=3, seed=2026, out=out, start="2025-01"))
    return out


def _sheet(path: Path) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    rows = [tuple("" if v is None else str(v) for v in r) for r in load_workbook(path).worksheets[0].values]
    return rows[:3], sorted(rows[3:])


def test_a_simulated_countys_exports_round_trip(county: Path, tmp_path: Path, db: Any) -> None:
    registry_import(paths=sorted((county / "registry").glob("*.csv")))
    for month in ("2025-01", "2025-02", "2025-03"):
        files = sorted((county / "employment" / month).glob("*.xlsx"))
        assert len(files) == 2
        ledger_import(paths=files, period=month)
    out = tmp_path / "export"
    result = ledger_export(period="2025-03", out=out)
    assert result.episodes > 50 and result.plans > 10
    for name in ("已外出务工信息", "计划外出务工信息"):
        theirs = _sheet(county / "employment" / "2025-03" / f"{name}.xlsx")
        ours = _sheet(out / f"{name}.xlsx")
        assert ours[0][2] == theirs[0][2]  # header on row 3, same columns in the same order
        assert ours[0][:2] == theirs[0][:2]  # the two title rows
        assert ours[1] == theirs[1]

    # Spring Festival: migrants leave after it, so more episodes are open in March than in January.
    def away(month: str) -> int:
        rows = _sheet(county / "employment" / month / "已外出务工信息.xlsx")[1]
        return sum(1 for r in rows if not r[11])

    assert away("2025-03") > away("2025-01")
    # The CSV export reads back to the same rows (UTF-8 with BOM, one header row).
    csv_out = tmp_path / "csv"
    ledger_export(period="2025-03", out=csv_out, fmt="csv")
    with open(csv_out / "已外出务工信息.csv", encoding="utf-8-sig", newline="") as f:
        read = list(csv.reader(f))
    assert tuple(read[0]) == _sheet(out / "已外出务工信息.xlsx")[0][2]
    assert sorted(tuple(r) for r in read[1:]) == _sheet(out / "已外出务工信息.xlsx")[1]
    assert AuditEntry.objects.filter(action="export", object_type="work_ledger").count() == 2


def test_the_commands_import_refuse_and_export(zhao: None, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", HOSTILE)
    before = snapshot()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "employment", str(bad), "--period", "2025-06")
    assert exit_info.value.code == 2
    assert snapshot() == before
    good = write_csv(tmp_path / "good.csv", [row("adult", "2025年01月")])
    call_command("import", "employment", str(good), "--period", "2025-06")
    call_command("export", "employment", "--period", "2025-06", "--out", str(tmp_path / "out"))
    assert _sheet(tmp_path / "out" / "已外出务工信息.xlsx")[1] == [tuple(row("adult", "2025年01月"))]


def test_a_gb18030_csv_with_title_rows_and_an_extra_column_is_kept(zhao: None, tmp_path: Path) -> None:
    path = tmp_path / "title.csv"
    with open(path, "w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["（务工月监测）已外出务工信息"])
        w.writerow(["行政区划：云南省曲靖市会泽县", "统计月份：2025年06月"])
        w.writerow([*HEADER, "备注"])
        w.writerow([*row("adult", "2025年01月"), "春节后返岗"])
        w.writerow([*row("wife", "2025年02月", wage="99"), ""])
    with pytest.raises(InputRefused) as info:
        ledger_import(paths=[path], period="2025-06")
    assert [(e.row, e.column.split("：")[-1]) for e in info.value.errors] == [(5, "务工月收入")]  # file row 5
    rewritten = path.read_text(encoding="gb18030").replace(",99,", ",3200,")
    path.write_bytes(rewritten.encode("gb18030"))
    result = ledger_import(paths=[path], period="2025-06")
    assert result.files[0].created == 2
    ledger_export(period="2025-06", out=tmp_path / "out")
    title, rows = _sheet(tmp_path / "out" / "已外出务工信息.xlsx")
    assert title[2] == (*HEADER, "备注")
    assert (*row("adult", "2025年01月"), "春节后返岗") in rows
    assert (*row("wife", "2025年02月", wage="3200"), "") in rows
