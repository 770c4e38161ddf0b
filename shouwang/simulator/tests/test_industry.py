"""The simulated industry files (simulator/industry.py) without the database: valid credit codes, every
agreement's parties known, payouts only to bound households, and each closed cooperative's households in
the truth as ``industry_failure`` in the month of the closure. The import itself is tested in
industry/tests/test_simulated_industry.py."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from shouwang.simulator import industry
from shouwang.simulator.services import simulation_run, simulation_validate


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulation_run(params=simulation_validate(households=800, months=12, seed=41, out=out, start="2024-01"))
    return out


def test_credit_codes_have_the_gb32100_check_character() -> None:
    # A published example: 91350100M000100Y43 (GB 32100 annex).
    assert industry.credit_code("91350100M000100Y4") == "91350100M000100Y43"
    assert industry.credit_code("91350100M000100Y4") != "91350100M000100Y40"


def test_files_refer_to_each_other_and_failures_are_in_the_truth(county: Path) -> None:
    folder = county / "industry"
    entities = {r["统一社会信用代码"]: r for r in _rows(folder / industry.ENTITY_FILE)}
    assert {r["主体类型"] for r in entities.values()} == {
        "龙头企业",
        "农民专业合作社",
        "家庭农场",
        "村集体经济组织",
    }
    assert all(industry.credit_code(code[:17]) == code for code in entities)
    households = {r["household_no"] for r in _rows(county / "registry" / "households.csv")}
    bindings = {r["协议编号"]: r for r in _rows(folder / industry.BINDING_FILE)}
    for b in bindings.values():
        assert b["带动主体信用代码"] in entities
        assert bool(b["合作社信用代码"]) != bool(b["户编号"])
        assert not b["户编号"] or b["户编号"] in households
        assert not b["合作社信用代码"] or entities[b["合作社信用代码"]]["主体类型"] == "农民专业合作社"
    payouts = _rows(folder / industry.PAYOUT_FILE)
    assert payouts
    for p in payouts:
        assert bindings[p["协议编号"]]["户编号"] == p["户编号"]
        assert p["应付日期"] >= bindings[p["协议编号"]]["开始日期"]
        assert (p["实付日期"] == "") == (p["实付金额"] == "")
    closed = {r["统一社会信用代码"]: r["状态日期"] for r in _rows(folder / industry.MARKET_FILE)}
    assert closed and all(dt.date.fromisoformat(d) <= dt.date.today() for d in closed.values())
    expected = {
        (b["户编号"], closed[b["带动主体信用代码"]][:7])
        for b in bindings.values()
        if b["户编号"] and b["带动主体信用代码"] in closed
    }
    truth = {
        (e["household_no"], e["period"])
        for e in _rows(county / "truth" / "events.csv")
        if e["event"] == industry.FAILURE_EVENT
    }
    assert truth == expected and truth
    events = [e for e in _rows(county / "truth" / "events.csv") if e["event"] == industry.FAILURE_EVENT]
    assert all(e["risk_type"] == "industry_failure" for e in events)
