"""Account actions: users, API tokens and API logins, each audited."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import ROLE_REGION_LEVELS, DepartmentChoices, RoleChoices
from shouwang.accounts.models import ApiToken, User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
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


def api_token_login(*, username: str, password: str, request: HttpRequest | None = None) -> str | None:
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        audit_record(
            actor=username, action=AuditActionChoices.LOGIN_FAILED, object_type="api", object_id=username
        )
        return None
    assert isinstance(user, User)
    return api_token_create(user=user, name="api-login")


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_user(token: str) -> tuple[User, list[str]] | None:
    row = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=_hash(token), revoked=False, expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    # One write a minute per token, not one per API request (issue 13: every call queued for the write lock).
    if row.last_used_at is None or now - row.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user, list(row.scopes)


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
