"""Login throttling (decision 0007): per (user name, address) pair and per address, never per user name
alone; refused before the password is checked; the same for the API, the console and the field app."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.accounts import throttle
from shouwang.accounts.models import ApiToken, LoginThrottle
from shouwang.audit.models import AuditEntry
from shouwang.testing.builders import TOWNSHIP_A, make_user

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token"
LOGIN = "/login/"
ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"
RIGHT = "test-pass-123"


def api_login(username: str, password: str, address: str) -> Any:
    return Client().post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def console_login(username: str, password: str, address: str) -> Any:
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def state() -> list[tuple[Any, ...]]:
    """Everything a refusal must leave alone: throttle rows, tokens, sign-ins."""
    return [
        *LoginThrottle.objects.order_by("pk").values_list(
            "scope", "address", "username", "failures", "locked_until", "expires_at"
        ),
        ("tokens", ApiToken.objects.count()),
        ("logins", AuditEntry.objects.filter(action="login").count()),
    ]


def test_policy_delays_grow_exponentially_and_are_capped():
    p = throttle.PAIR_POLICY
    assert p.delay(p.free - 1) is None
    assert [p.delay(p.free + n) for n in range(3)] == [p.base, p.base * 2, p.base * 4]
    assert p.delay(p.free + 1000) == p.cap


def test_token_endpoint_refuses_the_31st_try_even_with_the_right_password():
    user = make_user("township", TOWNSHIP_A)
    answers = [api_login(user.username, f"guess-{n}", ATTACKER).status_code for n in range(30)]
    free = throttle.PAIR_POLICY.free
    assert answers[:free] == [401] * free
    assert set(answers[free:]) == {429}
    before = state()
    refused = api_login(user.username, RIGHT, ATTACKER)
    assert refused.status_code == 429
    body = refused.json()
    assert "登录尝试过于频繁" in body["detail"]
    assert 0 < body["retry_after"] <= 60
    assert refused["Retry-After"] == str(body["retry_after"])
    assert "token" not in body
    assert state() == before  # refused before the password: nothing counted, no token, no login
    # The refusals only counted the first failures: the pair holds exactly `free`.
    pair = LoginThrottle.objects.get(scope="pair", address=ATTACKER, username=user.username)
    assert pair.failures == free


def test_the_real_user_still_signs_in_from_another_address():
    user = make_user("township", TOWNSHIP_A)
    for n in range(31):
        api_login(user.username, f"guess-{n}", ATTACKER)
    assert api_login(user.username, RIGHT, ATTACKER).status_code == 429
    ok = api_login(user.username, RIGHT, OFFICE)
    assert ok.status_code == 200 and ok.json()["token"].startswith("sw_")
    assert console_login(user.username, RIGHT, OFFICE).status_code == 302


def test_the_refusal_ends_when_the_period_is_over_and_the_next_failure_doubles_it():
    user = make_user("township", TOWNSHIP_A)
    for n in range(throttle.PAIR_POLICY.free):
        api_login(user.username, f"guess-{n}", ATTACKER)
    assert api_login(user.username, RIGHT, ATTACKER).status_code == 429
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert api_login(user.username, "guess-again", ATTACKER).status_code == 401
    refused = api_login(user.username, RIGHT, ATTACKER)
    assert refused.status_code == 429 and 60 < refused.json()["retry_after"] <= 120
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert api_login(user.username, RIGHT, ATTACKER).status_code == 200
    # Success forgets the pair's failures.
    assert not LoginThrottle.objects.filter(scope="pair").exists()


def test_one_address_spraying_many_names_is_throttled_for_every_name():
    victim = make_user("township", TOWNSHIP_A)
    free = throttle.ADDRESS_POLICY.free
    for n in range(free):
        assert api_login(f"nobody{n}", "guess", ATTACKER).status_code == 401
    before = state()
    refused = console_login(victim.username, RIGHT, ATTACKER)
    assert refused.status_code == 429 and "登录尝试过于频繁" in refused.content.decode()
    assert state() == before
    assert api_login(victim.username, RIGHT, OFFICE).status_code == 200


def test_expired_rows_are_removed_on_the_next_failure():
    user = make_user("township", TOWNSHIP_A)
    api_login(user.username, "guess", ATTACKER)
    LoginThrottle.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    api_login("someone", "guess", OFFICE)
    assert not LoginThrottle.objects.filter(address=ATTACKER).exists()


def test_console_login_is_throttled_by_pair_and_the_real_user_gets_in_elsewhere():
    user = make_user("township", TOWNSHIP_A)
    for _ in range(throttle.PAIR_POLICY.free):
        assert console_login(user.username, "wrong-password", ATTACKER).status_code == 200
    before = state()
    refused = console_login(user.username, RIGHT, ATTACKER)
    assert refused.status_code == 429
    assert "登录尝试过于频繁，请1分钟后再试" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 60
    assert state() == before
    assert console_login(user.username, RIGHT, OFFICE).status_code == 302
    # The API shares the throttle: the same pair is refused there too.
    assert api_login(user.username, RIGHT, ATTACKER).status_code == 429


def test_field_login_shares_the_throttle():
    user = make_user("grid")
    for _ in range(throttle.PAIR_POLICY.free):
        api_login(user.username, "wrong-password", ATTACKER)
    c = Client()
    refused = c.post("/field/login/", {"username": user.username, "password": RIGHT}, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429 and "登录尝试过于频繁" in refused.content.decode()


def test_every_api_login_is_audited_with_address_and_region():
    user = make_user("township", TOWNSHIP_A)
    assert api_login(user.username, "wrong", ATTACKER).status_code == 401
    failed = AuditEntry.objects.get(action="login_failed")
    assert (failed.object_type, failed.actor_label, failed.region_code) == ("api", user.username, TOWNSHIP_A)
    assert failed.changes == {"ip": ATTACKER}
    assert "wrong" not in str(failed.changes) + failed.reason
    assert api_login(user.username, RIGHT, OFFICE).status_code == 200
    login = AuditEntry.objects.get(action="login")
    assert (login.object_type, login.actor_id, login.region_code) == ("api", user.pk, TOWNSHIP_A)
    assert login.changes == {"ip": OFFICE}
    created = AuditEntry.objects.get(action="create", object_type="api_token")
    assert created.region_code == TOWNSHIP_A


def test_throttled_refusals_are_audited_with_address_region_and_wait():
    user = make_user("township", TOWNSHIP_A)
    for _ in range(throttle.PAIR_POLICY.free):
        api_login(user.username, "wrong", ATTACKER)
    api_login(user.username, RIGHT, ATTACKER)
    console_login(user.username, RIGHT, ATTACKER)
    rows = list(AuditEntry.objects.filter(action="login_failed", changes__throttled=True).order_by("id"))
    assert [r.object_type for r in rows] == ["api", "session"]
    for row in rows:
        assert (row.region_code, row.changes["ip"]) == (TOWNSHIP_A, ATTACKER)
        assert row.changes["retry_after"] > 0
        assert "未校验密码" in row.reason


def test_unknown_user_failures_are_audited_without_region():
    api_login("nobody", "guess", ATTACKER)
    row = AuditEntry.objects.get(action="login_failed")
    assert (row.actor_label, row.region_code, row.changes["ip"]) == ("nobody", "", ATTACKER)
