"""Filtered lists: households (monitoring state, type, income band, income sort), warnings (period, risk
type, status, unverified) and cases (state, due) — scoped, keyset-paginated, query counts pinned."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shouwang.cases.models import Case
from shouwang.console.selectors import (
    CaseFilters,
    HouseholdFilters,
    WarningFilters,
    case_browse,
    household_browse,
    warning_browse,
)
from shouwang.console.tests.helpers import TODAY, client_for, open_case, set_today, warning_for
from shouwang.screening.models import Parameter
from shouwang.testing.builders import COUNTY, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db
HOUSEHOLDS = reverse("console:household_list")
WARNINGS = reverse("console:warning_list")
CASES = reverse("console:case_list")


def _head(seq: int) -> list[dict]:
    return [{"seq": seq, "name": f"户主{seq}", "birth": dt.date(1970, 1, 1), "relation": "head"}]


def _income(wage: int) -> dict:
    return {"wage": Decimal(wage), "business": 0, "property": 0, "transfer": 0, "business_cost": 0}


@pytest.fixture
def mix(monkeypatch):
    set_today(monkeypatch, TODAY)
    Parameter.objects.create(
        region_code="53", year=TODAY.year, key="threshold", value=Decimal(8700), version=99
    )
    make_household("H01", VILLAGE_A, members=_head(11), income=_income(5000))  # below the range
    make_household("H02", VILLAGE_A, members=_head(12), income=_income(9000))  # up to 1.5×
    make_household("H03", VILLAGE_A, members=_head(13), income=_income(30000))
    make_household("H04", VILLAGE_A, members=_head(14))  # no income record
    make_household("H05", VILLAGE_A, members=_head(15), monitoring_category="unstable", identified_on=TODAY)
    make_household(
        "H06",
        VILLAGE_A,
        members=_head(16),
        poverty_status="ordinary",
        monitoring_category="marginal",
        identified_on=dt.date(2024, 1, 1),
        risk_eliminated_on=dt.date(2024, 9, 1),
        elimination_mode="assisted",
    )
    make_household("H07", VILLAGE_B, members=_head(17), poverty_status="ordinary", income=_income(4000))


def listed(c, url, **params) -> list[str]:
    page = c.get(url, params).context["listing"].page
    return [getattr(r, "household_no", None) or r.household.household_no for r in page.rows]


def test_household_filters(mix):
    c = client_for(make_user("county", COUNTY))
    assert listed(c, HOUSEHOLDS, monitoring="monitored") == ["H05"]
    assert listed(c, HOUSEHOLDS, monitoring="eliminated") == ["H06"]
    assert (
        listed(c, HOUSEHOLDS, monitoring="unstable") == ["H05"]
        and listed(c, HOUSEHOLDS, monitoring="marginal") == []
    )
    assert listed(c, HOUSEHOLDS, poverty_status="ordinary") == ["H06", "H07"]
    assert listed(c, HOUSEHOLDS, income_band="below") == ["H01", "H07"]
    assert listed(c, HOUSEHOLDS, income_band="near") == ["H02"]
    assert listed(c, HOUSEHOLDS, income_band="above") == ["H03"]
    assert "H04" in listed(c, HOUSEHOLDS, income_band="missing")
    # Filters combine with the region, and never reach outside the user's own region.
    assert listed(c, HOUSEHOLDS, income_band="below", region=VILLAGE_B) == ["H07"]
    village = client_for(make_user("village", VILLAGE_B))
    assert listed(village, HOUSEHOLDS, poverty_status="ordinary", region=VILLAGE_A) == ["H07"]


def test_income_sort_walks_every_household_once(mix):
    c = client_for(make_user("county", COUNTY))
    seen, params = [], {"sort": "income"}
    for _ in range(10):
        listing = c.get(HOUSEHOLDS, params | {"x": "1"}).context["listing"]
        seen += [h.household_no for h in listing.page.rows]
        if not listing.page.next_after:
            break
        params = {"sort": "income", "after": listing.page.next_after}
    assert seen[:4] == ["H07", "H01", "H02", "H03"] and len(seen) == len(set(seen)) == 7
    # Page size 2 through the selector: the keyset crosses ties and the empty incomes at the end.

    user, walked, after = make_user("prefecture", "5303"), [], ""
    while True:
        page = household_browse(user=user, filters=HouseholdFilters(sort="income"), after=after, limit=2)
        walked += [h.household_no for h in page.rows]
        if not page.next_after:
            break
        after = page.next_after
    assert walked[:4] == seen[:4] and sorted(walked) == sorted(seen)


@pytest.fixture
def warned(monkeypatch):
    set_today(monkeypatch, TODAY)
    a = make_household("H_A", VILLAGE_A, members=_head(21))
    b = make_household("H_B", VILLAGE_A, members=_head(22))
    far = make_household("H_FAR", "530302001001", members=_head(23))  # another county (麒麟区)
    warning_for(a, "2025-01", risk_types=["illness"])
    warning_for(a, "2025-02", status="persisting", risk_types=["illness", "housing"])
    warning_for(b, "2025-02", risk_types=["water"])
    warning_for(far, "2025-02", risk_types=["illness"])
    return a, b


def test_warning_filters(warned):
    a, _ = warned
    c = client_for(make_user("county", COUNTY))
    assert listed(c, WARNINGS) == ["H_A", "H_B"]  # the latest screened month by default
    assert listed(c, WARNINGS, period="2025-01") == ["H_A"]
    assert listed(c, WARNINGS, risk_type="housing") == ["H_A"]
    assert listed(c, WARNINGS, risk_type="illness") == ["H_A"]  # not the other county's
    assert listed(c, WARNINGS, status="new") == ["H_B"]
    open_case(a, make_user("village", VILLAGE_A), reported_on=dt.date(2025, 2, 10))
    assert listed(c, WARNINGS, unverified="on") == ["H_B"]
    rows = c.get(WARNINGS).context["listing"].page.rows
    assert [w.verified for w in rows] == [True, False]
    assert client_for(make_user("", COUNTY, username="nobody")).get(WARNINGS).status_code == 403


def test_warnings_come_highest_risk_first_with_township_total_and_rule_titles(monkeypatch):
    set_today(monkeypatch, TODAY)
    scores = {"H_S1": "0.5", "H_S2": "0.9", "H_S3": "0.5", "H_S4": "0.7", "H_S5": "0.9"}
    for n, (no, score) in enumerate(scores.items()):
        village = VILLAGE_B if no == "H_S4" else VILLAGE_A
        warning_for(make_household(no, village, members=_head(40 + n)), "2025-02", score=score)
    c = client_for(make_user("county", COUNTY))
    response = c.get(WARNINGS)
    listing = response.context["listing"]
    expected = ["H_S2", "H_S5", "H_S4", "H_S1", "H_S3"]  # score down, then household number
    assert [w.household_no for w in listing.page.rows] == expected and listing.total == 5
    page = response.content.decode()
    assert "共 5 户预警" in page and "按风险分从高到低排列" in page
    assert 'title="MED-SELFPAY · R-WARN-01' in page and ">MED-SELFPAY<" not in page  # the title shows
    townships = {w.household_no: w.household.village.parent.name for w in listing.page.rows}
    assert townships["H_S1"] and townships["H_S1"] in page
    # The keyset walks ties on the score without losing or repeating a household.
    walked: list[str] = []
    after = ""
    while True:
        page_ = warning_browse(
            user=make_user("county", COUNTY, username=f"walker{len(walked)}"),
            filters=WarningFilters(period="2025-02", region=COUNTY),
            after=after,
            limit=2,
        )
        walked += [w.household_no for w in page_.rows]
        if not page_.next_after:
            break
        after = page_.next_after
    assert walked == expected
    # A malformed cursor is the first page, not an error.
    assert listed(c, WARNINGS, after="not-a-cursor") == expected


def test_case_filters_and_keyset(monkeypatch):
    set_today(monkeypatch, TODAY - dt.timedelta(days=20))
    village = make_user("village", VILLAGE_A)
    old = open_case(make_household("H_OLD", VILLAGE_A, members=_head(31)), village)
    set_today(monkeypatch, TODAY)
    new = [open_case(make_household(f"H_N{i}", VILLAGE_A, members=_head(40 + i)), village) for i in range(3)]
    Case.objects.filter(pk=new[2].pk).update(state="monitoring")
    c = client_for(make_user("county", COUNTY))
    ids = lambda **p: [r.pk for r in c.get(CASES, p).context["listing"].page.rows]  # noqa: E731
    assert ids(due="overdue") == [old.pk]
    assert ids(state="monitoring") == [new[2].pk]
    assert ids() == [old.pk, new[0].pk, new[1].pk, new[2].pk]  # by due date, then id

    walked, after, township = [], "", make_user("township", "530326001")
    while True:
        page = case_browse(user=township, filters=CaseFilters(), today=TODAY, after=after, limit=1)
        walked += [r.pk for r in page.rows]
        if not page.next_after:
            break
        after = page.next_after
    assert walked == ids()


@pytest.mark.parametrize(("url", "queries"), [(HOUSEHOLDS, 8), (WARNINGS, 9), (CASES, 8)])
def test_list_query_counts_are_pinned(warned, url, queries, django_assert_max_num_queries, monkeypatch):
    village = make_user("village", VILLAGE_A)
    for i in range(30):
        hh = make_household(f"H_P{i:02d}", VILLAGE_A, members=_head(300 + i))
        warning_for(hh, "2025-02")
        open_case(hh, village)
    c = client_for(make_user("county", COUNTY))
    c.get(url)
    with django_assert_max_num_queries(queries):  # the warning list also counts the month's warnings
        response = c.get(url)
    assert len(response.context["listing"].page.rows) >= 30
