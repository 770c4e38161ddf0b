"""Login and logout: audited, CSRF-protected, session cookie not readable by scripts."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.accounts.models import LoginThrottle
from shouwang.audit.models import AuditEntry
from shouwang.testing.builders import TOWNSHIP_A, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def test_login_page_is_chinese_and_has_a_csrf_token():
    response = Client().get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "用户登录" in body and "用户名" in body and "密码" in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<html lang="zh-hans">' in body


def test_successful_login_is_audited_and_starts_a_session():
    user = make_user("township", TOWNSHIP_A)
    c = Client()
    response = c.post(LOGIN, {"username": user.username, "password": "test-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"
    rows = list(AuditEntry.objects.filter(action="login"))
    assert len(rows) == 1
    assert (rows[0].actor_id, rows[0].region_code, rows[0].object_id) == (user.pk, TOWNSHIP_A, user.username)
    assert rows[0].changes["ip"] == "127.0.0.1"
    assert c.get(reverse("console:household_list")).status_code == 200


def test_failed_login_is_audited_with_the_accounts_region():
    user = make_user("township", TOWNSHIP_A)
    response = Client().post(LOGIN, {"username": user.username, "password": "wrong-password"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    row = AuditEntry.objects.get(action="login_failed")
    assert (row.actor_id, row.actor_label, row.region_code) == (None, user.username, TOWNSHIP_A)
    assert "wrong-password" not in str(row.changes) + row.reason
    assert not AuditEntry.objects.filter(action="login").exists()


def test_failed_login_for_an_unknown_user_is_audited_without_region():
    Client().post(LOGIN, {"username": "nobody", "password": "whatever-123"})
    row = AuditEntry.objects.get(action="login_failed")
    assert (row.actor_label, row.region_code) == ("nobody", "")


def test_inactive_user_cannot_log_in():
    user = make_user("township", TOWNSHIP_A, is_active=False)
    response = Client().post(LOGIN, {"username": user.username, "password": "test-pass-123"})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="login_failed").count() == 1


def test_login_requires_csrf():
    user = make_user("township", TOWNSHIP_A)
    c = Client(enforce_csrf_checks=True)
    response = c.post(LOGIN, {"username": user.username, "password": "test-pass-123"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="login").exists()


def test_next_is_followed_only_within_the_site():
    user = make_user("township", TOWNSHIP_A)
    ok = Client().post(
        LOGIN,
        {"username": user.username, "password": "test-pass-123", "next": "/households/?region=530326001"},
    )
    assert ok["Location"] == "/households/?region=530326001"
    evil = Client().post(
        LOGIN, {"username": user.username, "password": "test-pass-123", "next": "https://evil.example/"}
    )
    assert evil["Location"] == "/"


def test_logout_takes_a_post():
    user = make_user("township", TOWNSHIP_A)
    c = Client()
    c.force_login(user)
    assert "确定要退出" in c.get("/logout/").content.decode()
    assert c.get(reverse("console:household_list")).status_code == 200  # a GET did not log out
    assert not AuditEntry.objects.filter(action="logout").exists()  # nor did it audit one
    response = c.post("/logout/", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    assert c.get(reverse("console:household_list")).status_code == 302
    row = AuditEntry.objects.get(action="logout")
    assert (row.actor_id, row.object_type, row.region_code) == (user.pk, "session", TOWNSHIP_A)
    assert row.changes == {"ip": "10.1.2.3"}
    c.post("/logout/")  # already signed out: nothing more to audit
    assert AuditEntry.objects.filter(action="logout").count() == 1


def test_home_sends_each_role_to_its_page():
    c = Client()
    c.force_login(make_user("township", TOWNSHIP_A))
    response = c.get("/")
    assert response.status_code == 200 and "工作台" in response.content.decode()  # the work queue
    c.force_login(make_user("auditor", "530326"))
    assert c.get("/")["Location"] == reverse("console:dashboard")
    c.force_login(make_user("department", "530326", department="medical"))
    response = c.get("/")
    assert response.status_code == 200
    assert "欢迎使用" in response.content.decode()


def test_static_css_is_referenced_locally():
    body = Client().get(LOGIN).content.decode()
    assert 'href="/static/console/console.css"' in body
    assert "http://" not in body and "https://" not in body


def test_repeated_failures_throttle_this_address_only_for_a_while():
    """Not a lock on the user name (decision 0007): the same user signs in from another address."""
    user = make_user("township", TOWNSHIP_A)
    c = Client()
    for _ in range(5):
        c.post(LOGIN, {"username": user.username, "password": "wrong-password"})
    response = c.post(LOGIN, {"username": user.username, "password": "test-pass-123"})
    assert response.status_code == 429
    assert "登录尝试过于频繁" in response.content.decode()
    assert not AuditEntry.objects.filter(action="login").exists()
    assert AuditEntry.objects.filter(action="login_failed").count() == 6
    elsewhere = Client().post(
        LOGIN, {"username": user.username, "password": "test-pass-123"}, REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 302
    # The refusal ends when its period has passed.
    LoginThrottle.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    response = c.post(LOGIN, {"username": user.username, "password": "test-pass-123"})
    assert response.status_code == 302
    # Another user name is not affected by the pair's refusal.
    other = make_user("township", "530326102")
    assert Client().post(LOGIN, {"username": other.username, "password": "test-pass-123"}).status_code == 302


def test_error_pages_are_the_consoles_own():
    c = Client()
    c.force_login(make_user("township", TOWNSHIP_A))
    response = c.get("/no-such-page/")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()
    csrf = Client(enforce_csrf_checks=True).post(LOGIN, {"username": "x", "password": "y"})
    assert csrf.status_code == 403
    assert "安全校验" in csrf.content.decode()
