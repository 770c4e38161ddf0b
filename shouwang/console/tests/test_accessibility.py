"""Every console page passes the basic accessibility checks (console/tests/a11y.py) for the roles that use
it: labelled controls, alt text, heading order, skip link and landmark, page language."""

import pytest
from django.test import Client
from django.urls import reverse

from shouwang.console.stats import stats_refresh
from shouwang.console.tests.a11y import a11y_problems
from shouwang.console.tests.helpers import TODAY, client_for, home_check, open_case, set_today, warning_for
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db


def test_the_checker_catches_problems():
    bad = '<html><body><h1>x</h1><h3>y</h3><input name="q"><img src="a.png"></body></html>'
    problems = a11y_problems(bad)
    assert len(problems) == 5  # lang, unlabelled input, img alt, skipped level, no skip link
    good = (
        '<html lang="zh"><body><a href="#main">跳过</a><main id="main"><h1>x</h1><h2>y</h2>'
        '<label for="q">查询</label><input id="q" name="q"><label>地址 <input name="a"></label>'
        '<input type="hidden" name="h"><img src="a.png" alt=""></main></body></html>'
    )
    assert a11y_problems(good) == []


def test_every_page_passes(monkeypatch):
    set_today(monkeypatch, TODAY)
    hh = make_household("H_LI", VILLAGE_A)
    warning_for(hh, "2025-02")
    village = make_user("village", VILLAGE_A)
    case = open_case(hh, village)
    home_check(case, village, TODAY)
    stats_refresh(today=TODAY)
    county = client_for(make_user("county", COUNTY))
    township = client_for(make_user("township", TOWNSHIP_A))
    pages = [
        (county, "/"),
        (county, reverse("console:dashboard")),
        (county, reverse("console:household_list")),
        (county, reverse("console:household_detail", args=["H_LI"])),
        (county, reverse("console:warning_list")),
        (county, reverse("console:case_list")),
        (township, reverse("console:case_detail", args=[case.pk])),  # with the compare form
        (client_for(village), reverse("console:case_detail", args=[case.pk])),
        (county, reverse("console:screening_runs")),
        (county, reverse("console:parameters")),
        (county, reverse("console:batches")),
        (county, reverse("console:export_list")),
        (county, reverse("console:audit_list")),
        (Client(), reverse("console:login")),
    ]
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert a11y_problems(response.content.decode()) == [], url
