"""Token logout and revocation: the API's own endpoints and ``shouwang token-revoke`` / ``token-list``."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shouwang.accounts.models import ApiToken
from shouwang.audit.models import AuditEntry
from shouwang.testing.builders import TOWNSHIP_A, make_user

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/tokens"


def token_for(user: Any) -> str:
    r = Client().post(
        "/api/v1/auth/token",
        {"username": user.username, "password": "test-pass-123"},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return str(r.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_logout_revokes_the_token_used_and_only_that_one():
    user = make_user("township", TOWNSHIP_A)
    first, second = token_for(user), token_for(user)
    c = Client()
    r = c.post("/api/v1/auth/logout", headers=bearer(first))
    assert r.status_code == 200 and "已退出登录" in r.json()["detail"]
    refused = c.get(ME, headers=bearer(first))
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/json")
    assert "令牌已吊销" in refused.json()["detail"]
    assert c.get(ME, headers=bearer(second)).status_code == 200
    row = AuditEntry.objects.get(action="update", object_type="api_token")
    assert (row.actor_id, row.region_code, row.reason) == (user.pk, TOWNSHIP_A, "退出登录")
    assert row.changes["revoked"] == [False, True]


def test_a_revoked_token_cannot_log_out_again():
    user = make_user("township", TOWNSHIP_A)
    token = token_for(user)
    Client().post("/api/v1/auth/logout", headers=bearer(token))
    again = Client().post("/api/v1/auth/logout", headers=bearer(token))
    assert again.status_code == 401
    assert AuditEntry.objects.filter(object_type="api_token", action="update").count() == 1


def test_expired_and_unknown_tokens_answer_401():
    user = make_user("township", TOWNSHIP_A)
    token = token_for(user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().get(ME, headers=bearer(token))
    assert expired.status_code == 401 and "令牌已过期" in expired.json()["detail"]
    assert Client().get(ME, headers=bearer("sw_nonsense")).status_code == 401


def test_a_user_lists_and_revokes_only_their_own_tokens():
    user = make_user("township", TOWNSHIP_A)
    other = make_user("township", "530326102")
    mine, spare = token_for(user), token_for(user)
    token_for(other)
    listed = Client().get(ME, headers=bearer(mine)).json()
    assert len(listed) == 2 and all("key_hash" not in t and "token" not in t for t in listed)
    assert {t["prefix"] for t in listed} == {mine[:8], spare[:8]}
    theirs = ApiToken.objects.get(user=other)
    before = list(ApiToken.objects.order_by("pk").values_list("pk", "revoked"))
    r = Client().post(f"{ME}/{theirs.pk}/revoke", headers=bearer(mine))
    assert r.status_code == 404 and r.json()["detail"] == "未找到"
    assert Client().post(f"{ME}/999999/revoke", headers=bearer(mine)).json() == r.json()
    assert list(ApiToken.objects.order_by("pk").values_list("pk", "revoked")) == before
    assert not AuditEntry.objects.filter(object_type="api_token", action="update").exists()
    spare_row = ApiToken.objects.get(prefix=spare[:8])
    ok = Client().post(f"{ME}/{spare_row.pk}/revoke", headers=bearer(mine))
    assert ok.status_code == 200 and ok.json()["revoked"] is True
    assert Client().get(ME, headers=bearer(spare)).status_code == 401
    assert Client().get(ME, headers=bearer(mine)).status_code == 200


def test_cli_lists_and_revokes_a_users_tokens(capsys):
    user = make_user("township", TOWNSHIP_A)
    first, second = token_for(user), token_for(user)
    call_command("token-list", "--username", user.username)
    out = capsys.readouterr().out
    assert first[:8] in out and second[:8] in out and "有效" in out
    row = ApiToken.objects.get(prefix=first[:8])
    call_command("token-revoke", "--username", user.username, "--id", str(row.pk))
    assert Client().get(ME, headers=bearer(first)).status_code == 401
    assert Client().get(ME, headers=bearer(second)).status_code == 200
    call_command("token-revoke", "--username", user.username, "--all")
    assert "已吊销 1 个令牌" in capsys.readouterr().out
    assert Client().get(ME, headers=bearer(second)).status_code == 401
    rows = AuditEntry.objects.filter(object_type="api_token", action="update")
    assert rows.count() == 2 and all(r.actor_label.startswith("cli:") for r in rows)


def test_cli_refuses_an_unknown_user_or_a_token_of_someone_else(capsys):
    user = make_user("township", TOWNSHIP_A)
    other = make_user("township", "530326102")
    token_for(other)
    theirs = ApiToken.objects.get(user=other)
    with pytest.raises(SystemExit) as exc:
        call_command("token-revoke", "--username", "nobody", "--all")
    assert exc.value.code == 2 and "用户不存在" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        call_command("token-revoke", "--username", user.username, "--id", str(theirs.pk))
    assert exc.value.code == 2 and "没有编号" in capsys.readouterr().err
    assert not ApiToken.objects.filter(revoked=True).exists()
    assert not AuditEntry.objects.filter(object_type="api_token", action="update").exists()
