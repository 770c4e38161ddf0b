"""Every kind of refused request leaves exactly one audit row with actor (or the attempted token), address,
path and reason; identical refusals within a minute are one row, and one address cannot write more than
``PER_ADDRESS_PER_MINUTE`` rows a minute (docs/accounts.md "Refused access")."""

import pytest
from django.test import Client

from shouwang.accounts.refusals import PER_ADDRESS_PER_MINUTE
from shouwang.audit.models import AuditEntry
from shouwang.cases.tests.helpers import Api
from shouwang.registry.models import Household
from shouwang.testing.builders import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, make_household, make_user

pytestmark = pytest.mark.django_db


def refusals():
    return list(AuditEntry.objects.filter(object_type="request").order_by("id"))


def only_refusal():
    rows = refusals()
    assert len(rows) == 1, [(r.actor_label, r.object_id, r.changes) for r in rows]
    return rows[0]


def test_a_bad_token_leaves_one_row_with_the_token_prefix_and_the_address():
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(3):  # the same refusal again within the minute adds nothing
        response = client.get("/api/v1/warnings", headers={"Authorization": "Bearer forgedtoken-0123456789"})
        assert response.status_code == 401
    row = only_refusal()
    assert row.action == "access_denied" and row.actor is None
    assert row.actor_label == "token:forgedto…"
    assert row.changes == {
        "kind": "unauthenticated",
        "address": "203.0.113.7",
        "method": "GET",
        "path": "/api/v1/warnings",
    }
    assert row.object_id == "/api/v1/warnings" and row.reason == "令牌无效、已过期或已吊销"


def test_a_request_without_any_token_is_recorded_as_anonymous():
    assert Client().get("/api/v1/warnings").status_code == 401
    assert only_refusal().actor_label == "anonymous"


def test_a_wrong_password_on_the_token_endpoint_is_left_to_the_login_audit():
    user = make_user("village")
    response = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "wrong"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert refusals() == []


def test_a_role_refused_by_the_api_leaves_one_row_with_the_reason():
    department = make_user("department")
    api = Api(department)
    response = api.post("/api/v1/clues", {"village_code": VILLAGE_A, "risk_types": ["illness"]})
    assert response.status_code == 403
    row = only_refusal()
    assert row.actor == department and row.region_code == department.region_code
    assert row.changes["kind"] == "forbidden" and row.changes["method"] == "POST"
    assert row.reason == "您的角色无权登记风险线索"


def test_a_refused_console_page_leaves_one_row():
    village = make_user("village")
    client = Client()
    client.force_login(village)
    assert client.get("/audit/").status_code == 403
    assert client.get("/dashboard/").status_code == 403
    rows = refusals()
    assert [(r.object_id, r.changes["kind"], r.actor_id) for r in rows] == [
        ("/audit/", "forbidden", village.pk),
        ("/dashboard/", "forbidden", village.pk),
    ]
    assert rows[0].reason == "您的角色无权查看审计日志"


def test_a_refusal_a_guard_already_audited_is_not_written_twice():
    """The ID-number reveal audits its own refusal; the middleware adds nothing."""
    make_household("H_LI")
    grid = make_user("grid", VILLAGE_A)
    before = AuditEntry.objects.filter(action="access_denied").count()
    client = Client()
    client.force_login(grid)
    person = Household.objects.get(household_no="H_LI").members.all()[0]
    assert client.post(f"/households/H_LI/members/{person.pk}/reveal-id/").status_code == 403
    assert AuditEntry.objects.filter(action="access_denied").count() == before + 1
    assert refusals() == []


@pytest.mark.parametrize("interface", ["api", "console"])
def test_a_list_asked_for_a_region_outside_the_users_leaves_one_row(interface):
    township = make_user("township", TOWNSHIP_A)
    if interface == "api":
        response = Api(township).get("/api/v1/warnings", region=TOWNSHIP_B)
        path = "/api/v1/warnings"
    else:
        client = Client()
        client.force_login(township)
        response = client.get("/households/", {"region": TOWNSHIP_B})
        path = "/households/"
    assert response.status_code == 200
    row = only_refusal()
    assert row.actor == township and row.object_id == path
    assert row.changes["kind"] == "out_of_region"
    assert row.reason == f"查询辖区以外的区划：{TOWNSHIP_B}"


def test_a_list_inside_the_users_region_leaves_no_row():
    township = make_user("township", TOWNSHIP_A)
    assert Api(township).get("/api/v1/warnings", region=VILLAGE_A).status_code == 200
    assert refusals() == []


def test_one_address_cannot_flood_the_audit_log():
    client = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(PER_ADDRESS_PER_MINUTE + 15):
        response = client.get(f"/api/v1/cases/{n}", headers={"Authorization": f"Bearer guess-{n:04d}"})
        assert response.status_code == 401
    assert len(refusals()) == PER_ADDRESS_PER_MINUTE
    # Another address is still recorded.
    Client(REMOTE_ADDR="198.51.100.10").get("/api/v1/cases/1")
    assert len(refusals()) == PER_ADDRESS_PER_MINUTE + 1
