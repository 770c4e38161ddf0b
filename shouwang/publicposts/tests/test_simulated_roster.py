"""The simulator's 公益性岗位花名册 (simulator/posts.py) is what ``shouwang import posts`` reads: the same
columns, and a simulated county's roster imports whole once its registry is in."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from shouwang.exchange.registry_import import registry_import
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.publicposts.roster import FILE_NAME, HEADERS, post_roster_import
from shouwang.simulator import posts as simulated
from shouwang.simulator.services import simulation_run, simulation_validate


def test_the_simulator_writes_the_columns_the_import_reads() -> None:
    assert list(simulated.HEADER) == HEADERS and simulated.FILE_NAME == FILE_NAME


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulation_run(
        params=simulation_validate(households=1500, months=14, seed=2027, out=out, start="2024-01")
    )
    return out


def test_a_simulated_roster_imports_whole(county: Path, db: Any) -> None:
    path = county / "posts" / FILE_NAME
    rows = [r for r in load_workbook(path).worksheets[0].values][3:]
    assert len(rows) >= 5
    registry_import(paths=sorted((county / "registry").glob("*.csv")))
    result = post_roster_import(path=path, today=dt.date(2025, 6, 1))
    assert result.holders_created == len(rows) == PostHolder.objects.count()
    assert PublicPost.objects.count() == result.posts_created >= 1
    ended = PostHolder.objects.filter(status="ended")
    assert all(h.exit_reason and h.ended_on for h in ended)
    assert PostHolder.objects.filter(status="active").count() == sum(1 for r in rows if not r[16])
