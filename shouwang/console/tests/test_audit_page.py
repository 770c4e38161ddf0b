"""The audit log page: auditors and county officials, their own region only, with filters."""

import pytest
from django.test import Client
from django.urls import reverse

from shouwang.audit.services import audit_record
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, VILLAGE_A, make_user

pytestmark = pytest.mark.django_db

URL = reverse("console:audit_list")


@pytest.fixture
def entries():
    audit_record(
        actor="system", action="view", object_type="household", object_id="H_IN", region_code=VILLAGE_A
    )
    audit_record(
        actor="alice", action="reveal", object_type="person.id_number", object_id="7", region_code=VILLAGE_A
    )
    audit_record(
        actor="system", action="view", object_type="household", object_id="H_OUT", region_code="530302001001"
    )
    audit_record(actor="nobody", action="login_failed", object_type="session", object_id="nobody")


def _get(user, **params):
    c = Client()
    c.force_login(user)
    return c.get(URL, params)


@pytest.mark.parametrize(("role", "region"), [("auditor", COUNTY), ("county", COUNTY)])
def test_readers_see_their_region_only(entries, role, region):
    response = _get(make_user(role, region))
    assert response.status_code == 200
    ids = {e.object_id for e in response.context["page"].entries}
    assert {"H_IN", "7"} <= ids
    assert "H_OUT" not in ids and "nobody" not in ids


@pytest.mark.parametrize(
    ("role", "region"),
    [("township", TOWNSHIP_A), ("village", VILLAGE_A), ("grid", VILLAGE_A), ("province", "53")],
)
def test_other_roles_are_refused(entries, role, region):
    response = _get(make_user(role, region))
    assert response.status_code == 403
    assert "H_IN" not in response.content.decode()


def test_anonymous_goes_to_login():
    assert Client().get(URL).status_code == 302


def test_province_auditor_also_sees_entries_without_region(entries):
    ids = {e.object_id for e in _get(make_user("auditor", "53")).context["page"].entries}
    assert {"H_IN", "H_OUT", "nobody"} <= ids


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "reveal"}, {"7"}),
        ({"object_type": "household"}, {"H_IN"}),
        ({"object_type": "household", "object_id": "H_IN"}, {"H_IN"}),
        ({"actor": "alice"}, {"7"}),
        ({"actor": "ali"}, set()),
    ],
)
def test_filters(entries, params, expected):
    auditor = make_user("auditor", COUNTY, username="auditor_x")
    ids = {e.object_id for e in _get(auditor, **params).context["page"].entries}
    assert ids == expected


def test_page_shows_chinese_labels(entries):
    body = _get(make_user("auditor", COUNTY)).content.decode()
    assert "查看明文" in body and "审计日志" in body


def test_keyset_pagination():
    for i in range(120):
        audit_record(
            actor="system", action="view", object_type="household", object_id=f"H{i}", region_code=VILLAGE_A
        )
    auditor = make_user("auditor", COUNTY)
    first = _get(auditor).context["page"]
    second = _get(auditor, before=first.next_before).context["page"]
    third = _get(auditor, before=second.next_before).context["page"]
    ids = [e.object_id for e in first.entries + second.entries + third.entries]
    assert ids == [f"H{i}" for i in reversed(range(120))]
    assert third.next_before is None


def test_codes_are_shown_with_chinese_names(entries):
    audit_record(
        actor="x",
        action="view",
        object_type="household",
        object_id="H1",
        region_code=VILLAGE_A,
        reason="view",
    )
    body = _get(make_user("auditor", COUNTY)).content.decode()
    assert "成员证件号码" in body and "查看农户页面" in body
