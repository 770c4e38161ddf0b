"""Text-only XLSX sheets (the national exports) are read on whole columns, giving exactly what the
openpyxl path gives; a sheet with numbers falls back to openpyxl (decision 0724)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from shouwang.employment.layout import EPISODE_COLUMNS
from shouwang.exchange import files

HEADER = [c.label for c in EPISODE_COLUMNS]
ROW = [
    "会泽县",
    "a&b",
    "<村>",
    "H1",
    "P1",
    "530326198001010011",
    " 脱贫户 ",
    "",
    '"q"',
    "是",
    "2025年01月",
    "",
    "广东省深圳市宝安区",
    "4000",
    "",
    "",
    "外出务工",
    "否",
    "",
    "多余列",
]


def _openpyxl_only(path: Path, monkeypatch: pytest.MonkeyPatch) -> files.Table:
    with monkeypatch.context() as m:
        m.setattr(files, "_xlsx_text_sheet", lambda p: None)
        return files._read_xlsx(path, EPISODE_COLUMNS, "已外出务工信息", 5, True)


def test_a_text_sheet_reads_as_openpyxl_reads_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["（务工月监测）已外出务工信息"])
    ws.append(["行政区划：x & <y>", "统计月份：2025年06月"])
    ws.append([*HEADER, "备注"])
    ws.append(ROW)
    ws.append([None] * 5)  # a gap inside the data
    runs: list[str | TextBlock] = ["宏泰", TextBlock(InlineFont(b=True), "电子")]
    rich = CellRichText(runs)
    ws.append([*ROW[:14], rich, *ROW[15:]])
    ws.append([])
    ws.append(["", " "])  # trailing blank rows
    path = tmp_path / "x.xlsx"
    wb.save(path)
    assert files._xlsx_text_sheet(path) is not None  # the fast path is taken
    fast = files._read_xlsx(path, EPISODE_COLUMNS, "已外出务工信息", 5, True)
    slow = _openpyxl_only(path, monkeypatch)
    assert fast.frame.equals(slow.frame)
    assert (fast.first_data_row, fast.headers, fast.warnings, fast.extra_columns) == (
        slow.first_data_row,
        slow.headers,
        slow.warnings,
        slow.extra_columns,
    )
    assert fast.frame.height == 3
    assert fast.frame.get_column("township").to_list() == ["a&b", None, "a&b"]
    assert fast.frame.get_column("employer").to_list() == [None, None, "宏泰电子"]


def test_a_sheet_with_numbers_goes_through_openpyxl(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append([*ROW[:13], 4000])
    path = tmp_path / "n.xlsx"
    wb.save(path)
    assert files._xlsx_text_sheet(path) is None
    table = files._read_xlsx(path, EPISODE_COLUMNS, "已外出务工信息", 5, True)
    assert table.frame.get_column("wage").to_list() == ["4000"]
