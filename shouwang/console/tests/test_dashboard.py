"""The region dashboard: who sees it, drill-down links, figures from the statistics table only, query
count pinned, and the dashboard export with small counts suppressed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shouwang.console.dashboard import MIN_RATE_BASE, rate_class
from shouwang.console.exports import suppress_small
from shouwang.console.stats import stats_refresh
from shouwang.console.tests.helpers import client_for, warning_for, xlsx_rows
from shouwang.testing.builders import (
    COUNTY,
    TOWNSHIP_A,
    TOWNSHIP_B,
    VILLAGE_A,
    VILLAGE_B,
    make_household,
    make_user,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 4, 10)
URL = reverse("console:dashboard")


def _head(seq: int) -> list[dict]:
    return [{"seq": seq, "name": f"户主{seq}", "birth": dt.date(1970, 1, 1), "relation": "head"}]


@pytest.fixture
def county():
    """Seven households in township A (two monitored, three warned in March), one in township B."""
    for i in range(7):
        hh = make_household(
            f"H_A{i}",
            VILLAGE_A,
            members=_head(10 + i),
            monitoring_category="unstable" if i < 2 else "",
            identified_on=dt.date(2024, 6, 1) if i < 2 else None,
        )
        if i >= 4:
            warning_for(
                hh, "2025-03", status="new" if i < 6 else "persisting", risk_types=["illness", "water"]
            )
    make_household("H_B0", VILLAGE_B, members=_head(30), poverty_status="ordinary")
    stats_refresh(today=TODAY)


def test_who_may_see_the_dashboard(county):
    assert client_for(make_user("", COUNTY, username="nobody")).get(URL).status_code == 403
    assert client_for(make_user("department", COUNTY, department="medical")).get(URL).status_code == 403
    assert client_for(make_user("village", VILLAGE_A)).get(URL).status_code == 403
    for role, region in (
        ("province", "53"),
        ("prefecture", "5303"),
        ("county", COUNTY),
        ("township", TOWNSHIP_A),
        ("auditor", COUNTY),
    ):
        assert client_for(make_user(role, region)).get(URL).status_code == 200, role


def test_another_region_falls_back_to_the_users_own(county):
    c = client_for(make_user("township", TOWNSHIP_A))
    response = c.get(URL, {"region": TOWNSHIP_B})
    assert response.status_code == 200
    board = response.context["board"]
    assert board.region.code == TOWNSHIP_A  # never township B's figures
    assert board.snapshot["households"] == 7


def test_drill_down_links_from_county_to_household_list(county):
    c = client_for(make_user("county", COUNTY))
    body = c.get(URL).content.decode()
    assert f'href="{URL}?region={TOWNSHIP_A}&amp;period=2025-03"' in body  # tile and table row
    body = c.get(URL, {"region": TOWNSHIP_A}).content.decode()
    assert f"{URL}?region={VILLAGE_A}" in body
    assert f"/households/?region={VILLAGE_A}" in body
    village = c.get(URL, {"region": VILLAGE_A})
    assert village.context["board"].children == []
    assert (
        f'/households/?region={VILLAGE_A}"' in village.content.decode()
    )  # the last step: the household list


def test_figures_come_from_the_statistics(county):
    response = client_for(make_user("county", COUNTY)).get(URL)
    board = response.context["board"]
    assert board.period == "2025-03"  # the latest screened month by default
    assert board.snapshot["households"] == 8
    assert board.value("warnings") == 3 and board.value("warnings:new") == 2
    assert board.value("monitored") == 2
    assert [c["value"] for c in board.categories] == [2, 0, 0]
    assert {r["code"]: r["value"] for r in board.warning_risks} == {"illness": 3, "water": 3}
    rows = {c.code: c for c in board.children}
    assert rows[TOWNSHIP_A].warnings == 3 and rows[TOWNSHIP_A].households == 7
    assert rows[TOWNSHIP_A].warning_rate == Decimal("428.6")  # warnings per 1,000 households
    assert rows[TOWNSHIP_B].warnings == 0
    # 7 households: a rate that says little is marked, not coloured as the worst.
    assert rows[TOWNSHIP_A].rate_class == "rate-small" and board.breaks == []
    assert "428.6‰<abbr" in response.content.decode() and "（样本小）" in response.content.decode()
    assert board.trend["months"][-1] == "2025-03"


def test_small_bases_stay_out_of_the_classes():
    assert rate_class(Decimal("428.6"), [Decimal(5)], households=7) == "rate-small"
    assert rate_class(Decimal("428.6"), [Decimal(5)], households=MIN_RATE_BASE) == "rate-2"
    assert rate_class(None, [Decimal(5)], households=7) == "rate-none"


def test_query_count_is_pinned_and_the_households_table_is_not_read(county, django_assert_max_num_queries):
    for i in range(40):
        make_household(f"H_X{i:02d}", VILLAGE_B, members=_head(100 + i))
    stats_refresh(today=TODAY)
    c = client_for(make_user("county", COUNTY))
    c.get(URL)  # warm the session
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as queries:
        assert c.get(URL).status_code == 200
    assert not any("registry_household" in q["sql"] for q in queries.captured_queries)


def test_dashboard_export_suppresses_small_counts(county):
    c = client_for(make_user("county", COUNTY))
    response = c.post(reverse("console:export_list"), {"kind": "dashboard", "f_region": COUNTY})
    assert response.status_code == 302
    download = c.get(response["Location"])
    rows = {r[0]: r for r in xlsx_rows(download)[1:]}
    assert rows[TOWNSHIP_B][2] == "<5"  # one household
    # Township A's 7 would give township B's 1 away (8 − 7): it is suppressed too (complementary).
    assert rows[TOWNSHIP_A][2] == "<5"
    assert rows[TOWNSHIP_A][3] == "<5" and rows[TOWNSHIP_A][4] == "<5"  # 2 monitored, 3 warnings
    assert rows[COUNTY][2] == 8 and rows["530326002"][2] == 0  # totals and zeros stay


def test_suppression_is_complementary():
    rows = [
        {"code": "a", "n": 3, "m": 7},
        {"code": "b", "n": 9, "m": 6},
        {"code": "c", "n": 12, "m": 0},
        {"code": "t", "n": 24, "m": 13, "total": True},
    ]
    out = suppress_small(rows, ["n", "m"], minimum=5, total_key="total")
    # a's 3 alone would be total − b − c: the next smallest (b's 9) is suppressed with it.
    assert [r["n"] for r in out] == ["<5", "<5", 12, 24]
    assert [r["m"] for r in out] == [7, 6, 0, 13]  # zeros and counts ≥ 5 stay


def test_months_without_a_screening_say_so(county):
    c = client_for(make_user("county", COUNTY))
    board = c.get(URL).context["board"]
    assert board.period == "2025-03" and board.screened  # March was screened (warning_for's run)
    assert "2025-04" in board.periods and "2025-04" in board.unscreened and "2025-03" not in board.unscreened
    april = c.get(URL, {"period": "2025-04"})
    page = april.content.decode()
    assert not april.context["board"].screened
    assert "2025-04 未进行月度筛查" in page and ">2025-04（未筛查）</option>" in page
    assert ">2025-03</option>" in page  # a screened month is offered without the mark
    assert "未进行月度筛查" not in c.get(URL).content.decode()
