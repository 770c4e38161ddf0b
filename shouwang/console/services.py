"""Console actions: session login and user creation, each audited (STYLE 4, 5).

Logins are audited here explicitly rather than through Django's ``user_logged_in`` /
``user_login_failed`` signals (STYLE 5: audit explicitly, never through signals).
"""

from datetime import timedelta
from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shouwang.accounts.choices import ROLE_REGION_LEVELS, DepartmentChoices, RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region


def _client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))


class LoginLocked(Exception):
    """Too many failed sign-ins for this user name recently; try again later."""


# After this many failures for one user name within the window, sign-in is refused even with the right
# password until the window has passed. Counted from the audit log, so it holds across server threads
# and processes without a cache.
LOGIN_LOCK_THRESHOLD = 5
LOGIN_LOCK_WINDOW = timedelta(minutes=15)


def login_failures_recent(*, username: str) -> int:
    since = timezone.now() - LOGIN_LOCK_WINDOW
    return AuditEntry.objects.filter(
        action=AuditActionChoices.LOGIN_FAILED, object_id=username[:64], at__gte=since
    ).count()


def session_login(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Authenticate and start a session; audit success (``login``) and failure (``login_failed``).

    A failed attempt for an existing account carries that account's region, so the county's auditors
    see attacks on their users; an unknown user name has no region. Raises ``LoginLocked`` after
    LOGIN_LOCK_THRESHOLD failures in LOGIN_LOCK_WINDOW (that attempt is audited too).
    """
    locked = login_failures_recent(username=username) >= LOGIN_LOCK_THRESHOLD
    user = None if locked else authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        region = User.objects.filter(username=username).values_list("region_id", flat=True).first()
        audit_record(
            actor=username[:150],
            action=AuditActionChoices.LOGIN_FAILED,
            object_type="session",
            object_id=username[:64],
            region_code=region or "",
            changes={"ip": _client_ip(request)},
            reason="登录失败次数过多，暂时锁定" if locked else "用户名或密码错误",
        )
        if locked:
            raise LoginLocked(username)
        return None
    assert isinstance(user, User)
    with transaction.atomic():
        # login() rotates the session key (no session fixation) and the CSRF token.
        login(request, user)
        audit_record(
            actor=user,
            action=AuditActionChoices.LOGIN,
            object_type="session",
            object_id=user.username,
            region_code=user.region_code,
            changes={"ip": _client_ip(request)},
        )
    return user


def session_logout(*, request: HttpRequest) -> None:
    logout(request)


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
    actor: Any,
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
