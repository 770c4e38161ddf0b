"""Account actions: users, sign-ins (console and API, throttled), API tokens, revocation; all audited."""

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shouwang.accounts.access import NotFound
from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import ROLE_REGION_LEVELS, DepartmentChoices, RoleChoices
from shouwang.accounts.models import ApiToken, User
from shouwang.accounts.throttle import (
    LoginThrottled,
    login_throttle_clear,
    login_throttle_fail,
    login_throttle_wait,
)
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.addresses import client_address
from shouwang.common.errors import InputRefused, RowError
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region

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


def login_authenticate(
    *, request: HttpRequest | None, username: str, password: str, channel: str
) -> User | None:
    """The one sign-in check of the console, the field app and the API (``channel``: "session" or "api").

    Refused before the password is looked at while the (user name, address) pair or the address is
    throttled (``LoginThrottled``; audited, nothing else changes). A wrong password or an inactive
    account returns None, counts against the throttle and is audited with the client address and, when
    the account exists, its region. On success the caller starts the session or issues the token and
    calls ``login_succeeded`` in the same transaction.
    """
    address = client_address(request)
    wait = login_throttle_wait(username=username, address=address)
    if wait:
        _login_failure_audit(
            username=username,
            address=address,
            channel=channel,
            reason="登录尝试过于频繁，已拒绝（未校验密码）",
            extra={"throttled": True, "retry_after": wait},
        )
        raise LoginThrottled(wait)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        with transaction.atomic():
            login_throttle_fail(username=username, address=address)
            _login_failure_audit(
                username=username, address=address, channel=channel, reason="用户名或密码错误"
            )
        return None
    assert isinstance(user, User)
    return user


def _login_failure_audit(
    *, username: str, address: str, channel: str, reason: str, extra: dict[str, Any] | None = None
) -> None:
    region = User.objects.filter(username=username).values_list("region_id", flat=True).first()
    audit_record(
        actor=username[:150],
        action=AuditActionChoices.LOGIN_FAILED,
        object_type=channel,
        object_id=username[:64],
        region_code=region or "",
        changes={"ip": address, **(extra or {})},
        reason=reason,
    )


def login_succeeded(*, user: User, request: HttpRequest | None, channel: str) -> None:
    """Audit a sign-in (``login``) and forget the pair's failures. Call inside the caller's transaction."""
    address = client_address(request)
    login_throttle_clear(username=user.username, address=address)
    audit_record(
        actor=user,
        action=AuditActionChoices.LOGIN,
        object_type=channel,
        object_id=user.username,
        region_code=user.region_code,
        changes={"ip": address},
    )


def logout_record(*, user: User, request: HttpRequest | None, channel: str) -> None:
    """Audit the end of a session (``logout``, with the address), like its start. The API's logout is the
    revocation of its token, audited there."""
    audit_record(
        actor=user,
        action=AuditActionChoices.LOGOUT,
        object_type=channel,
        object_id=user.username,
        region_code=user.region_code,
        changes={"ip": client_address(request)},
    )


def api_token_login(*, username: str, password: str, request: HttpRequest | None = None) -> str | None:
    """``POST /api/v1/auth/token``: a new token for the right password, None for a wrong one. Raises
    ``LoginThrottled`` while throttled. Audited as a ``login`` (channel "api") and a token ``create``."""
    user = login_authenticate(request=request, username=username, password=password, channel="api")
    if user is None:
        return None
    with transaction.atomic():
        login_succeeded(user=user, request=request, channel="api")
        return api_token_create(user=user, name="api-login")


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_user(token: str) -> ApiToken | None:
    """The token row for a presented bearer token (revoked and expired ones too: the caller tells the
    client which), or None when no such token exists or its account is inactive."""
    row = ApiToken.objects.select_related("user", "user__region").filter(key_hash=_hash(token)).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    # One write a minute per token, not one per API request (issue 13: every call queued for the write lock).
    if (
        not row.revoked
        and row.expires_at > now
        and (row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION)
    ):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


def user_get(*, username: str) -> User:
    """The account with this user name, or ``NotFound``."""
    user = User.objects.select_related("region").filter(username=username).first()
    if user is None:
        raise NotFound(username)
    return user


def api_token_list(*, user: User) -> list[ApiToken]:
    """The user's own tokens, newest first (revoked and expired ones included, marked)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int, owner: User | None = None, reason: str = "") -> ApiToken:
    """Revoke one token. With ``owner`` only that user's token may be named: any other id is ``NotFound``
    (an official cannot learn which ids other people's tokens have). Revoking twice is a no-op."""
    rows = ApiToken.objects.select_for_update().select_related("user")
    if owner is not None:
        rows = rows.filter(user=owner)
    row = rows.filter(pk=token_id).first()
    if row is None:
        raise NotFound(str(token_id))
    if row.revoked:
        return row
    row.revoked = True
    row.save(update_fields=["revoked"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="api_token",
        object_id=row.prefix,
        region_code=row.user.region_code,
        changes={"revoked": [False, True], "token_id": row.pk, "user": row.user.username},
        reason=reason,
    )
    return row


@transaction.atomic
def api_token_revoke_all(*, actor: Actor, user: User, reason: str = "") -> int:
    """Revoke every live token of ``user`` (e.g. a lost phone or a leaver); one audit row per token."""
    ids = list(ApiToken.objects.filter(user=user, revoked=False).values_list("pk", flat=True))
    for pk in ids:
        api_token_revoke(actor=actor, token_id=pk, reason=reason)
    return len(ids)


def user_validate(
    *, username: str, role: str, region_code: str, department: str = "", password: str | None = None
) -> list[RowError]:
    """Every reason the account cannot be created (empty list = valid)."""
    errors: list[RowError] = []
    if not username.strip():
        errors.append(RowError(None, "--username", username, "用户名不能为空"))
    elif User.objects.filter(username=username).exists():
        errors.append(RowError(None, "--username", username, "用户名已存在"))
    if role not in RoleChoices.values:
        allowed = "、".join(f"{c.value}（{c.label}）" for c in RoleChoices)
        errors.append(RowError(None, "--role", role, f"未知角色，可选：{allowed}"))
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        errors.append(RowError(None, "--region", region_code, "区划代码不存在"))
    elif role in ROLE_REGION_LEVELS and region.level not in ROLE_REGION_LEVELS[role]:
        levels = "或".join(RegionLevelChoices(lv).label for lv in ROLE_REGION_LEVELS[role])
        errors.append(
            RowError(
                None,
                "--region",
                region_code,
                f"角色“{RoleChoices(role).label}”只能分配到{levels}一级的区划，"
                f"而{region.name}是{region.get_level_display()}",
            )
        )
    if role == RoleChoices.DEPARTMENT:
        if department not in DepartmentChoices.values:
            allowed = "、".join(f"{c.value}（{c.label}）" for c in DepartmentChoices)
            errors.append(
                RowError(None, "--department", department, f"行业部门用户必须指定部门，可选：{allowed}")
            )
    elif department:
        errors.append(
            RowError(None, "--department", department, "只有行业部门用户（department）可以指定部门")
        )
    if password is not None:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors += [RowError(None, "--password", "******", str(m)) for m in exc.messages]
    return errors


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    region_code: str,
    password: str,
    department: str = "",
    display_name: str = "",
) -> User:
    """Create an official's account; the role must match the region's level (ROLE_REGION_LEVELS)."""
    errors = user_validate(
        username=username, role=role, region_code=region_code, department=department, password=password
    )
    if errors:
        raise InputRefused("无法创建用户", errors)
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        region_id=region_code,
        department=department,
        display_name=display_name,
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="user",
        object_id=username,
        region_code=region_code,
        changes={"role": role, "region": region_code, "department": department},
    )
    return user
