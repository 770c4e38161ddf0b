"""The simulator's industry files (simulator/industry.py) are what ``shouwang import entities|bindings|
payouts`` read: the same headers, and a simulated county's files import whole once its registry is in,
the 市场监管 changes included; the failures of the truth are the households whose payouts stop."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from shouwang.exchange.registry_import import registry_import
from shouwang.industry import layout
from shouwang.industry.creditcode import is_valid
from shouwang.industry.models import Binding, BusinessEntity, EntityStatusChange, Payout
from shouwang.industry.selectors import household_coverage
from shouwang.industry.services import industry_import
from shouwang.simulator import industry as simulated
from shouwang.simulator.services import simulation_run, simulation_validate

TODAY = dt.date(2025, 6, 1)


def test_the_simulator_writes_the_headers_the_imports_read() -> None:
    for header, columns in (
        (simulated.ENTITY_HEADER, layout.ENTITY_COLUMNS),
        (simulated.BINDING_HEADER, layout.BINDING_COLUMNS),
        (simulated.PAYOUT_HEADER, layout.PAYOUT_COLUMNS),
    ):
        assert list(header) == [c.label for c in columns]
    assert set(simulated.MARKET_HEADER) <= set(simulated.ENTITY_HEADER)


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulation_run(
        params=simulation_validate(households=1500, months=14, seed=2027, out=out, start="2024-01")
    )
    return out


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_simulated_industry_files_import_whole(county: Path, db: Any) -> None:
    folder = county / "industry"
    entities = _rows(folder / simulated.ENTITY_FILE)
    bindings = _rows(folder / simulated.BINDING_FILE)
    payouts = _rows(folder / simulated.PAYOUT_FILE)
    market = _rows(folder / simulated.MARKET_FILE)
    assert all(is_valid(r["统一社会信用代码"]) for r in entities)
    assert market, "some cooperatives fail during the run"
    registry_import(paths=sorted((county / "registry").glob("*.csv")))
    industry_import(kind="entities", path=folder / simulated.ENTITY_FILE, today=TODAY)
    industry_import(kind="entities", path=folder / simulated.MARKET_FILE, source="market", today=TODAY)
    industry_import(kind="bindings", path=folder / simulated.BINDING_FILE, today=TODAY)
    industry_import(kind="payouts", path=folder / simulated.PAYOUT_FILE, today=TODAY)
    assert BusinessEntity.objects.count() == len(entities)
    assert Binding.objects.count() == len(bindings)
    assert Payout.objects.count() == len(payouts)
    assert EntityStatusChange.objects.filter(status="closed", source="market").count() == len(market)
    # Most bound households are bound twice (a cooperative bound to an enterprise).
    bound = list(Binding.objects.filter(household__isnull=False).values_list("household_id", flat=True))
    states = household_coverage(households=bound, on=TODAY)
    assert sum(1 for s in states.values() if s == "double") >= 0.6 * len(bound)
    # The truth's failures: the households bound to a cooperative 市场监管 closed, none paid after.
    truth = [r for r in _rows(county / "truth" / "events.csv") if r["event"] == simulated.FAILURE_EVENT]
    failed = {r["household_no"] for r in truth if r["risk_type"] == "industry_failure"}
    assert failed
    closed = set(
        Binding.objects.filter(entity__status="closed", household__isnull=False).values_list(
            "household__household_no", flat=True
        )
    )
    assert failed == closed
    after = Payout.objects.filter(entity__status="closed", paid_on__isnull=False)
    assert all(p.entity.status_on and p.due_on < p.entity.status_on for p in after)
