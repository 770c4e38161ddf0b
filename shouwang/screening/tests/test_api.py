"""HTTP API: warnings scoped to the caller's region, keyset pagination, starting runs, parameters."""

import pytest
from django.test import Client

from shouwang.accounts.services import api_token_create
from shouwang.audit.models import AuditEntry
from shouwang.screening.models import ScreeningRun
from shouwang.screening.services import screening_run
from shouwang.screening.tests.lake import lake_batch, person_index, simple_household
from shouwang.testing.builders import COUNTY, TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B, make_user

pytestmark = pytest.mark.django_db
P = "2025-03"


@pytest.fixture
def screened():  # type: ignore[no-untyped-def]
    for i in range(3):
        simple_household(f"A{i}", VILLAGE_A, income_per_head=4000)
    for i in range(2):
        simple_household(f"B{i}", VILLAGE_B, income_per_head=4000)
    simple_household("OK", VILLAGE_A, income_per_head=30000)
    lake_batch("housing", P, [{"id_index": person_index("OK"), "appraised_on": "2025-03-02", "grade": "D"}])
    screening_run(user=None, period=P)


def api(role: str, region: str) -> Client:
    user = make_user(role, region, username=f"{role}-{region}")
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


def nos(resp) -> list[str]:  # type: ignore[no-untyped-def]
    assert resp.status_code == 200, resp.content
    return [w["household_no"] for w in resp.json()["items"]]


@pytest.mark.parametrize(
    ("role", "region", "expected"),
    [
        ("county", COUNTY, ["A0", "A1", "A2", "B0", "B1", "OK"]),
        ("township", TOWNSHIP_A, ["A0", "A1", "A2", "OK"]),
        ("township", TOWNSHIP_B, ["B0", "B1"]),
        ("village", VILLAGE_B, ["B0", "B1"]),
        ("county", "530302", []),  # another county
        ("department", COUNTY, []),  # departments do not read household lists
    ],
)
def test_warnings_are_region_scoped(screened, role, region, expected) -> None:  # type: ignore[no-untyped-def]
    assert nos(api(role, region).get(f"/api/v1/warnings?period={P}")) == expected


def test_warning_fields_and_region_filter(screened) -> None:  # type: ignore[no-untyped-def]
    c = api("county", COUNTY)
    assert nos(c.get(f"/api/v1/warnings?period={P}&region={VILLAGE_B}")) == ["B0", "B1"]
    item = c.get(f"/api/v1/warnings?period={P}&region={VILLAGE_A}").json()["items"][-1]
    assert item["household_no"] == "OK"
    assert item["signals"][0]["rule"] == "HOUSE-CD" and item["signals"][0]["evidence"]["grade"] == "D"
    assert item["status"] == "new" and item["risk_types"] == ["housing"]
    assert AuditEntry.objects.filter(object_type="warning_list").exists()
    # A region outside one's own gives nothing, not an error.
    assert nos(api("village", VILLAGE_A).get(f"/api/v1/warnings?period={P}&region={VILLAGE_B}")) == []
    assert c.get("/api/v1/warnings?region=123").status_code == 422


def test_keyset_pagination(screened) -> None:  # type: ignore[no-untyped-def]
    c = api("county", COUNTY)
    seen, url = [], f"/api/v1/warnings?period={P}&limit=4"
    while True:
        page = c.get(url).json()
        seen += [w["household_no"] for w in page["items"]]
        if not page["next_cursor"]:
            break
        url = f"/api/v1/warnings?period={P}&limit=4&after={page['next_cursor']}"
    assert seen == ["A0", "A1", "A2", "B0", "B1", "OK"]


def test_start_run_county_or_above(screened) -> None:  # type: ignore[no-untyped-def]
    r = api("village", VILLAGE_A).post(
        "/api/v1/screening/runs", {"period": "2025-04"}, content_type="application/json"
    )
    assert r.status_code == 403
    c = api("county", COUNTY)
    r = c.post("/api/v1/screening/runs", {"period": "2025-04"}, content_type="application/json")
    assert r.status_code == 202 and r.json()["status"] == "queued"
    again = c.post("/api/v1/screening/runs", {"period": "2025-04"}, content_type="application/json")
    assert again.status_code == 422 and "正在进行" in again.json()["detail"]
    run_id = r.json()["id"]
    assert c.get(f"/api/v1/screening/runs/{run_id}").json()["period"] == "2025-04"
    assert ScreeningRun.objects.get(pk=run_id).created_by is not None


def test_parameters_api(screened) -> None:  # type: ignore[no-untyped-def]
    c = api("county", COUNTY)
    r = c.post(
        "/api/v1/screening/parameters",
        {"region_code": COUNTY, "year": 2026, "key": "threshold", "value": "9100", "note": "县级调整"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["version"] == 1
    r = c.post(
        "/api/v1/screening/parameters",
        {"region_code": "53", "year": 2026, "key": "threshold", "value": "9100"},
        content_type="application/json",
    )
    assert r.status_code == 403
    hist = c.get(f"/api/v1/screening/parameters?region={VILLAGE_A}&key=threshold").json()
    rows = {(p["region_code"], p["year"], p["version"]) for p in hist}
    assert (COUNTY, 2026, 1) in rows and ("53", 2025, 1) in rows
    assert all(p["key"] == "threshold" for p in hist)
