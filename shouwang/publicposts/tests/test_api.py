"""``GET /api/v1/posts`` and ``GET /api/v1/posts/{id}/holders``: the list envelope and its keyset pages,
the filters, region scoping (another region's post is a 404 like a missing one) and the roles."""

import pytest
from django.test import Client

from shouwang.accounts.services import api_token_create
from shouwang.publicposts.tests.helpers import hire_through, make_post, member
from shouwang.testing.builders import VILLAGE_B, make_household, make_user

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})


def test_list_pages_filters_and_holders(monkeypatch):
    county = make_user("county")
    li = make_household("H_LI")
    hired = make_post(county, name="护林员", post_class="forest")
    hire_through(hired, member(li, "李建国"), county, monkeypatch)
    for i in range(3):
        make_post(county, name=f"保洁员{i}")
    c = api(county)
    first = c.get("/api/v1/posts", {"limit": 2}).json()
    assert first["total"] == 4 and len(first["items"]) == 2 and first["next_cursor"]
    rest = c.get("/api/v1/posts", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["name"] for p in first["items"] + rest["items"]] == ["护林员", "保洁员0", "保洁员1", "保洁员2"]
    assert rest["next_cursor"] is None
    item = first["items"][0]
    labels = (item["post_class_label"], item["stage_label"], item["active_holders"])
    assert labels == ("护林员", "聘用上岗", 1)
    assert c.get("/api/v1/posts", {"vacant": "true"}).json()["total"] == 3
    assert c.get("/api/v1/posts", {"stage": "hired"}).json()["total"] == 1
    assert c.get("/api/v1/posts", {"village": "530326102"}).json()["total"] == 0
    assert c.get("/api/v1/posts", {"stage": "nonsense"}).status_code == 422
    assert c.get("/api/v1/posts", {"cursor": "garbage"}).status_code == 422
    holders = c.get(f"/api/v1/posts/{item['id']}/holders").json()
    (h,) = holders["items"]
    assert (h["name"], h["household_no"], h["status_label"]) == ("李建国", "H_LI", "在岗")
    assert "*" in h["id_masked"]
    # Another region: the list is empty and the post answers 404, the same as a missing one.
    other = api(make_user("village", VILLAGE_B, username="vb"))
    assert other.get("/api/v1/posts").json()["total"] == 0
    outside = other.get(f"/api/v1/posts/{item['id']}/holders")
    missing = other.get("/api/v1/posts/99999/holders")
    assert outside.status_code == missing.status_code == 404 and outside.json() == missing.json()
    assert api(make_user("department")).get("/api/v1/posts").status_code == 403
