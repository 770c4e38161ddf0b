"""The exchange-file reader and column validators (CONTRACT §2) with real files on disk."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import polars as pl
import pytest
from openpyxl import Workbook

from shouwang.common import idnumber
from shouwang.common.errors import InputRefused
from shouwang.exchange.files import (
    ColumnSpec,
    TableValidator,
    archive_file,
    cents_to_str,
    read_header,
    read_table,
    sha256_file,
)
from shouwang.exchange.registry_import.columns import INCOME_COLUMNS, PERSON_COLUMNS
from shouwang.registry.choices import RelationChoices, SexChoices

GOOD = idnumber.make("530326", dt.date(1980, 5, 17), 123)
GOOD2 = idnumber.make("530326", dt.date(1990, 1, 2), 224)
SPECS = [
    ColumnSpec("household_no", "户编号", True),
    ColumnSpec("id_number", "证件号码", True, "id"),
    ColumnSpec("name", "姓名", True),
    ColumnSpec("settled_on", "结算日期", False, "date"),
    ColumnSpec("period", "期间", False, "period"),
    ColumnSpec("amount", "金额", False, "money"),
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(path: Path, rows: list[list[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def refusal(fn: object, *args: object, **kwargs: object) -> InputRefused:
    with pytest.raises(InputRefused) as info:
        fn(*args, **kwargs)  # type: ignore[operator]
    return info.value


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_chinese_headers(tmp_path: Path, encoding: str) -> None:
    text = f"户编号,证件号码,姓名,金额\nH1,{GOOD},张三丰,12.50\nH2,{GOOD2}, 李四 ,\n"
    t = read_table(write(tmp_path / "a.csv", text, encoding), columns=SPECS, kind_label="测试")
    assert t.encoding == encoding
    assert t.frame.columns == [s.name for s in SPECS]
    assert t.frame.get_column("name").to_list() == ["张三丰", "李四"]  # stripped
    assert t.frame.get_column("amount").to_list() == ["12.50", None]  # empty -> null
    assert t.frame.get_column("settled_on").to_list() == [None, None]  # optional column absent
    assert t.headers["id_number"] == "证件号码"
    assert t.first_data_row == 2 and t.warnings == []
    assert t.checksum == hashlib.sha256((tmp_path / "a.csv").read_bytes()).hexdigest()


def test_canonical_headers_quotes_and_unknown_columns(tmp_path: Path) -> None:
    text = f'household_no,id_number,name,note\nH1,{GOOD},"Zhang, San",x\n'
    t = read_table(write(tmp_path / "a.csv", text), columns=SPECS, kind_label="测试")
    assert t.frame.get_column("name").to_list() == ["Zhang, San"]
    assert t.warnings == ["未知列“note”已忽略"]


def test_missing_required_and_duplicate_columns_are_refused(tmp_path: Path) -> None:
    exc = refusal(
        read_table,
        write(tmp_path / "a.csv", "户编号,姓名,name\nH1,张,张\n"),
        columns=SPECS,
        kind_label="测试",
    )
    text = exc.report()
    assert "缺少必填列“证件号码”" in text
    assert "第1行“name”列" in text and "重复" in text


def test_undecodable_empty_header_only_and_truncated_csv(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"household_no,id_number,name\n\xff\xfe\x81\x20\n")
    assert "文件编码无法识别" in str(refusal(read_table, bad, columns=SPECS, kind_label="测试"))
    assert "为空" in str(refusal(read_table, write(tmp_path / "e.csv", ""), columns=SPECS, kind_label="测试"))
    header_only = write(tmp_path / "h.csv", "household_no,id_number,name\n")
    assert "没有数据行" in str(refusal(read_table, header_only, columns=SPECS, kind_label="测试"))
    assert read_table(header_only, columns=SPECS, kind_label="测试", allow_empty=True).frame.height == 0
    cut = write(tmp_path / "t.csv", f"household_no,id_number,name\nH1,{GOOD},张\nH2,{GOOD2}")
    exc = refusal(read_table, cut, columns=SPECS, kind_label="测试")
    assert exc.errors[0].row == 3 and "截断" in exc.errors[0].reason
    quoted = write(tmp_path / "q.csv", f'household_no,id_number,name\nH1,{GOOD},"张\nH2')
    assert refusal(read_table, quoted, columns=SPECS, kind_label="测试").errors


def test_xlsx_numbers_dates_and_numeric_ids(tmp_path: Path) -> None:
    path = xlsx(
        tmp_path / "a.xlsx",
        [
            ["户编号", "证件号码", "姓名", "结算日期", "期间", "金额"],
            [
                5303260010010001,
                530326198005171234,
                "张",
                dt.datetime(2024, 3, 5),
                dt.datetime(2024, 12, 1),
                12.5,
            ],
            ["H2", GOOD, "李", dt.date(2024, 1, 2), "2024-11", 100],
            [None, None, None, None, None, None],  # trailing empty row
        ],
    )
    t = read_table(path, columns=SPECS, kind_label="测试")
    assert t.encoding == "xlsx" and t.frame.height == 2
    row = t.frame.row(0, named=True)
    assert row["household_no"] == "5303260010010001"
    # A number cell comes back in numeric form (digits beyond 15–17 significant ones are already lost).
    assert re.fullmatch(r"5\.3032619800517\d*e\+17", row["id_number"])
    assert row["settled_on"] == "2024-03-05" and row["period"] == "2024-12" and row["amount"] == "12.5"
    v = TableValidator(t)
    v.id_number("id_number")
    assert v.errors[0].row == 2 and v.errors[0].column == "证件号码" and "科学计数法" in v.errors[0].reason


def test_empty_and_truncated_xlsx(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    Workbook().save(empty)
    assert "为空" in str(refusal(read_table, empty, columns=SPECS, kind_label="测试"))
    full = xlsx(tmp_path / "full.xlsx", [["户编号", "证件号码", "姓名"], ["H1", GOOD, "张"]])
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full.read_bytes()[:500])
    assert "XLSX文件已损坏或不完整" in str(refusal(read_table, cut, columns=SPECS, kind_label="测试"))
    assert read_header(full) == ["户编号", "证件号码", "姓名"]


def table(tmp_path: Path, header: str, *rows: str, specs: list[ColumnSpec] | None = None) -> TableValidator:
    text = header + "\n" + "\n".join(rows) + "\n"
    return TableValidator(
        read_table(write(tmp_path / "v.csv", text), columns=specs or SPECS, kind_label="测试")
    )


def test_id_validation_vectorised_matches_idnumber(tmp_path: Path) -> None:
    wrong = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    future = idnumber.make("530326", dt.date.today(), 1)[:6] + "20991231001"
    values = [
        GOOD,
        GOOD.lower(),
        "5.30326E+17",
        GOOD[:15] + "000",
        GOOD[:15],
        wrong,
        "53032619800231123X",
        future,
        "ABC",
    ]
    v = table(tmp_path, "household_no,id_number,name", *[f"H,{x},n" for x in values])
    ids = v.id_number("id_number")
    assert ids.get_column("id_number").to_list()[:2] == [GOOD, GOOD.upper()]
    assert ids.get_column("birth_date").to_list()[0] == dt.date(1980, 5, 17)
    assert ids.get_column("sex").to_list()[0] == ("M" if int(GOOD[16]) % 2 else "F")
    assert [e.row for e in v.errors] == [4, 5, 6, 7, 8, 9, 10]
    for e in v.errors:
        with pytest.raises(idnumber.IdNumberError) as info:
            idnumber.parse(e.value)
        assert e.reason == str(info.value) and e.column == "id_number"


def test_dates_periods_money_flags_enums_integers_phones(tmp_path: Path) -> None:
    specs = [
        ColumnSpec("d", "日期", False, "date"),
        ColumnSpec("p", "期间", False, "period"),
        ColumnSpec("m", "金额", False, "money"),
        ColumnSpec("f", "标志", False, "flag"),
        ColumnSpec("r", "关系", False, "enum"),
        ColumnSpec("s", "性别", False, "enum"),
        ColumnSpec("i", "整数", False, "int"),
        ColumnSpec("t", "电话", False, "phone"),
    ]
    v = table(
        tmp_path,
        "日期,期间,金额,标志,关系,性别,整数,电话",
        "2024-02-29,2024-12,0.5,Y,户主,男,3,13800001234",
        "2023-02-29,2024-13,-1,maybe,boss,X,3.5,1380000123",
        "2024/1/2,2024-1,1.234,是,spouse,F,12,138-0000-1234",
        f"{dt.date.today() + dt.timedelta(days=2)},,abc,否,,,,",
        specs=specs,
    )
    assert v.date("d").to_list()[0] == dt.date(2024, 2, 29)
    assert v.period("p", required=False).to_list() == ["2024-12", None, None, None]
    assert v.money("m").to_list() == [50, None, None, None]
    assert v.flag("f").to_list() == [True, None, True, False]
    assert v.enum("r", RelationChoices).to_list() == ["head", None, "spouse", None]
    assert v.enum("s", SexChoices).to_list() == ["M", None, "F", None]
    assert v.integer("i", low=0, high=12).to_list() == [3, None, 12, None]
    assert v.phone("t").to_list() == ["13800001234", None, "13800001234", None]
    found = {(e.row, e.column) for e in v.errors}
    assert found == {
        (3, "日期"),
        (4, "日期"),
        (5, "日期"),
        (3, "期间"),
        (4, "期间"),
        (3, "金额"),
        (4, "金额"),
        (5, "金额"),
        (3, "标志"),
        (3, "关系"),
        (3, "性别"),
        (3, "整数"),
        (3, "电话"),
    }
    reasons = {(e.row, e.column): e.reason for e in v.errors}
    assert reasons[(3, "金额")] == "金额不能为负数"
    assert reasons[(4, "金额")] == "金额最多保留两位小数"
    assert "晚于今天" in reasons[(5, "日期")]
    with pytest.raises(InputRefused) as info:
        v.refuse_if_errors("测试文件被拒绝")
    assert len(info.value.errors) == 13 and info.value.errors[0].row == 3


def test_required_values(tmp_path: Path) -> None:
    v = table(tmp_path, "household_no,id_number,name", f"H1,{GOOD},", f",{GOOD2},李")
    v.required("name")
    v.required("household_no")
    assert {(e.row, e.column) for e in v.errors} == {(2, "name"), (3, "household_no")}


def test_registry_specs_accept_contract_labels(tmp_path: Path) -> None:
    header = (
        "户编号,期间,工资性收入,生产经营性收入,财产性收入,转移性收入,生产经营性支出,合规自付支出,理赔收入"
    )
    t = read_table(
        write(tmp_path / "i.csv", header + "\nH1,2024-12,1,2,3,4,5,6,7\n", "gb18030"),
        columns=INCOME_COLUMNS,
        kind_label="家庭收支",
    )
    assert t.frame.row(0) == ("H1", "2024-12", "1", "2", "3", "4", "5", "6", "7")
    assert {s.label for s in PERSON_COLUMNS} >= {"证件号码", "与户主关系", "在校生状况", "劳动技能"}


def test_sha256_archive_and_cents(tmp_path: Path, settings: object) -> None:
    settings.DATA_DIR = tmp_path / "data"  # type: ignore[attr-defined]
    f = write(tmp_path / "x.CSV", "a,b\n1,2\n")
    digest = sha256_file(f)
    stored = Path(archive_file(f, digest))
    assert stored == tmp_path / "data" / "raw" / digest[:2] / f"{digest}.csv"
    assert stored.read_bytes() == f.read_bytes()
    assert not os.access(stored, os.W_OK) or os.geteuid() == 0
    assert archive_file(f, digest) == str(stored)  # idempotent
    assert [cents_to_str(c) for c in (0, 5, 1234, None)] == ["0.00", "0.05", "12.34", None]
    assert pl.Series([1]).len() == 1
