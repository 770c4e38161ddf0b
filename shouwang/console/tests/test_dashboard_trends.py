"""The dashboard's trends by risk type and by child region against a county built with known answers, the
Excel export equal to the page, and the figures that two panels used to count differently (issue 14).

The county (today 2025-04-10; months screened: 2025-01 and 2025-03 — 2025-02 was never screened):

township A, village A, 40 households          township B, village B, 5 households (small base)
  a0  2025-01 new [illness]; 2025-03 persisting   b0  2025-01 new [water]; 2025-03 persisting
  a1  2025-01 new [illness, education];           b1  2025-03 new [water]
      identified 2025-03-20 [education, illness]  b2  identified 2025-02-10 [housing]
  a2  identified 2025-01-15 [illness];
      2025-01 and 2025-03 already_monitored
  a3  2025-03 new [disability]
  a4  monitoring object imported, identified 2025-03-05, no case (risk type unknown)
"""

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from shouwang.accounts.models import User
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.console.stats import stats_refresh
from shouwang.console.tests.helpers import client_for, set_today, warning_for
from shouwang.console.workqueue import work_queue_get
from shouwang.registry.models import Household
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
MONTHS = ["2025-01", "2025-02", "2025-03"]


def _user(role: str, region: str) -> Any:
    """The role's user in ``region`` (made once per test)."""
    return User.objects.filter(role=role, region_id=region).first() or make_user(role, region)


def _head(seq: int) -> list[dict]:
    return [{"seq": seq, "name": f"户主{seq}", "birth": dt.date(1970, 1, 1), "relation": "head"}]


def _monitoring(hh: Household, on: dt.date, risks: list[str] | None) -> None:
    """The end state of an identification (R-ID-02 done; the procedure itself is tested in the cases app):
    the household is a monitoring object from ``on``; with ``risks``, its decided case records them."""
    hh.monitoring_category, hh.identified_on = "unstable", on
    hh.save(update_fields=["monitoring_category", "identified_on"])
    if risks is not None:
        Case.objects.create(
            kind=CaseKindChoices.IDENTIFICATION,
            household=hh,
            state=CaseStateChoices.MONITORING,
            opened_on=on - dt.timedelta(days=12),
            due_on=on + dt.timedelta(days=3),
            decided_on=on,
            approved_on=on,
            category="unstable",
            risk_types=risks,
            version=9,
        )


@pytest.fixture
def county(monkeypatch) -> dict[str, Household]:
    set_today(monkeypatch, TODAY)
    hh = {f"a{i}": make_household(f"H_A{i:02d}", VILLAGE_A, members=_head(100 + i)) for i in range(40)}
    hh |= {f"b{i}": make_household(f"H_B{i:02d}", VILLAGE_B, members=_head(200 + i)) for i in range(5)}
    warning_for(hh["a0"], "2025-01", risk_types=["illness"])
    warning_for(hh["a1"], "2025-01", risk_types=["illness", "education"])
    warning_for(hh["b0"], "2025-01", risk_types=["water"])
    warning_for(hh["a0"], "2025-03", status="persisting", risk_types=["illness"])
    warning_for(hh["a3"], "2025-03", risk_types=["disability"])
    warning_for(hh["b0"], "2025-03", status="persisting", risk_types=["water"])
    warning_for(hh["b1"], "2025-03", risk_types=["water"])
    _monitoring(hh["a2"], dt.date(2025, 1, 15), ["illness"])
    _monitoring(hh["a1"], dt.date(2025, 3, 20), ["education", "illness"])
    _monitoring(hh["b2"], dt.date(2025, 2, 10), ["housing"])
    _monitoring(hh["a4"], dt.date(2025, 3, 5), None)
    for period in ("2025-01", "2025-03"):
        warning_for(hh["a2"], period, status="already_monitored", risk_types=["illness"])
    stats_refresh(today=TODAY)
    return hh


def _board(role: str = "county", home: str = COUNTY, **params: str) -> Any:
    response = client_for(_user(role, home)).get(URL, params)
    assert response.status_code == 200
    return response.context["board"], response.content.decode()


# ---------------------------------------------------------------------------------------------- trends


def test_trend_by_risk_type_per_month(county):
    board, page = _board()
    t = board.risk_trend
    assert board.period == "2025-03" and t["months"] == MONTHS and t["unscreened"] == ["2025-02"]
    rows = {r["code"]: (r["warnings_new"], r["identified"]) for r in t["rows"]}
    assert rows == {
        "illness": ([2, None, 0], [1, 0, 1]),  # a0, a1 in January; a2 (Jan.) and a1 (Mar.) identified
        "education": ([1, None, 0], [0, 0, 1]),
        "disability": ([0, None, 1], [0, 0, 0]),  # a0's persisting warning is not new
        "housing": ([0, None, 0], [0, 1, 0]),  # identified in the month that was never screened
        "water": ([1, None, 1], [0, 0, 0]),
        "unknown": ([0, None, 0], [0, 0, 1]),  # a4: imported, no case, never guessed
    }
    # Households, not risk types: a1's two risk types count once in the total.
    assert t["totals"] == {"warnings_new": [3, None, 2], "identified": [1, 1, 2]}
    assert [r["code"] for r in t["rows"]][:2] == ["illness", "education"]  # the national code order
    assert 'id="risk-trend-table"' in page and "未登记风险类型" in page and 'data-chart="lines"' in page


def test_trend_by_township_per_month(county):
    board, page = _board()
    assert board.child_level == "乡（镇、街道）"
    rows = {r["code"]: r for r in board.area_trend["rows"]}
    a, b = rows[TOWNSHIP_A], rows[TOWNSHIP_B]
    assert (a["households"], a["small"]) == (40, False)
    assert a["warnings"] == [2, None, 2]  # a2 is already monitored: not a warned household
    assert a["identified"] == [1, 0, 2]
    assert a["rates"] == [Decimal("50.0"), None, Decimal("50.0")]
    assert (b["households"], b["small"]) == (5, True)
    assert b["warnings"] == [1, None, 2] and b["identified"] == [0, 1, 0]
    assert b["rates"] == [Decimal("200.0"), None, Decimal("400.0")]
    # The rate chart leaves out the small township (and those without households).
    assert [s["name"] for s in board.area_trend["chart"]["series"]] == [a["name"]]
    assert a["name"] and "按乡（镇、街道）的月度变化" in page and 'id="area-trend-table"' in page
    # The trend's month equals the child regions' table of that month.
    children = {c.code: c for c in board.children}
    assert children[TOWNSHIP_A].warnings == a["warnings"][-1] and children[TOWNSHIP_A].identified == 2


def test_a_township_sees_its_villages(county):
    board, page = _board("township", TOWNSHIP_A)
    assert board.child_level == "行政村（社区）"
    rows = {r["code"]: r for r in board.area_trend["rows"]}
    assert rows[VILLAGE_A]["warnings"] == [2, None, 2] and rows[VILLAGE_A]["identified"] == [1, 0, 2]
    assert all(code.startswith(TOWNSHIP_A) for code in rows)  # never township B's villages
    assert "按行政村（社区）的月度变化" in page
    # The township's own risk trend leaves out township B (water, housing).
    assert {r["code"] for r in board.risk_trend["rows"]} == {"illness", "education", "disability", "unknown"}


def test_the_trends_start_at_the_first_screened_month(county):
    # A monitoring object identified before any screening: the 12-month chart starts there, the trends by
    # risk type and by township (over the screened months) still start at the first screening.
    early = make_household("H_EARLY", VILLAGE_A, members=_head(300))
    _monitoring(early, dt.date(2024, 11, 20), ["illness"])
    stats_refresh(today=TODAY)
    board, _ = _board()
    assert board.trend["months"] == ["2024-11", "2024-12", *MONTHS]
    assert board.trend["unscreened"] == ["2024-11", "2024-12", "2025-02"]
    assert board.risk_trend["months"] == board.area_trend["months"] == MONTHS
    assert board.risk_trend["unscreened"] == ["2025-02"]


def test_a_village_has_no_area_trend(county):
    board, page = _board("county", COUNTY, region=VILLAGE_A)
    assert board.children == [] and board.area_trend["rows"] == []
    assert 'id="area-trend-table"' not in page and 'id="risk-trend-table"' in page


# ---------------------------------------------------------------------------------------------- export


def _workbook(client: Any, **filters: str) -> Any:
    response = client.post(reverse("console:export_list"), {"kind": "dashboard", **filters})
    assert response.status_code == 302
    download = client.get(response["Location"])
    return openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))


def test_the_export_equals_the_page(county, settings):
    settings.SHOUWANG_EXPORT_MIN_COUNT = 1  # nothing suppressed: the figures themselves are compared
    client = client_for(_user("county", COUNTY))
    board = client.get(URL).context["board"]
    wb = _workbook(client, f_region=COUNTY)
    assert wb.sheetnames == ["区域统计2025-03", "按风险类型月度变化", "按乡（镇、街道）月度变化", "说明"]

    risk = list(wb["按风险类型月度变化"].iter_rows(values_only=True))[1:]
    expected = []
    for i, month in enumerate(board.risk_trend["months"]):
        totals = board.risk_trend["totals"]
        expected.append((month, None, "合计（户）", totals["warnings_new"][i], totals["identified"][i]))
        expected += [
            (month, r["code"], r["label"], r["warnings_new"][i], r["identified"][i])
            for r in board.risk_trend["rows"]
        ]
    unscreened = [(m, c, label, "未筛查" if w is None else w, n) for m, c, label, w, n in expected]
    assert risk == unscreened

    area = {(r[0], r[2]): r[3:] for r in list(wb["按乡（镇、街道）月度变化"].iter_rows(values_only=True))[1:]}
    for row in board.area_trend["rows"]:
        for i, month in enumerate(board.area_trend["months"]):
            w, rate = row["warnings"][i], row["rates"][i]
            assert area[(row["code"], month)] == (
                row["households"],
                "未筛查" if w is None else w,
                row["identified"][i],
                "未筛查" if rate is None else float(rate),
                "是" if row["small"] else None,
            ), (row["code"], month)

    main = {r[0]: r for r in list(wb["区域统计2025-03"].iter_rows(values_only=True))[1:]}
    for c in board.children:
        assert main[c.code][2:] == (
            c.households,
            c.monitored,
            c.warnings,
            c.identified,
            c.eliminated,
            c.cases_overdue,
            c.scale_alerts,
            c.already_monitored,
        )
    assert main[COUNTY][4] == board.value("warnings") == 4 and main[COUNTY][9] == board.already_monitored == 1


def test_the_trend_sheets_suppress_small_counts(county):
    wb = _workbook(client_for(_user("county", COUNTY)), f_region=COUNTY)
    area = {(r[0], r[2]): r for r in list(wb["按乡（镇、街道）月度变化"].iter_rows(values_only=True))[1:]}
    b = area[(TOWNSHIP_B, "2025-03")]
    assert b[3] == 5 and b[4] == "<5"  # 2 warnings
    assert b[6] == "<5"  # the rate would give the suppressed count away
    assert area[(TOWNSHIP_A, "2025-02")][4] == "未筛查"


# ---------------------------------------------------------------------------------------------- consistency


def test_an_unscreened_month_is_empty_in_every_panel_not_zero(county):
    """Old behaviour: the 12-month chart, the child regions' table and the export showed 0 warnings for
    2025-02, a month that was never screened."""
    board, page = _board()
    warnings = next(s for s in board.trend["series"] if s["key"] == "warnings")
    assert warnings["data"] == [2 + 1, None, 4]  # January 3, February not screened, March 4
    assert board.trend["unscreened"] == ["2025-02"] and "图中 2025-02 无月度筛查结果" in page
    feb, feb_page = _board(period="2025-02")
    assert all(c.warnings is None and c.warning_rate is None for c in feb.children)
    assert all(c.rate_class == "rate-none" for c in feb.children)
    assert feb.children and "未筛查</span></td>" in feb_page
    assert [f["value"] for f in feb.funnel] == [None, None, None]  # the funnel and the KPI too
    assert '<span class="kpi-value"><span class="muted">未筛查</span>' in feb_page
    wb = _workbook(client_for(_user("county", COUNTY)), f_region=COUNTY, f_period="2025-02")
    main = {r[0]: r for r in list(wb.worksheets[0].iter_rows(values_only=True))[1:]}
    assert main[COUNTY][4] == "未筛查" and main[TOWNSHIP_A][4] == "未筛查"
    assert main[TOWNSHIP_B][5] == "<5"  # the register figures still count (b2 identified in February)


def test_the_page_explains_the_already_monitored_households(county):
    """The warning list of the county's March lists 5 warnings; the dashboard counts 4 warned households.
    Old behaviour: nothing on the page said why."""
    board, page = _board()
    listed = client_for(_user("county", COUNTY)).get(
        reverse("console:warning_list"), {"region": COUNTY, "period": "2025-03"}
    )
    assert listed.context["listing"].total == 5
    assert board.value("warnings") + board.already_monitored == 5 and board.already_monitored == 1
    assert "另有 1 户已是监测对象、2025-03 筛查发现新增风险" in page
    assert "status=already_monitored" in page
    # The funnel starts from the same warned households as the KPI and the chart.
    assert board.funnel[0]["value"] == board.value("warnings") == board.trend["series"][0]["data"][-1]
    children = {c.code: c for c in board.children}
    assert children[TOWNSHIP_A].already_monitored == 1 and children[TOWNSHIP_B].already_monitored == 0


def test_the_work_queue_and_the_warning_list_count_the_same_warnings_to_verify(county):
    """Old behaviour: the work queue counted 2 warnings to verify and linked to a list of 3 (the list's
    仅未核实 filter also kept the already-monitored household's warning)."""
    township = _user("township", TOWNSHIP_A)
    queue = {s.key: s for s in work_queue_get(user=township)}["warnings"]
    listed = client_for(township).get(
        reverse("console:warning_list"), {"period": "2025-03", "unverified": "1"}
    )
    assert queue.count == listed.context["listing"].total == 2
    assert queue.more_link.endswith("?period=2025-03&unverified=1")
    assert {w["household_no"] for w in queue.items} == {"H_A00", "H_A03"}
