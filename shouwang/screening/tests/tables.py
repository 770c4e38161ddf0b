"""Small literal tables for rule tests (STYLE 11): households, persons, incomes and feed rows as dicts,
written to Parquet in the layouts the engines read, with the seed parameters resolved per village."""

import datetime as dt
import zlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from shouwang.screening.engines import InputFile, RuleOutput, rules_execute
from shouwang.screening.engines.base import Engine
from shouwang.screening.params import ParamRow, default_rows, params_resolve_rows, params_table_rows
from shouwang.screening.periods import PeriodContext
from shouwang.screening.rules import FEED_TABLES, SNAPSHOT_TABLES
from shouwang.screening.snapshot import params_write, table_write

VILLAGE = "530326001001"
VILLAGE_2 = "530326001002"
TOWNSHIP = "530326001"


def household(no: str, **kw: Any) -> dict[str, Any]:
    village = kw.pop("village_code", VILLAGE)
    return {
        "household_id": None,
        "household_no": no,
        "village_code": village,
        "township_code": village[:9],
        "county_code": village[:6],
        "group_name": "一组",
        "poverty_status": "ordinary",
        "member_count": 2,
        **kw,
    }


def person(
    hh: str, idx: str, *, age: int, period_end: dt.date = dt.date(2025, 3, 31), **kw: Any
) -> dict[str, Any]:
    """A member ``age`` full years old at ``period_end``."""
    birth = dt.date(period_end.year - age, 1, 15)
    return {
        "person_id": zlib.crc32(idx.encode()),
        "household_no": hh,
        "id_index": idx,
        "birth_date": birth,
        "relation": "head",
        "school_status": "none",
        "health": "healthy",
        "labour": "ordinary" if 16 <= age < 60 else "none",
        "residence": "present",
        "dibao": False,
        "tekun": False,
        **kw,
    }


def income(hh: str, period: str = "2024-12", members: int = 2, **amounts: Any) -> dict[str, Any]:
    vals = {
        k: Decimal(str(amounts.get(k, 0)))
        for k in (
            "wage",
            "business",
            "property",
            "transfer",
            "business_cost",
            "compliant_self_pay",
            "insurance_claims",
        )
    }
    net = vals["wage"] + vals["business"] + vals["property"] + vals["transfer"] - vals["business_cost"]
    ref = net + vals["insurance_claims"] - vals["compliant_self_pay"]
    return {
        "household_no": hh,
        "period": period,
        **vals,
        "net_income": net,
        "members_counted": members,
        "per_capita_net": (net / members).quantize(Decimal("0.01")),
        "per_capita_reference": (ref / members).quantize(Decimal("0.01")),
    }


def write_inputs(
    directory: Path,
    *,
    households: Sequence[Mapping[str, Any]] = (),
    persons: Sequence[Mapping[str, Any]] = (),
    incomes: Sequence[Mapping[str, Any]] = (),
    work_episodes: Sequence[Mapping[str, Any]] = (),
    labour_records: Sequence[Mapping[str, Any]] = (),
    feeds: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    year: int = 2025,
    param_rows: list[ParamRow] | None = None,
) -> dict[str, list[InputFile]]:
    """Write the tables and return engine inputs. Feed rows carry their delivery ``period``; each
    (kind, period) becomes one batch file with the period as a constant column, as the lake does."""
    directory.mkdir(parents=True, exist_ok=True)
    inputs: dict[str, list[InputFile]] = {}
    for name, rows in (
        ("households", households),
        ("persons", persons),
        ("incomes", incomes),
        ("work_episodes", work_episodes),
        ("labour_records", labour_records),
    ):
        path = table_write(directory / f"{name}.parquet", SNAPSHOT_TABLES[name], list(rows))
        inputs[name] = [InputFile(str(path), normalised=True)]
    villages = sorted({h["village_code"] for h in households}) or [VILLAGE]
    resolved = params_resolve_rows(param_rows or default_rows(), villages, year)
    inputs["params"] = [
        InputFile(str(params_write(directory / "params.parquet", params_table_rows(resolved))))
    ]
    for kind in FEED_TABLES:
        rows = list((feeds or {}).get(kind, []))
        files = []
        for i, period in enumerate(sorted({r["period"] for r in rows}), start=1):
            batch = [{k: v for k, v in r.items() if k != "period"} for r in rows if r["period"] == period]
            cols = tuple((c, t) for c, t in FEED_TABLES[kind] if c != "period")
            path = table_write(directory / "lake" / kind / period / f"batch-{i}.parquet", cols, batch)
            files.append(InputFile(str(path), consts=(("period", period),)))
        inputs[f"feed_{kind}"] = files
    return inputs


def run_rules(engine: Engine, inputs: dict[str, list[InputFile]], period: str = "2025-03") -> RuleOutput:
    with engine:
        return rules_execute(engine, inputs=inputs, ctx=PeriodContext(period))


def fired(output: RuleOutput, code: str) -> dict[str, dict[str, Any]]:
    """household_no → evidence row of one rule."""
    return {row["household_no"]: row for row in output.rules[code].to_pylist()}
