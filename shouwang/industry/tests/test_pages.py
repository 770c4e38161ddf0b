"""The 产业帮扶 console pages (docs/industry.md): rendered for the roles that read households, scoped by
region, refused to a role with no business there, "not yours" the same as "does not exist"; list page
query count pinned (STYLE 12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shouwang.accounts.services import api_token_create
from shouwang.industry.services import industry_import
from shouwang.industry.tests.conftest import COOP_A, COOP_B, PAYOUT_HEADER, PAYOUT_ROWS, TODAY
from shouwang.testing.builders import make_user

pytestmark = pytest.mark.django_db


def _client(role: str, region: str | None = None) -> Client:
    c = Client()
    c.force_login(make_user(role, region))
    return c


def test_entity_list_filters_and_nav(county: dict[str, Any]) -> None:
    c = _client("county")
    url = reverse("console:industry_entities")
    page = c.get(url).content.decode()
    assert "云岭牧业有限公司" in page and "堂琅养牛专业合作社" in page and "产业帮扶" in page
    assert "省级" in page and "曲靖市会泽县" in page
    only = c.get(url, {"type": "cooperative"}).content.decode()
    assert "堂琅养牛专业合作社" in only and "云岭牧业有限公司" not in only
    assert "没有符合条件的经营主体" in c.get(url, {"status": "closed"}).content.decode()
    # An unknown filter value is ignored rather than echoed.
    assert "云岭牧业有限公司" in c.get(url, {"type": "<script>"}).content.decode()
    with CaptureQueriesContext(connection) as q:
        assert c.get(url).status_code == 200
    assert len(q.captured_queries) <= 12


def test_entity_detail_shows_bindings_and_payouts(county: dict[str, Any], files: Callable[..., Path]) -> None:
    industry_import(kind="payouts", path=files("p.csv", PAYOUT_HEADER, PAYOUT_ROWS), today=TODAY)
    page = _client("county").get(reverse("console:industry_entity_detail", args=[COOP_A])).content.decode()
    for text in ("SB-2023-001", "SB-2023-101", "订单收购、保底分红", "保底价 28.50 元", "收购款", "保底收益"):
        assert text in page, text
    assert "4200.00" in page
    # A township outside the cooperative's households sees the entity but none of its households.
    other = _client("township", "530326102")
    page = other.get(reverse("console:industry_entity_detail", args=[COOP_A])).content.decode()
    assert "本人辖区内没有绑定农户" in page and "SB-2023-101" not in page


def test_coverage_page(county: dict[str, Any]) -> None:
    page = _client("county").get(reverse("console:industry_coverage")).content.decode()
    assert "古城街道" in page and "娜姑镇" in page and "33.3%" in page
    assert "陈大" in page  # the 未绑 household, by its head
    assert "张大" in page  # the 单绑 household


def test_access(county: dict[str, Any]) -> None:
    detail = reverse("console:industry_entity_detail", args=[COOP_B])
    assert _client("county", "530302").get(detail).status_code == 404
    assert (
        _client("county")
        .get(reverse("console:industry_entity_detail", args=["91350100M000100Y43"]))
        .status_code
        == 404
    )
    assert Client().get(reverse("console:industry_entities")).status_code == 302


def test_coverage_api_in_the_callers_region(county: dict[str, Any]) -> None:
    serial = iter(range(100))

    def api(role: str, region: str) -> Client:
        user = make_user(role, region, username=f"api-{role}-{region}-{next(serial)}")
        return Client(headers={"Authorization": f"Bearer {api_token_create(user=user)}"})

    body = api("county", "530326").get("/api/v1/industry/coverage").json()
    assert (body["total"]["eligible"], body["total"]["double"], body["total"]["rate"]) == (3, 1, 33.3)
    town = api("township", "530326102").get("/api/v1/industry/coverage").json()
    assert [t["name"] for t in town["townships"]] == ["娜姑镇"] and town["total"]["single"] == 1
    assert api("county", "530302").get("/api/v1/industry/coverage").json()["total"]["eligible"] == 0
    assert api("county", "530326").get("/api/v1/industry/coverage?region=abc").status_code == 422


def test_household_page_shows_its_agreements_and_payouts(
    county: dict[str, Any], files: Callable[..., Path]
) -> None:
    industry_import(kind="payouts", path=files("p.csv", PAYOUT_HEADER, PAYOUT_ROWS), today=TODAY)
    c = _client("county")
    li = c.get(reverse("console:household_detail", args=["H_LI"])).content.decode()
    assert "产业帮扶（双绑协议与兑现）" in li and "堂琅养牛专业合作社" in li and "保底收益" in li
    assert ">双绑<" in li
    zhang = c.get(reverse("console:household_detail", args=["H_ZHANG"])).content.decode()
    assert ">单绑<" in zhang and "娜姑核桃专业合作社" in zhang
    # No agreement, no panel.
    assert (
        "产业帮扶（双绑协议与兑现）"
        not in c.get(reverse("console:household_detail", args=["H_CHEN"])).content.decode()
    )
