"""Console actions: session login and user creation, each audited (STYLE 4, 5).

Logins are audited here explicitly rather than through Django's ``user_logged_in`` /
``user_login_failed`` signals (STYLE 5: audit explicitly, never through signals).
"""

from datetime import timedelta

from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.audit.services import audit_record


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
