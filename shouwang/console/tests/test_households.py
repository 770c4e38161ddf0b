"""Household list and page: the permission matrix (STYLE 14), masking, search, reveal, query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shouwang.audit.models import AuditEntry
from shouwang.common import idnumber
from shouwang.testing.builders import (
    COUNTY,
    TOWNSHIP_A,
    VILLAGE_A,
    VILLAGE_B,
    make_household,
    make_user,
)

pytestmark = pytest.mark.django_db

LI_HEAD_ID = idnumber.make(COUNTY, dt.date(1975, 3, 8), 11)  # the default head in make_household
WANG_MEMBERS = [
    {"seq": 51, "name": "王德福", "birth": dt.date(1950, 2, 2), "relation": "head", "labour": "lost"},
    {"seq": 62, "name": "赵桂芬", "birth": dt.date(1952, 4, 4), "relation": "spouse", "labour": "none"},
]


@pytest.fixture
def li():
    return make_household(
        "H_LI",
        VILLAGE_A,
        income={
            "wage": Decimal(24000),
            "business": Decimal(6000),
            "transfer": Decimal(3000),
            "business_cost": Decimal(2000),
        },
        monitoring_category="unstable",
        identified_on=dt.date(2024, 3, 1),
        housing_secure=False,
    )


@pytest.fixture
def wang():
    return make_household("H_WANG", VILLAGE_B, poverty_status="ordinary", members=WANG_MEMBERS)


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def detail_url(no: str) -> str:
    return reverse("console:household_detail", args=[no])


def audit_rows(**filters):
    return list(AuditEntry.objects.filter(**filters))


# --- The permission matrix -----------------------------------------------------------------------

READERS_OF_LI = [
    ("province", "53"),
    ("prefecture", "5303"),
    ("county", COUNTY),
    ("township", TOWNSHIP_A),
    ("village", VILLAGE_A),
    ("grid", VILLAGE_A),
    ("auditor", COUNTY),
]


def test_anonymous_is_sent_to_login(li):
    c = Client()
    for url in (reverse("console:household_list"), detail_url("H_LI")):
        response = c.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("console:login"))
    assert not audit_rows(action="view")


def test_user_without_any_role_is_refused(li):
    nobody = make_user("", VILLAGE_A, username="no_role")
    c = client_for(nobody)
    assert c.get(reverse("console:household_list")).status_code == 403
    missing = c.get(detail_url("H_DOES_NOT_EXIST"))
    response = c.get(detail_url("H_LI"))
    assert response.status_code == 404
    assert response.content == missing.content
    assert not audit_rows(action="view")
    assert len(audit_rows(action="access_denied", object_id="H_LI", actor=nobody)) == 1


def test_role_without_household_access_is_refused(li):
    officer = make_user("department", COUNTY, department="medical")
    c = client_for(officer)
    assert c.get(reverse("console:household_list")).status_code == 403
    response = c.get(detail_url("H_LI"))
    assert response.status_code == 404
    assert not audit_rows(action="view")
    assert len(audit_rows(action="access_denied", object_id="H_LI", actor=officer)) == 1


@pytest.mark.parametrize(("role", "region"), READERS_OF_LI)
def test_right_role_right_region_sees_the_household_with_one_view_row(li, role, region):
    user = make_user(role, region)
    response = client_for(user).get(detail_url("H_LI"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "李建国" in body and "H_LI" in body
    assert idnumber.mask(LI_HEAD_ID) in body
    assert LI_HEAD_ID not in body  # masked on screen
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    rows = audit_rows(object_type="household", object_id="H_LI")
    assert [(r.action, r.actor_id) for r in rows] == [("view", user.pk)]


@pytest.mark.parametrize(
    ("role", "region"),
    [("township", "530326102"), ("village", VILLAGE_B), ("grid", VILLAGE_B), ("county", "530302")],
)
def test_right_role_wrong_region_is_the_same_404_as_a_missing_household(li, role, region):
    user = make_user(role, region)
    c = client_for(user)
    outside = c.get(detail_url("H_LI"))
    missing = c.get(detail_url("H_DOES_NOT_EXIST"))
    assert outside.status_code == missing.status_code == 404
    assert outside.content == missing.content  # byte-identical: nothing tells them apart
    assert sorted(outside.headers.keys()) == sorted(missing.headers.keys())
    assert "H_LI" not in outside.content.decode()
    assert len(audit_rows(action="access_denied", object_id="H_LI", actor=user)) == 1
    assert len(audit_rows(action="not_found", object_id="H_DOES_NOT_EXIST", actor=user)) == 1
    assert not audit_rows(action="view")


def test_the_list_is_region_scoped(li, wang):
    township = client_for(make_user("township", TOWNSHIP_A))
    body = township.get(reverse("console:household_list")).content.decode()
    assert "H_LI" in body and "H_WANG" not in body
    # Asking for another township's region falls back to the user's own.
    body = township.get(reverse("console:household_list"), {"region": "530326102"}).content.decode()
    assert "H_WANG" not in body

    county = client_for(make_user("county", COUNTY))
    body = county.get(reverse("console:household_list")).content.decode()
    assert "H_LI" in body and "H_WANG" in body
    body = county.get(reverse("console:household_list"), {"region": "530326102"}).content.decode()
    assert "H_WANG" in body and "H_LI" not in body


def test_list_shows_masked_ids_and_phones_and_labels(li):
    body = client_for(make_user("county", COUNTY)).get(reverse("console:household_list")).content.decode()
    assert idnumber.mask(LI_HEAD_ID) in body
    assert LI_HEAD_ID not in body
    assert "138****1234" in body and "13800001234" not in body
    assert "脱贫户" in body and "脱贫不稳定户" in body


def test_region_picker_offers_the_children_of_the_users_region(li):
    c = client_for(make_user("county", COUNTY))
    body = c.get(reverse("console:household_list")).content.decode()
    assert "古城街道" in body and "娜姑镇" in body
    body = c.get(reverse("console:household_list"), {"region": TOWNSHIP_A}).content.decode()
    assert "堂琅社区" in body  # drill down: the township's villages
    assert f'?region={COUNTY}"' in body  # and the way back up


# --- Search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "found"),
    [
        (LI_HEAD_ID, True),
        (LI_HEAD_ID.lower(), True),
        (f"  {LI_HEAD_ID} ", True),
        (LI_HEAD_ID[:17], False),
        (LI_HEAD_ID[:14], False),
        (LI_HEAD_ID[-6:], False),
        (idnumber.mask(LI_HEAD_ID), False),
        ("H_LI", True),
        ("H_L", True),  # household numbers and names also match by prefix (registry/selectors.py)
        ("李建国", True),
        ("李明", True),  # a member's name, not only the head's
        ("李", True),
        ("王", False),  # in the other township: not for this user's search either
        ("建国", False),
    ],
)
def test_search_finds_ids_only_by_the_whole_number(li, wang, q, found):
    user = make_user("township", TOWNSHIP_A)
    response = client_for(user).post(reverse("console:household_list"), {"q": q})
    assert response.status_code == 200
    body = response.content.decode()
    assert ("H_LI" in body) is found
    assert "H_WANG" not in body


def test_search_by_id_never_crosses_the_region(li):
    user = make_user("township", "530326102")
    body = client_for(user).post(reverse("console:household_list"), {"q": LI_HEAD_ID}).content.decode()
    assert "H_LI" not in body


# --- Pagination and query count -----------------------------------------------------------------


def _many(n: int) -> None:
    for i in range(n):
        make_household(
            f"H{i:04d}",
            VILLAGE_A,
            members=[
                {
                    "seq": 100 + (i % 400) * 2 + 1,
                    "name": f"户主{i}",
                    "birth": dt.date(1960, 1, 1) + dt.timedelta(days=i),
                    "relation": "head",
                }
            ],
        )


def test_keyset_pagination_walks_every_household_once():
    _many(120)
    c = client_for(make_user("county", COUNTY))
    seen: list[str] = []
    params: dict[str, str] = {}
    for _ in range(5):
        page = c.get(reverse("console:household_list"), params).context["page"]
        seen += [h.household_no for h in page.rows]
        if not page.next_after:
            break
        params = {"after": page.next_after}
    assert seen == [f"H{i:04d}" for i in range(120)]


def test_list_query_count_does_not_grow_with_households(django_assert_max_num_queries):
    _many(60)
    c = client_for(make_user("county", COUNTY))
    with django_assert_max_num_queries(7):
        response = c.get(reverse("console:household_list"), {"region": TOWNSHIP_A})
    assert len(response.context["page"].rows) == 50


# --- Reveal ------------------------------------------------------------------------------------


def _reveal_url(household, name: str = "李建国") -> str:
    person = household.members.get(name=name)
    return reverse("console:person_reveal_id", args=[household.household_no, person.pk])


def test_reveal_by_a_grid_worker_is_forbidden(li):
    grid = make_user("grid", VILLAGE_A)
    response = client_for(grid).post(_reveal_url(li))
    assert response.status_code == 403
    assert LI_HEAD_ID not in response.content.decode()
    assert not audit_rows(action="reveal")


def test_reveal_by_a_township_official_shows_the_id_and_is_audited(li):
    township = make_user("township", TOWNSHIP_A)
    c = client_for(township)
    page = c.get(detail_url("H_LI")).content.decode()
    assert "显示完整证件号码" in page
    response = c.post(_reveal_url(li), {"reason": "入户核实"})
    assert response.status_code == 200
    assert LI_HEAD_ID in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    rows = audit_rows(action="reveal")
    assert len(rows) == 1
    assert (rows[0].actor_id, rows[0].object_type, rows[0].reason) == (
        township.pk,
        "person.id_number",
        "入户核实",
    )


def test_reveal_needs_post_and_csrf(li):
    township = make_user("township", TOWNSHIP_A)
    c = Client(enforce_csrf_checks=True)
    c.force_login(township)
    assert c.get(_reveal_url(li)).status_code == 405
    assert c.post(_reveal_url(li)).status_code == 403  # no CSRF token
    assert not audit_rows(action="reveal")


def test_reveal_outside_the_region_is_the_same_404(li):
    other = make_user("township", "530326102")
    c = client_for(other)
    outside = c.post(_reveal_url(li))
    missing = c.get(detail_url("H_DOES_NOT_EXIST"))
    assert outside.status_code == 404
    assert outside.content == missing.content
    assert not audit_rows(action="reveal")


def test_reveal_button_is_shown_only_to_revealers(li):
    page = client_for(make_user("grid", VILLAGE_A)).get(detail_url("H_LI")).content.decode()
    assert "显示完整证件号码" not in page


def test_phone_reveal(li):
    township = make_user("township", TOWNSHIP_A)
    response = client_for(township).post(reverse("console:household_reveal_phone", args=["H_LI"]))
    assert response.status_code == 200
    assert "13800001234" in response.content.decode()
    assert len(audit_rows(action="reveal", object_type="household.phone")) == 1


def test_a_refused_reveal_attempt_leaves_an_audit_row(li):
    grid = make_user("grid", VILLAGE_A)
    response = client_for(grid).post(_reveal_url(li))
    assert response.status_code == 403
    assert audit_rows(actor=grid, reason="reveal_id")
    assert len(audit_rows(actor=grid, action="access_denied", object_type="person.id_number")) == 1
    assert not audit_rows(actor=grid, action="reveal")


# --- Page content --------------------------------------------------------------------------------


def test_household_page_shows_members_income_and_guarantees(li):
    response = client_for(make_user("county", COUNTY)).get(detail_url("H_LI"))
    body = response.content.decode()
    for text in ("张玉兰", "李明", "李秀英", "初中", "长期慢性病", "脱贫不稳定户", "2024-03-01", "2024-12"):
        assert text in body, text
    assert "未保障" in body  # housing_secure=False
    # R-INC-02: (24000 + 6000 + 3000 - 2000) / 4 members = 7750.00
    assert "7,750.00" in body or "7750.00" in body
