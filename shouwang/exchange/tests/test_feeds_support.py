"""Real delivery files for the feed tests (a helper module, no tests): GB18030 / UTF-8 CSV and XLSX."""

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from shouwang.common import idnumber
from shouwang.exchange.feeds import FEED_SPECS
from shouwang.testing.builders import COUNTY, VILLAGE_A, make_household

PERIOD = "2024-03"


def county_people(households: int = 5) -> list[tuple[str, str]]:
    """``households`` registered households of three members each; returns (household_no, id_number)."""
    out = []
    for h in range(households):
        members: list[dict[str, Any]] = [
            {
                "seq": 100 + h * 3 + k,
                "name": f"成员{h}-{k}",
                "birth": dt.date(1960 + k * 15, 1 + h % 12, 5),
                "relation": rel,
            }
            for k, rel in enumerate(("head", "spouse", "child"))
        ]
        hh = make_household(f"H{h:03d}", members=members, group_name=f"{h % 2 + 1}组")
        out += [(hh.household_no, idnumber.make(COUNTY, m["birth"], m["seq"])) for m in members]
    return out


def stranger(seq: int) -> str:
    """A valid ID of nobody in the registry."""
    return idnumber.make("530381", dt.date(1988, 8, 8), seq)


def valid_row(kind: str, id_number: str = "", *, day: str = "2024-03-05") -> list[str]:
    """One correct row of ``kind`` for PERIOD, in the CONTRACT column order."""
    return {
        "medical": [id_number, day, "1200.50", "800.00", "400.50", "Y"],
        "civil": [id_number, day, "temp_aid", "500"],
        "disability": [id_number, day, "肢体", "2"],
        "education": [id_number, day, "初中", "dropped_out"],
        "housing": [id_number, day, "C"],
        "employment": [id_number, day[:7], "unemployed_registered", ""],
        "disaster": [id_number, day, "洪涝", "8000", "是"],
        "water": [VILLAGE_A, "", day, "", "outage"],
        "police": [id_number, day, "accident_injury"],
        "credit": [id_number, f"L{id_number[-6:]}", "50000", "2025-03-01", "35", "20000"],
    }[kind]


def headers(kind: str, *, chinese: bool = True) -> list[str]:
    return [c.label if chinese else c.name for c in FEED_SPECS[kind].columns]


def write_csv(path: Path, header: list[str], rows: list[list[Any]], *, encoding: str = "gb18030") -> Path:
    """What Excel on Chinese Windows writes: GB18030, CRLF line ends."""
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
