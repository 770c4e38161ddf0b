"""Console actions: session login (audited), and the console's wrappers around domain services (STYLE 4, 5).

Logins are audited here explicitly rather than through Django's ``user_logged_in`` /
``user_login_failed`` signals (STYLE 5: audit explicitly, never through signals).
"""

import threading
import time
from typing import Any

from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest

from shouwang.accounts.access import Forbidden
from shouwang.accounts.models import User
from shouwang.accounts.services import login_authenticate, login_succeeded, logout_record
from shouwang.cases.models import Case, Clue
from shouwang.cases.services import CLUE_ROLES, case_transition, clue_from_warning, clue_household_resolve
from shouwang.channels.models import SelfReport
from shouwang.common.errors import InputRefused, RowError
from shouwang.console import tasks
from shouwang.console.stats import stats_refresh
from shouwang.console.tasks import run_after_commit
from shouwang.registry.selectors import access_household_by_id
from shouwang.screening.models import ScreeningRun
from shouwang.screening.selectors import access_warning_by_id
from shouwang.screening.services import screening_run_create, screening_run_execute


def session_login(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Authenticate and start a session. The check, the throttle and the audit of failures and refusals
    are ``accounts.services.login_authenticate`` (shared with the API); raises ``LoginThrottled`` while the
    (user name, address) pair or the address is throttled. Success is audited as ``login``."""
    user = login_authenticate(request=request, username=username, password=password, channel="session")
    if user is None:
        return None
    with transaction.atomic():
        # login() rotates the session key (no session fixation) and the CSRF token.
        login(request, user)
        login_succeeded(user=user, request=request, channel="session")
    return user


def session_logout(*, request: HttpRequest, channel: str = "session") -> None:
    """End the session; audited as ``logout`` when someone was signed in (channel "session" or "field")."""
    user = request.user
    with transaction.atomic():
        if isinstance(user, User) and user.is_authenticated:
            logout_record(user=user, request=request, channel=channel)
        logout(request)


# ---------------------------------------------------------------------------------------------- workflow
# The console's own actions wrap the domain services: each calls exactly one of them and then schedules
# the statistics refresh that the change calls for (decision 0450), after the transaction commits.

STATS_DEBOUNCE_SECONDS = 60


class _Pending:
    """Whether a debounced refresh is already waiting (shared by the web server's threads)."""

    lock = threading.Lock()
    waiting = False


def _debounced_refresh(reason: str) -> None:
    """One refresh for a burst of changes: the first change waits STATS_DEBOUNCE_SECONDS, later ones
    within that time ride along. Inline (no wait) when background tasks run inline (tests)."""

    if not tasks.IN_THREAD:
        stats_refresh(reason=reason)
        return
    with _Pending.lock:
        if _Pending.waiting:
            return
        _Pending.waiting = True
    try:
        time.sleep(STATS_DEBOUNCE_SECONDS)
    finally:
        with _Pending.lock:
            _Pending.waiting = False
    stats_refresh(reason=reason)


def stats_refresh_cli(*, reason: str, stdout: Any, stderr: Any) -> None:
    """After a command-line import or screening: refresh the dashboards' statistics at once so the console
    shows what the command did (decision 0450). A failure here does not undo the command's own work: it is
    reported with the command that repairs it, and the command still succeeds."""

    try:
        refresh = stats_refresh(actor="cli", reason=reason)
    except Exception as exc:  # reported; the command's own result stands
        stderr.write(f"驾驶舱统计刷新失败（{type(exc).__name__}: {exc}），请稍后运行 shouwang refresh-stats")
        return
    stdout.write(f"驾驶舱统计已刷新（{refresh.rows}行）")


def stats_refresh_soon(*, reason: str) -> None:

    run_after_commit(_debounced_refresh, reason)


def case_transition_submit(
    *, case: Case, action: str, actor: User, data: dict[str, Any], expected_version: int
) -> Case:
    """``cases.services.case_transition`` from the console, then a (debounced) statistics refresh."""

    with transaction.atomic():
        result = case_transition(
            case=case, action=action, actor=actor, data=data, expected_version=expected_version
        )
        stats_refresh_soon(reason=f"案件#{case.pk}办理后刷新")
    return result


def self_report_match(*, user: User, report: SelfReport, household_no: str) -> Case:
    """A self-report filed without an ID: staff found the household (in their region) — its clue joins
    or opens the household's case (``clue_match``)."""
    clue = report.clue
    if clue is None or clue.household_id is not None:
        raise InputRefused(
            "该申报已对应农户，无需再匹配", [RowError(None, "household_no", household_no, "已对应农户")]
        )
    return clue_match(user=user, clue=clue, household_no=household_no)


def clue_match(*, user: User, clue: Clue, household_no: str) -> Case:
    """A clue filed without a household (a hotline call, a report of a person not in the registry): staff
    found the household in their region — the clue joins or opens its case (``clue_household_resolve``)."""
    if clue.household_id is not None:
        raise InputRefused(
            "该线索已对应农户，无需再匹配", [RowError(None, "household_no", household_no, "已对应农户")]
        )
    household = access_household_by_id(user, household_no, purpose="clue_resolve")
    with transaction.atomic():
        case = clue_household_resolve(clue=clue, household=household, actor=user)
        stats_refresh_soon(reason="线索匹配农户后刷新")
    return case


def warning_clue_create(*, user: User, warning_id: int) -> Clue:
    """Turn a warning of the user's region into a risk clue (R-WARN-02 → R-ID-01): it opens the household's
    identification case or joins the open one. Outside the region (or missing): ``NotFound``."""

    if user.role not in CLUE_ROLES:
        raise Forbidden("您的角色无权登记风险线索")
    warning = access_warning_by_id(user, warning_id, purpose="clue")
    with transaction.atomic():
        clue = clue_from_warning(warning=warning, actor=user)
        stats_refresh_soon(reason="预警转为线索后刷新")
    return clue


def screening_run_start(*, user: User, period: str, engine: str, reason: str = "") -> ScreeningRun:
    """Queue a screening run (``screening.services.screening_run_create``: county or above, one active run
    per period) and execute it in the background; the statistics are refreshed when it has finished."""

    with transaction.atomic():
        run = screening_run_create(user=user, period=period, engine=engine, reason=reason or "控制台发起")
        run_after_commit(_screening_execute, run.pk)
    return run


def _screening_execute(run_id: int) -> None:

    run = ScreeningRun.objects.filter(pk=run_id).first()
    if run is None:
        return
    screening_run_execute(run=run)
    stats_refresh(reason=f"筛查运行#{run_id}完成后刷新")
