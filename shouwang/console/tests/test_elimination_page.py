"""The elimination review page: each monitored household with whether it may be proposed for risk
elimination and every reason why not (policy IDs in the tooltip), the proposal landing on its form."""

import datetime as dt

import pytest
from django.urls import reverse

from shouwang.cases.models import Case
from shouwang.cases.tests.helpers import set_today
from shouwang.cases.tests.test_elimination import IDENTIFIED, monitored
from shouwang.console.tests.helpers import client_for
from shouwang.testing.builders import VILLAGE_B, make_user

pytestmark = pytest.mark.django_db
URL = reverse("console:elimination_review")


@pytest.fixture
def users():
    return {r: make_user(r) for r in ("village", "township", "county")}


def test_who_qualifies_and_why_not(users, monkeypatch):
    ready = monitored(users, monkeypatch, "H_LI")
    zhao = [
        {"seq": 13, "name": "赵国强", "birth": dt.date(1976, 4, 2), "relation": "head"},
        {"seq": 24, "name": "孙丽", "birth": dt.date(1979, 7, 9), "relation": "spouse"},
        {"seq": 33, "name": "赵小", "birth": dt.date(2012, 2, 1), "relation": "child", "labour": "none"},
        {"seq": 44, "name": "钱老", "birth": dt.date(1950, 1, 1), "relation": "parent", "labour": "none"},
    ]
    not_yet = monitored(users, monkeypatch, "H_ZHAO", members=zhao, housing_secure=False)
    on = IDENTIFIED + dt.timedelta(days=400)
    set_today(monkeypatch, on)
    c = client_for(users["township"])
    response = c.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(r.household_no, r.qualifies) for r in rows] == [("H_LI", True), ("H_ZHAO", False)]
    assert response.context["total"] == 2
    reasons = [r.text for r in rows[1].reasons]
    assert any("住房安全问题尚未解决" in t for t in reasons)
    page = response.content.decode()
    assert "住房安全问题尚未解决（两不愁三保障及饮水安全）" in page and 'title="政策依据：R-ELIM-01"' in page
    propose = f"{reverse('console:case_detail', args=[ready.pk])}?act=propose_elimination"
    assert propose in page and reverse("console:case_detail", args=[not_yet.pk]) + "?act=" not in page
    # The link opens the proposal form on the case page.
    form_page = c.get(propose).content.decode()
    assert 'id="action-propose_elimination" open' in form_page
    # Proposed: the household shows its elimination case instead.
    c.post(
        reverse("console:case_transition", args=[ready.pk]),
        {"action": "propose_elimination", "expected_version": ready.version, "mode": "assisted"},
    )
    elim = Case.objects.get(parent=ready, kind="elimination")
    rows = c.get(URL).context["rows"]
    assert rows[0].open_elimination_case_id == elim.pk and not rows[0].qualifies
    # Another village's official sees none of them.
    assert client_for(make_user("village", VILLAGE_B, username="vb")).get(URL).context["rows"] == []
