"""Screening reads (STYLE 3): warnings, runs, scale alerts and parameters, scoped to the user's region."""

from django.db.models import QuerySet

from shouwang.accounts.access import NotFound, region_q, signed_in, signed_in_with_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.pagination import DEFAULT_LIMIT, Key, Page, cursor_encode, cursor_refused, keyset_page
from shouwang.regions.choices import LEVEL_BY_LENGTH
from shouwang.regions.selectors import region_ancestors
from shouwang.screening.choices import RunSourceChoices, RunStatusChoices, ScaleLevelChoices
from shouwang.screening.models import Parameter, ScaleAlert, ScreeningRun, Warning
from shouwang.screening.params import ResolvedParams, parameters_resolve
from shouwang.screening.periods import period_parse


def legacy_cursor(after: str) -> str:
    """The opaque cursor (``common.pagination``) of a cursor of the old ``period~household_no`` form, which
    clients kept from before the lists shared one envelope; any other text is taken as it is."""
    period, sep, household_no = after.partition("~")
    if not sep:
        return after
    try:
        period_parse(period)
    except InputRefused as exc:
        raise cursor_refused(after) from exc
    return cursor_encode([period, household_no])


WARNING_KEYS = (Key("period", str), Key("household_no", str))


def warning_list(
    *,
    user: Viewer,
    period: str | None = None,
    region: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page[Warning]:
    """Warnings the user may see (their region), in (period, household_no) order, keyset-paginated:
    ``cursor`` is the previous page's ``next_cursor``."""
    qs: QuerySet[Warning] = Warning.objects.filter(
        user_household_q(user, prefix="household__"), source=RunSourceChoices.SCREENING
    )
    if period:
        period_parse(period)
        qs = qs.filter(period=period)
    if region:
        if len(region) not in LEVEL_BY_LENGTH or not region.isdigit():
            raise InputRefused(
                "区划代码错误", [RowError(None, "region", region, "区划代码应为2、4、6、9、12或15位数字")]
            )
        qs = qs.filter(region_q(region, prefix="household__"))
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, WARNING_KEYS, cursor=cursor, limit=limit)


def access_warning_by_id(user: Viewer, warning_id: int, *, purpose: str) -> Warning:
    """The warning if its household is in ``user``'s region; otherwise ``NotFound``, the same as a missing
    warning, and the refusal audited (``access_denied`` / ``not_found``). The action taken on an allowed
    warning (``purpose``) is audited by the service that performs it."""
    warning = Warning.objects.filter(pk=warning_id).select_related("household").first()
    allowed = (
        warning is not None
        and Warning.objects.filter(user_household_q(user, prefix="household__"), pk=warning_id).exists()
    )
    if not allowed:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if warning is None else AuditActionChoices.ACCESS_DENIED,
            object_type="warning",
            object_id=str(warning_id),
            region_code=warning.village_code if warning else "",
            reason=purpose,
        )
        raise NotFound(str(warning_id))
    assert warning is not None
    return warning


def warning_household_history(*, household_id: int) -> QuerySet[Warning]:
    """A household's warnings, newest first (for the case workflow and the console)."""
    return Warning.objects.filter(household_id=household_id, source=RunSourceChoices.SCREENING).order_by(
        "-period"
    )


def screening_run_list(
    *, period: str | None = None, source: str = RunSourceChoices.SCREENING
) -> QuerySet[ScreeningRun]:
    qs = ScreeningRun.objects.filter(source=source)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-created_at", "-id")


def access_screening_run_by_id(user: Viewer, run_id: int) -> ScreeningRun:
    """Runs cover the whole database; any official who reads households may follow them."""
    run = ScreeningRun.objects.filter(pk=run_id).first()
    official = signed_in(user)
    if run is None or official is None or official.role not in HOUSEHOLD_READERS:
        raise NotFound(str(run_id))
    return run


def scale_alert_list(
    *, user: Viewer, period: str | None = None, level: str | None = None
) -> QuerySet[ScaleAlert]:
    """Scale alerts inside the user's region (a county sees its townships' and villages' alerts)."""
    official = signed_in_with_region(user)
    if official is None or official.role not in HOUSEHOLD_READERS:
        return ScaleAlert.objects.none()
    qs = ScaleAlert.objects.filter(region_code__startswith=official.region_code)
    if period:
        qs = qs.filter(period=period)
    if level:
        qs = qs.filter(level=level if level in ScaleLevelChoices.values else "")
    return qs.order_by("-period", "region_code", "risk_type")


def parameter_history(*, region_code: str, key: str | None = None) -> QuerySet[Parameter]:
    """Every version set for the region and its ancestors (what resolution chooses from)."""
    qs = Parameter.objects.filter(region_code__in=region_ancestors(region_code))
    if key:
        qs = qs.filter(key=key)
    return qs.order_by("key", "year", "region_code", "version")


def parameter_effective(*, region_code: str, year: int) -> ResolvedParams:
    return parameters_resolve(region_codes=[region_code], year=year)


def period_screened(period: str) -> bool:
    """A screening run of ``period`` has succeeded."""
    return ScreeningRun.objects.filter(period=period, status=RunStatusChoices.SUCCEEDED).exists()
