"""Each role signs in to the console in a real browser and sees only its own region's households
(the permission rules themselves are tested in accounts/registry/console; this is the user's view)."""

import datetime as dt
from decimal import Decimal

import pytest

from shouwang.field.tests.helpers import make_field_household, make_group
from shouwang.testing.browser import DESKTOP, console_login
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, VILLAGE_B, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHER_COUNTY_VILLAGE = "530302001001"  # 曲靖市麒麟区, same prefecture
OTHER_PREFECTURE_VILLAGE = "530102001001"  # 昆明市五华区

# role → (region, the households that role must see, and nothing else)
EXPECTED = {
    "province": ("53", {"H_G1", "H_VA", "H_VB", "H_C2", "H_P2"}),
    "prefecture": ("5303", {"H_G1", "H_VA", "H_VB", "H_C2"}),
    "county": (COUNTY, {"H_G1", "H_VA", "H_VB"}),
    "township": (TOWNSHIP_A, {"H_G1", "H_VA"}),
    "village": (VILLAGE_A, {"H_G1", "H_VA"}),
    "grid": ("GROUP", {"H_G1"}),
}


@pytest.fixture
def world():
    group = make_group(VILLAGE_A, "一组")
    make_field_household("H_G1", VILLAGE_A, group=group)
    make_field_household(
        "H_VA",
        VILLAGE_A,
        monitoring_category="unstable",
        identified_on=dt.date(2024, 3, 1),
        housing_secure=False,
        income={
            "wage": Decimal(9600),
            "business": Decimal(3200),
            "transfer": Decimal(2400),
            "business_cost": Decimal(1800),
            "compliant_self_pay": Decimal(1200),
        },
    )
    make_field_household("H_VB", VILLAGE_B)
    make_field_household("H_C2", OTHER_COUNTY_VILLAGE)
    make_field_household("H_P2", OTHER_PREFECTURE_VILLAGE)
    for role, (region, _) in EXPECTED.items():
        make_user(role, group.code if region == "GROUP" else region, username=f"u_{role}")
    return group


def test_every_role_sees_only_its_region(browser_context, base_url, world):
    context = browser_context(**DESKTOP)
    page = context.new_page()
    for role, (_, expected) in EXPECTED.items():
        context.clear_cookies()
        console_login(page, base_url, f"u_{role}")
        page.goto(f"{base_url}/households/")
        page.wait_for_selector("table.grid tbody tr")
        seen = set(page.locator("table.grid tbody td:first-child a").all_inner_texts())
        assert seen == expected, role
        # And a household outside the region is "not found", the same as one that does not exist.
        response = page.goto(f"{base_url}/households/H_P2/")
        assert response is not None and response.status == (200 if "H_P2" in expected else 404), role


def test_household_page(browser_context, base_url, screenshot, world):
    context = browser_context(**DESKTOP)
    page = context.new_page()
    console_login(page, base_url, "u_county")
    page.goto(f"{base_url}/households/H_VA/")
    page.wait_for_selector("h1")
    body = page.inner_text("body")
    assert "H_VA" in body and "脱贫不稳定户" in body
    assert "5303**" in body  # ID numbers masked on screen
    screenshot(page, "household-page", full_page=True)
