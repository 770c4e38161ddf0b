"""The pages' role gates in one matrix (STYLE 14): no role → 403 on every page, a department officer → 403
on the officials' pages, anonymous → the login page. Region scoping and the audit rows of pages with
personal data are tested page by page (test_households, test_case_page, test_household360, test_workqueue,
test_exports)."""

import pytest
from django.test import Client
from django.urls import reverse

from shouwang.console.tests.helpers import client_for
from shouwang.testing.builders import COUNTY, VILLAGE_A, make_user

pytestmark = pytest.mark.django_db

PAGES = [
    "console:dashboard",
    "console:household_list",
    "console:warning_list",
    "console:case_list",
    "console:screening_runs",
    "console:parameters",
    "console:batches",
    "console:export_list",
    "console:post_list",
]


@pytest.mark.parametrize("name", PAGES)
def test_no_role_department_and_anonymous_are_refused(name):
    url = reverse(name)
    assert client_for(make_user("", VILLAGE_A, username="nobody")).get(url).status_code == 403
    department = client_for(make_user("department", COUNTY, department="medical"))
    assert department.get(url).status_code == 403
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("console:login"))


@pytest.mark.parametrize(
    ("role", "region", "allowed"),
    [
        ("province", "53", set(PAGES)),
        ("county", COUNTY, set(PAGES)),
        ("township", "530326001", set(PAGES) - {"console:batches"}),
        ("village", VILLAGE_A, set(PAGES) - {"console:batches", "console:dashboard"}),
        ("grid", VILLAGE_A, set(PAGES) - {"console:batches", "console:dashboard"}),
        ("auditor", COUNTY, set(PAGES)),
    ],
)
def test_officials_get_their_pages(role, region, allowed):
    c = client_for(make_user(role, region))
    for name in PAGES:
        expected = 200 if name in allowed else 403
        assert c.get(reverse(name)).status_code == expected, (role, name)
