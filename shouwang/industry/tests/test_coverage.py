"""双绑 coverage (POLICY R-IND-01/02, decisions 0801/0802): who counts as having 产业发展条件和意愿, 双绑 /
单绑 / 未绑 per township, and what each role and region sees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shouwang.accounts.access import NotFound
from shouwang.industry.selectors import (
    access_entity_by_id,
    coverage_report,
    entity_get_detail,
    entity_list,
    household_coverage,
    industry_candidates,
)
from shouwang.industry.services import industry_import
from shouwang.industry.tests.conftest import COOP_A, ENT, PAYOUT_HEADER, PAYOUT_ROWS, TODAY
from shouwang.testing.builders import TOWNSHIP_A, TOWNSHIP_B, make_household, make_user

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 1)


def test_candidates_are_derived_from_the_registry(county: dict[str, Any], files: Callable[..., Path]) -> None:
    user = make_user("county")
    got = set(industry_candidates(user=user, on=ON).values_list("household_no", flat=True))
    # 王家 is an ordinary household of two elderly people without labour: not counted.
    assert got == {"H_LI", "H_ZHANG", "H_CHEN"}
    # A household-level agreement in force shows the will even where the derivation says no.
    make_household(
        "H_ZHAO",
        poverty_status="ordinary",
        members=[{"seq": 91, "name": "赵一", "birth": dt.date(1980, 1, 1), "relation": "head"}],
    )
    assert "H_ZHAO" not in set(industry_candidates(user=user, on=ON).values_list("household_no", flat=True))
    header = ["协议编号", "带动主体信用代码", "户编号", "利益联结方式", "开始日期"]
    path = files("b.csv", header, [["SB-9", COOP_A, "H_ZHAO", "务工", "2024-01-01"]])
    industry_import(kind="bindings", path=path, today=TODAY)
    assert "H_ZHAO" in set(industry_candidates(user=user, on=ON).values_list("household_no", flat=True))


def test_double_single_and_unbound_per_township(county: dict[str, Any]) -> None:
    report = coverage_report(user=make_user("county"), on=ON)
    rows = {r.code: (r.eligible, r.double, r.single, r.none) for r in report.rows}
    assert rows == {TOWNSHIP_A: (2, 1, 0, 1), TOWNSHIP_B: (1, 0, 1, 0)}
    assert (report.total.eligible, report.total.double, report.total.rate) == (3, 1, 33.3)
    assert [h["household_no"] for h in report.unbound] == ["H_CHEN"]
    assert [h["household_no"] for h in report.single] == ["H_ZHANG"]
    assert report.unbound[0]["township"] and report.unbound[0]["village"]


def test_closed_enterprise_or_ended_agreement_breaks_the_double_binding(
    county: dict[str, Any], files: Callable[..., Path]
) -> None:
    li = county["li"].pk
    assert household_coverage(households=[li], on=ON) == {li: "double"}
    # Before the household agreement started, and after it ends, it does not count.
    assert household_coverage(households=[li], on=dt.date(2023, 1, 15)) == {li: "none"}
    assert household_coverage(households=[li], on=dt.date(2028, 1, 1)) == {li: "none"}
    feed = files("market.csv", ["统一社会信用代码", "经营状态", "状态日期"], [[ENT, "注销", "2025-02-01"]])
    industry_import(kind="entities", path=feed, source="market", today=TODAY)
    assert household_coverage(households=[li], on=ON) == {li: "single"}


def test_scope_by_role_and_region(county: dict[str, Any]) -> None:
    township = make_user("township")  # 古城街道: 李家 and 陈家, not 张家
    report = coverage_report(user=township, on=ON)
    assert [r.code for r in report.rows] == [TOWNSHIP_A]
    assert report.total.eligible == 2
    # Entities are county records: the township sees all four, and the cooperative's page shows only the
    # households in the township's scope.
    assert entity_list(user=township).count() == 4
    coop = access_entity_by_id(township, COOP_A)
    shown = entity_get_detail(user=township, entity=coop).households
    assert [b.household.household_no for b in shown if b.household] == ["H_LI"]
    assert entity_list(user=township, entity_type="cooperative").count() == 2
    assert entity_list(user=township, status="closed").count() == 0
    other = make_user("county", "530302")  # 麒麟区, another county
    with pytest.raises(NotFound):
        access_entity_by_id(other, COOP_A)
    assert entity_list(user=other).count() == 0
    assert coverage_report(user=other, on=ON).total.eligible == 0
    with pytest.raises(NotFound):
        access_entity_by_id(make_user("county"), "91350100M000100Y43")


def test_entity_detail_sums_its_payouts(county: dict[str, Any], files: Callable[..., Path]) -> None:
    industry_import(kind="payouts", path=files("p.csv", PAYOUT_HEADER, PAYOUT_ROWS), today=TODAY)
    user = make_user("county")
    detail = entity_get_detail(user=user, entity=access_entity_by_id(user, COOP_A))
    assert (len(detail.payouts), detail.due_total, detail.paid_total) == (2, 4200, 4200)
    assert [b.binding_no for b in detail.upper] == ["SB-2023-001"]
    ent = entity_get_detail(user=user, entity=access_entity_by_id(user, ENT))
    assert [b.partner.credit_code for b in ent.cooperatives if b.partner] == [COOP_A]
