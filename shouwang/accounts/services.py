"""Account actions: API tokens and logins, each audited."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone

from shouwang.accounts.models import ApiToken, User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record

TOKEN_LIFETIME = timedelta(hours=12)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str = "", scopes: list[str] | None = None, lifetime: timedelta = TOKEN_LIFETIME
) -> str:
    token = "sw_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        name=name,
        key_hash=_hash(token),
        prefix=token[:8],
        scopes=list(scopes or []),
        expires_at=timezone.now() + lifetime,
    )
    audit_record(
        actor=user,
        action=AuditActionChoices.CREATE,
        object_type="api_token",
        object_id=token[:8],
        region_code=user.region_code,
        changes={"scopes": list(scopes or [])},
        reason=name,
    )
    return token


def api_token_login(*, username: str, password: str, request: Any = None) -> str | None:
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        audit_record(
            actor=username, action=AuditActionChoices.LOGIN_FAILED, object_type="api", object_id=username
        )
        return None
    assert isinstance(user, User)
    return api_token_create(user=user, name="api-login")


def api_token_user(token: str) -> tuple[User, list[str]] | None:
    row = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=_hash(token), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user, list(row.scopes)
