"""household_list / household_get_detail: region scoping, exact ID search, keyset pagination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shouwang.common import idnumber
from shouwang.registry.models import Household
from shouwang.registry.selectors import household_get_detail, household_list
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db

LI_HEAD_ID = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)  # make_household's default head
WANG_HEAD_ID = idnumber.make(COUNTY, dt.date(1950, 2, 2), 51)


@pytest.fixture
def households() -> None:
    make_household("5303260010010001", income={"wage": Decimal("20000")})  # 李家, township A
    make_household(
        "5303261020010001",
        VILLAGE_B,
        poverty_status="ordinary",
        members=[
            {"seq": 51, "name": "王德福", "birth": dt.date(1950, 2, 2), "relation": "head", "labour": "none"},
            {
                "seq": 62,
                "name": "赵金凤",
                "birth": dt.date(1952, 4, 4),
                "relation": "spouse",
                "labour": "none",
            },
        ],
    )
    for i in range(2, 7):  # more households in village A for paging
        make_household(
            f"530326001001{i:04d}",
            members=[{"seq": 100 + i, "name": f"张{i}", "birth": dt.date(1980, 1, i), "relation": "head"}],
        )


def nos(page: object) -> list[str]:
    return [h.household_no for h in page.households]  # type: ignore[attr-defined]


def test_search_by_full_id_uses_the_blind_index(households: None) -> None:
    county = make_user("county")
    assert nos(household_list(user=county, q=LI_HEAD_ID)) == ["5303260010010001"]
    assert nos(household_list(user=county, q=WANG_HEAD_ID.lower())) == ["5303261020010001"]
    # Partial or invalid IDs never match by prefix or LIKE.
    assert nos(household_list(user=county, q=LI_HEAD_ID[:14])) == []
    assert nos(household_list(user=county, q=LI_HEAD_ID[:17] + ("0" if LI_HEAD_ID[17] != "0" else "1"))) == []
    with CaptureQueriesContext(connection) as ctx:
        household_list(user=county, q=LI_HEAD_ID)
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert (
        "id_index" in sql and LI_HEAD_ID not in sql and "LIKE" not in sql.upper().split("ID_INDEX")[-1][:40]
    )


def test_search_by_name_and_household_number(households: None) -> None:
    county = make_user("county")
    assert nos(household_list(user=county, q="王德福")) == ["5303261020010001"]
    assert nos(household_list(user=county, q="赵金凤")) == ["5303261020010001"]  # a member, not the head
    assert nos(household_list(user=county, q="李")) == ["5303260010010001"]
    assert nos(household_list(user=county, q="5303261020010001")) == ["5303261020010001"]
    page = household_list(user=county, q="李建国")
    assert page.households[0].head_id_masked == idnumber.mask(LI_HEAD_ID)  # type: ignore[attr-defined]


def test_township_user_never_sees_another_township(households: None) -> None:
    township = make_user("township", TOWNSHIP_A)
    visible = nos(household_list(user=township, limit=200))
    assert "5303261020010001" not in visible and len(visible) == 6
    assert nos(household_list(user=township, q=WANG_HEAD_ID)) == []
    assert nos(household_list(user=township, q="王德福")) == []
    assert nos(household_list(user=township, region_code=VILLAGE_B)) == []
    assert nos(household_list(user=township, region_code="530326102")) == []
    assert len(nos(household_list(user=township, region_code=VILLAGE_A))) == 6
    # A role without household access sees nothing at all.
    assert nos(household_list(user=make_user("department"))) == []


def test_keyset_pagination(households: None) -> None:
    county = make_user("county")
    first = household_list(user=county, limit=3)
    assert nos(first) == ["5303260010010001", "5303260010010002", "5303260010010003"]
    second = household_list(user=county, limit=3, after=first.next_after)
    assert nos(second) == ["5303260010010004", "5303260010010005", "5303260010010006"]
    third = household_list(user=county, limit=3, after=second.next_after)
    assert nos(third) == ["5303261020010001"] and third.next_after is None


def test_list_query_count_is_constant(households: None) -> None:
    county = make_user("county")
    with CaptureQueriesContext(connection) as ctx:
        page = household_list(user=county, limit=50)
        [h.village.name for h in page.households]
    assert len(ctx.captured_queries) == 1


def test_household_detail(households: None) -> None:

    detail = household_get_detail(household=Household.objects.get(household_no="5303260010010001"))
    assert [m.name for m in detail.members] == ["李建国", "张玉兰", "李明", "李秀英"]
    assert [i.period for i in detail.incomes] == ["2024-12"]
    assert detail.quality_issues == []
