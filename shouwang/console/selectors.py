"""Read models of the console pages beyond the domain selectors: the region picker and the filtered,
keyset-paginated lists (households, warnings, cases) that the pages and the Excel exports share.

Every list starts from a scoped domain selector (``registry.selectors.household_queryset``,
``cases.selectors.case_list``, or ``user_household_q`` for warnings), so a filter can only narrow what the
user may see. Pagination is keyset (``after`` = the last row's sort key), so page 100 costs what page 1
costs; no list counts the households table (the list header shows the region's count from the
pre-aggregated statistics instead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Value, When
from django.db.models import Case as Case_

from shouwang.accounts.access import region_q, signed_in, user_can_see_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import TERMINAL_STATES, CaseStateChoices
from shouwang.cases.models import Clue
from shouwang.cases.overdue import case_overdue_q
from shouwang.cases.selectors import case_list, clue_unresolved_list
from shouwang.channels.models import SelfReport
from shouwang.channels.services import access_self_report_by_code
from shouwang.console.choices import (
    CaseDueFilterChoices,
    HouseholdSortChoices,
    IncomeBandChoices,
    MonitoringFilterChoices,
)
from shouwang.console.models import RegionPeriodStat
from shouwang.console.workqueue import to_verify_q
from shouwang.exchange.choices import FEED_KINDS
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.selectors import user_may_read_feed
from shouwang.regions.choices import LEVEL_BY_LENGTH
from shouwang.regions.models import Region
from shouwang.regions.selectors import region_ancestors
from shouwang.registry.choices import RelationChoices
from shouwang.registry.models import Person
from shouwang.registry.selectors import household_queryset
from shouwang.screening.choices import ParameterKeyChoices, RunSourceChoices, RunStatusChoices
from shouwang.screening.models import Parameter, ScreeningRun, Warning
from shouwang.screening.params import ParamRow, params_resolve_rows
from shouwang.screening.selectors import parameter_effective, parameter_history

MAX_LIMIT = 200


@dataclass(frozen=True)
class RegionPicker:
    """Where the user is looking (``current``), the way back up to their own region (``trail``,
    outermost first, ending with ``current``) and the way down (``children``)."""

    current: Region
    trail: list[Region]
    children: list[Region]


def region_picker_get(*, user: Viewer, region_code: str = "") -> RegionPicker | None:
    """The picker for ``region_code`` inside the user's subtree; a code outside it (or none) falls back
    to the user's own region — region codes are public NBS data, so this reveals nothing."""
    official = signed_in(user)
    home = official.region_code if official is not None else ""
    if not home:
        return None
    code = region_code if region_code and region_code.startswith(home) else home
    wanted = [c for c in region_ancestors(code) if len(c) >= len(home)]
    by_code = {r.code: r for r in Region.objects.filter(code__in=wanted)}
    trail = [by_code[c] for c in wanted if c in by_code]
    if not trail or trail[-1].code != code:
        # Unknown code inside the subtree: behave as if none was given.
        return region_picker_get(user=user) if code != home else None
    children = list(Region.objects.filter(parent_id=code).order_by("code"))
    return RegionPicker(current=trail[-1], trail=trail, children=children)


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


def _region_ok(user: Viewer, code: str) -> bool:
    return bool(code) and len(code) in LEVEL_BY_LENGTH and code.isdigit() and user_can_see_region(user, code)


# ---------------------------------------------------------------------------------------------- households


@dataclass(frozen=True)
class HouseholdFilters:
    q: str = ""
    region: str = ""
    monitoring: str = ""
    poverty_status: str = ""
    status: str = ""
    income_band: str = ""
    sort: str = HouseholdSortChoices.HOUSEHOLD_NO

    def as_dict(self) -> dict[str, str]:
        """The non-empty, non-default filters (for links, export rows and the export's audit row)."""
        out = {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}
        if out.get("sort") == HouseholdSortChoices.HOUSEHOLD_NO:
            del out["sort"]
        return out


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next_after: str | None  # pass as ``after`` for the next page; None on the last page


def income_threshold_for(*, region_code: str, year: int) -> Decimal | None:
    """The year's monitoring range (R-THR-04) for the region, from the screening parameters."""

    value = (
        parameter_effective(region_code=region_code, year=year).values.get(region_code, {}).get("threshold")
    )
    return Decimal(str(value)) if value is not None else None


def household_filtered_queryset(
    *, user: Viewer, filters: HouseholdFilters, threshold: Decimal | None = None
) -> Any:
    """The households the user may see, narrowed by ``filters`` (not ordered)."""

    qs = household_queryset(user=user, q=filters.q, region_code=filters.region or None)
    m = filters.monitoring
    monitored = ~Q(monitoring_category="") & Q(risk_eliminated_on__isnull=True)
    if m == MonitoringFilterChoices.MONITORED:
        qs = qs.filter(monitored)
    elif m in (
        MonitoringFilterChoices.UNSTABLE,
        MonitoringFilterChoices.MARGINAL,
        MonitoringFilterChoices.SUDDEN,
    ):
        qs = qs.filter(monitored, monitoring_category=m)
    elif m == MonitoringFilterChoices.ELIMINATED:
        qs = qs.exclude(monitoring_category="").filter(risk_eliminated_on__isnull=False)
    elif m == MonitoringFilterChoices.NONE:
        qs = qs.filter(monitoring_category="")
    if filters.poverty_status:
        qs = qs.filter(poverty_status=filters.poverty_status)
    if filters.status:
        qs = qs.filter(status=filters.status)
    band = filters.income_band
    if band == IncomeBandChoices.MISSING:
        qs = qs.filter(income_per_capita__isnull=True)
    elif band and threshold is not None:
        upper = (threshold * Decimal("1.5")).quantize(Decimal("0.01"))
        if band == IncomeBandChoices.BELOW:
            qs = qs.filter(income_per_capita__lt=threshold)
        elif band == IncomeBandChoices.NEAR:
            qs = qs.filter(income_per_capita__gte=threshold, income_per_capita__lte=upper)
        elif band == IncomeBandChoices.ABOVE:
            qs = qs.filter(income_per_capita__gt=upper)
    elif band:
        qs = qs.none()  # no monitoring range set for this region and year: nothing can be placed in a band
    return qs


def _income_cursor(after: str) -> tuple[Decimal | None, str] | None:
    income, sep, household_no = after.partition("~")
    if not sep:
        return None
    try:
        return (Decimal(income) if income else None), household_no
    except InvalidOperation:
        return None


def household_browse(
    *,
    user: Viewer,
    filters: HouseholdFilters,
    after: str = "",
    limit: int = 50,
    threshold: Decimal | None = None,
) -> Page:
    """One page of the filtered households with the head's masked ID; ordered by household number, or by
    per-capita income (lowest first, no record last) then household number."""
    limit = _clamp(limit)
    qs = household_filtered_queryset(user=user, filters=filters, threshold=threshold)
    by_income = filters.sort == HouseholdSortChoices.INCOME
    if by_income:
        cursor = _income_cursor(after) if after else None
        if cursor is not None:
            income, household_no = cursor
            if income is None:
                qs = qs.filter(income_per_capita__isnull=True, household_no__gt=household_no)
            else:
                qs = qs.filter(
                    Q(income_per_capita__gt=income)
                    | Q(income_per_capita=income, household_no__gt=household_no)
                    | Q(income_per_capita__isnull=True)
                )
        order: list[Any] = [F("income_per_capita").asc(nulls_last=True), "household_no"]
    else:
        if after:
            qs = qs.filter(household_no__gt=after)
        order = ["household_no"]
    head_id = _head_id_subquery()
    rows = list(
        qs.select_related("village").annotate(head_id_masked=Subquery(head_id)).order_by(*order)[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return Page(rows=rows, next_after=None)
    last = rows[-1]
    if by_income:
        key = "" if last.income_per_capita is None else str(last.income_per_capita)
        return Page(rows=rows, next_after=f"{key}~{last.household_no}")
    return Page(rows=rows, next_after=last.household_no)


def _head_id_subquery() -> Any:

    return (
        Person.objects.filter(household=OuterRef("pk"), relation=RelationChoices.HEAD)
        .order_by("id")
        .values("id_masked")[:1]
    )


def household_export_rows(
    *, user: Viewer, filters: HouseholdFilters, threshold: Decimal | None = None
) -> Any:
    """Rows for the household export, in household-number order, streamed from the database."""
    qs = household_filtered_queryset(user=user, filters=filters, threshold=threshold)
    return (
        qs.annotate(head_id_masked=Subquery(_head_id_subquery()), village_name=F("village__name"))
        .order_by("household_no")
        .values_list(
            "household_no",
            "head_name",
            "head_id_masked",
            "village_id",
            "village_name",
            "group_name",
            "poverty_status",
            "monitoring_category",
            "identified_on",
            "risk_eliminated_on",
            "member_count",
            "income_period",
            "income_per_capita",
            "phone_masked",
            "status",
        )
        .iterator(chunk_size=5000)
    )


# ---------------------------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class WarningFilters:
    period: str = ""
    region: str = ""
    status: str = ""
    risk_type: str = ""
    unverified: bool = False

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


def _risk_contains(risk_type: str) -> Q:
    """JSON list contains ``risk_type``: ``@>`` on PostgreSQL; SQLite has no JSON containment in Django,
    so the quoted code is matched in the JSON text (risk codes are distinct whole words)."""
    if connection.vendor == "postgresql":
        return Q(risk_types__contains=[risk_type])
    return Q(risk_types__icontains=f'"{risk_type}"')


def warning_filtered_queryset(*, user: Viewer, filters: WarningFilters) -> Any:

    qs = Warning.objects.filter(
        user_household_q(user, prefix="household__"), source=RunSourceChoices.SCREENING
    )
    if filters.period:
        qs = qs.filter(period=filters.period)
    if filters.region:
        if not _region_ok(user, filters.region):
            return qs.none()
        qs = qs.filter(region_q(filters.region, prefix="household__"))
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.risk_type:
        qs = qs.filter(_risk_contains(filters.risk_type))
    if filters.unverified and filters.period:
        qs = qs.filter(to_verify_q(filters.period))
    return qs


def _score_cursor(after: str) -> tuple[Decimal, str] | None:
    """``after`` of the warning list: ``<score>~<household_no>`` (None if malformed: the first page)."""
    score, sep, no = after.partition("~")
    try:
        return (Decimal(score), no) if sep and no else None
    except ArithmeticError:
        return None


def warning_browse(*, user: Viewer, filters: WarningFilters, after: str = "", limit: int = 50) -> Page:
    """One page of one month's warnings (``filters.period`` is required by the page), highest risk score
    first (then by household number), each annotated with whether its household already has a clue since
    the month began (``verified``). The keyset is (score, household number)."""

    limit = _clamp(limit)
    qs = warning_filtered_queryset(user=user, filters=filters)
    cursor = _score_cursor(after)
    if cursor is not None:
        score, no = cursor
        qs = qs.filter(Q(score__lt=score) | Q(score=score, household_no__gt=no))
    first = dt.date(int(filters.period[:4]), int(filters.period[5:7]), 1) if filters.period else None
    if first is not None:
        qs = qs.annotate(
            verified=Exists(Clue.objects.filter(household=OuterRef("household"), reported_on__gte=first))
        )
    rows = list(
        qs.select_related("household", "household__village__parent").order_by("-score", "household_no")[
            : limit + 1
        ]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more and rows else None
    return Page(rows=rows, next_after=f"{last.score}~{last.household_no}" if last else None)


def warning_export_rows(*, user: Viewer, filters: WarningFilters) -> Any:
    return (
        warning_filtered_queryset(user=user, filters=filters)
        .annotate(head_name=F("household__head_name"), village_name=F("household__village__name"))
        .order_by("period", "household_no")
        .values_list(
            "period",
            "household_no",
            "head_name",
            "village_code",
            "village_name",
            "status",
            "risk_types",
            "rules",
            "income_per_capita",
            "threshold",
            "suggested_category",
            "score",
            "needs_asset_check",
        )
        .iterator(chunk_size=5000)
    )


def warning_periods(*, limit: int = 36) -> list[str]:

    return list(
        ScreeningRun.objects.filter(source=RunSourceChoices.SCREENING, status=RunStatusChoices.SUCCEEDED)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:limit]
    )


# ---------------------------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class CaseFilters:
    region: str = ""
    kind: str = ""
    state: str = ""
    due: str = ""

    def as_dict(self) -> dict[str, str]:
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)}


DUE_SOON_DAYS = 3


def case_filtered_queryset(*, user: Viewer, filters: CaseFilters, today: dt.date) -> Any:

    qs = case_list(user=user, open_only=False)
    if filters.region:
        if not _region_ok(user, filters.region):
            return qs.none()
        qs = qs.filter(region_q(filters.region, prefix="household__"))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.state:
        qs = qs.filter(state=filters.state)
    in_procedure = Q(is_open=True) & ~Q(state__in=[CaseStateChoices.MONITORING, *TERMINAL_STATES])
    if filters.due == CaseDueFilterChoices.OVERDUE:
        qs = qs.filter(case_overdue_q(today))
    elif filters.due == CaseDueFilterChoices.DUE_SOON:
        qs = qs.filter(in_procedure, due_on__gte=today, due_on__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
    elif filters.due == CaseDueFilterChoices.OPEN:
        qs = qs.filter(is_open=True)
    elif filters.due == CaseDueFilterChoices.CLOSED:
        qs = qs.filter(is_open=False)
    # Overdue as of today (cases.overdue), not the flag the escalation batch last wrote.
    return qs.annotate(overdue_now=ExpressionWrapper(case_overdue_q(today), output_field=BooleanField()))


def _case_cursor(after: str) -> tuple[dt.date | None, int] | None:
    due, sep, pk = after.partition("~")
    if not sep or not pk.isdigit():
        return None
    try:
        return (dt.date.fromisoformat(due) if due else None), int(pk)
    except ValueError:
        return None


def case_browse(
    *, user: Viewer, filters: CaseFilters, today: dt.date, after: str = "", limit: int = 50
) -> Page:
    """One page of cases by due date (none last), then id."""
    limit = _clamp(limit)
    qs = case_filtered_queryset(user=user, filters=filters, today=today)
    cursor = _case_cursor(after) if after else None
    if cursor is not None:
        due, pk = cursor
        if due is None:
            qs = qs.filter(due_on__isnull=True, id__gt=pk)
        else:
            qs = qs.filter(Q(due_on__gt=due) | Q(due_on=due, id__gt=pk) | Q(due_on__isnull=True))
    rows = list(
        qs.select_related("household", "household__village").order_by(F("due_on").asc(nulls_last=True), "id")[
            : limit + 1
        ]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    if not (more and rows):
        return Page(rows=rows, next_after=None)
    last = rows[-1]
    return Page(rows=rows, next_after=f"{last.due_on.isoformat() if last.due_on else ''}~{last.pk}")


def case_export_rows(*, user: Viewer, filters: CaseFilters, today: dt.date) -> Any:
    return (
        case_filtered_queryset(user=user, filters=filters, today=today)
        .annotate(
            household_no=F("household__household_no"),
            head_name=F("household__head_name"),
            village_name=F("household__village__name"),
        )
        .order_by(F("due_on").asc(nulls_last=True), "id")
        .values_list(
            "id",
            "kind",
            "state",
            "household_no",
            "head_name",
            "village_name",
            "opened_on",
            "due_on",
            "overdue_now",
            "escalated_to",
            "category",
            "risk_types",
            "decided_on",
        )
        .iterator(chunk_size=5000)
    )


def region_households_count(*, region_code: str) -> int | None:
    """The region's household count from the pre-aggregated statistics (never a COUNT over households)."""

    row = (
        RegionPeriodStat.objects.filter(region_code=region_code, metric="households")
        .order_by("-period")
        .values_list("value", flat=True)
        .first()
    )
    return row


# ---------------------------------------------------------------------------------------------- page models


@dataclass(frozen=True)
class Listing:
    """What a list page needs: the region picker, the filters as applied, one page of rows and, for the
    household list, the monitoring range used for income bands and the region's household count."""

    picker: RegionPicker | None
    filters: Any
    page: Page
    threshold: Decimal | None = None
    region_households: int | None = None
    periods: tuple[str, ...] = ()
    total: int | None = None  # every row the filters select (the warning list: one month's)


def household_listing_get(
    *, user: Viewer, filters: HouseholdFilters, after: str = "", limit: int = 50
) -> Listing:

    picker = region_picker_get(user=user, region_code=filters.region)
    code = picker.current.code if picker else ""
    filters = HouseholdFilters(**{**filters.__dict__, "region": code})
    threshold = (
        income_threshold_for(region_code=code, year=clock.today().year)
        if filters.income_band and code
        else None
    )
    page = household_browse(user=user, filters=filters, after=after, limit=limit, threshold=threshold)
    count = region_households_count(region_code=code) if code else None
    return Listing(picker=picker, filters=filters, page=page, threshold=threshold, region_households=count)


def warning_listing_get(
    *, user: Viewer, filters: WarningFilters, after: str = "", limit: int = 50
) -> Listing:
    picker = region_picker_get(user=user, region_code=filters.region)
    code = picker.current.code if picker else ""
    periods = tuple(warning_periods())
    period = filters.period if filters.period in periods else (periods[0] if periods else "")
    filters = WarningFilters(**{**filters.__dict__, "region": code, "period": period})
    if not period or picker is None:
        return Listing(picker=picker, filters=filters, page=Page(rows=[], next_after=None), periods=periods)
    page = warning_browse(user=user, filters=filters, after=after, limit=limit)
    total = warning_filtered_queryset(user=user, filters=filters).count()
    return Listing(picker=picker, filters=filters, page=page, periods=periods, total=total)


def case_listing_get(*, user: Viewer, filters: CaseFilters, after: str = "", limit: int = 50) -> Listing:

    picker = region_picker_get(user=user, region_code=filters.region)
    code = picker.current.code if picker else ""
    filters = CaseFilters(**{**filters.__dict__, "region": code})
    if picker is None:
        return Listing(picker=None, filters=filters, page=Page(rows=[], next_after=None))
    page = case_browse(user=user, filters=filters, today=clock.today(), after=after, limit=limit)
    return Listing(picker=picker, filters=filters, page=page)


# ---------------------------------------------------------------------------------------------- exchange


@dataclass(frozen=True)
class BatchRow:
    batch: Any
    match_share: Decimal | None
    superseded_by: Any | None


def feed_batch_overview_get(
    *, user: Viewer, period: str = "", kind: str = "", limit: int = 200
) -> dict[str, Any]:
    """Department deliveries the user may read (``exchange.selectors.user_may_read_feed``), newest first,
    with the match rate and the supersede chain in both directions."""

    qs = ImportBatch.objects.filter(kind__in=FEED_KINDS).select_related("created_by", "supersedes")
    if period:
        qs = qs.filter(period=period)
    if kind:
        qs = qs.filter(kind=kind)
    batches = [b for b in qs.order_by("-period", "kind", "-id")[:limit] if user_may_read_feed(user, b)]
    successors = {
        b.supersedes_id: b
        for b in ImportBatch.objects.filter(supersedes_id__in=[b.pk for b in batches]).only(
            "id", "supersedes_id"
        )
    }
    rows = [
        BatchRow(
            batch=b,
            match_share=(Decimal(b.matched * 100) / Decimal(b.rows_total)).quantize(Decimal("0.1"))
            if b.rows_total
            else None,
            superseded_by=successors.get(b.pk),
        )
        for b in batches
    ]
    periods = list(
        ImportBatch.objects.filter(kind__in=FEED_KINDS)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:36]
    )
    return {"rows": rows, "periods": periods, "period": period, "kind": kind}


# ---------------------------------------------------------------------------------------------- screening


def parameter_page_get(*, user: Viewer, region_code: str = "", year: int | None = None) -> dict[str, Any]:
    """Effective screening parameters of a region and year (which row each value comes from) and every
    version set for the region and its ancestors."""

    picker = region_picker_get(user=user, region_code=region_code)
    code = picker.current.code if picker else ""
    year = year or clock.today().year
    history = list(parameter_history(region_code=code).select_related("created_by")) if code else []
    all_rows = [
        ParamRow(**r)
        for r in Parameter.objects.values("id", "region_code", "year", "key", "value", "version")
    ]
    resolved = params_resolve_rows(all_rows, [code], year) if code else None
    by_id = {p.pk: p for p in history}
    # Region names for the codes the rows carry (issue 14: no bare region codes on a page).
    names = dict(
        Region.objects.filter(code__in={p.region_code for p in history} | {code}).values_list("code", "name")
    )
    effective = []
    for key in ParameterKeyChoices:
        value = resolved.values.get(code, {}).get(key.value) if resolved else None
        source = sorted(resolved.used.get(key.value, set())) if resolved else []
        row = next(
            (
                p
                for p in by_id.values()
                if p.key == key.value and f"{p.region_code}/{p.year}/v{p.version}" in source
            ),
            None,
        )
        effective.append(
            {
                "key": key.value,
                "label": key.label,
                "value": value,
                "source": source[0] if source else "",
                "source_label": _source_label(source[0], names) if source else "",
                "assumption": bool(row and row.assumption),
                "note": row.note if row else "",
            }
        )
    return {
        "picker": picker,
        "region_code": code,
        "year": year,
        "effective": effective,
        "history": history,
        "region_names": names,
        "notes": resolved.notes if resolved else [],
    }


def _source_label(source: str, names: dict[str, str]) -> str:
    """The version a value comes from, "53/2026/v1" → "云南省 2026年 v1" (a default's source as it is)."""
    parts = source.split("/")
    if len(parts) != 3 or parts[0] not in names:
        return source
    return f"{names[parts[0]]} {parts[1]}年 {parts[2]}"


CANDIDATES = 20


def household_candidates(*, user: Viewer, village_code: str, q: str) -> list[Any]:
    """Households a clue without a household may belong to: the user's search (name, ID or household
    number) within their own region, the clue's township first."""
    township = village_code[:9]
    return list(
        household_queryset(user=user, q=q)
        .select_related("village")
        .annotate(
            same_township=Case_(When(township_code=township, then=Value(0)), default=Value(1)),
        )
        .order_by("same_township", "household_no")[:CANDIDATES]
    )


def self_report_candidates(*, user: Viewer, report: SelfReport, q: str) -> list[Any] | None:
    """Households a report filed without an ID may belong to (``household_candidates``). None when there is
    nothing to match (the report already has its household) or no search yet."""
    if report.clue is None or report.clue.household_id is not None or not q:
        return None
    return household_candidates(user=user, village_code=report.village_id, q=q)


def unmatched_clues_get(*, user: Viewer, limit: int = 200) -> tuple[int, list[dict[str, Any]]]:
    """Clues whose household staff still have to find, in the user's region, oldest first: hotline calls
    and self-reports without an ID, grid workers' reports of people not in the registry (R-ID-01)."""
    qs = clue_unresolved_list(user=user).select_related("village").order_by("reported_on", "pk")
    clues = list(qs[:limit])
    reports = dict(
        SelfReport.objects.filter(clue_id__in=[c.pk for c in clues]).values_list("clue_id", "tracking_code")
    )
    return qs.count(), [{"clue": c, "tracking_code": reports.get(c.pk, "")} for c in clues]


def access_self_report_for_page(*, user: Viewer, tracking_code: str) -> SelfReport:
    """A self-report for the answer page (``channels.services.access_self_report_by_code``: staff of its
    region only, refusals audited), with one ``view`` audit row: the page shows the applicant's name and
    description."""

    report = access_self_report_by_code(user, tracking_code)
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="self_report",
        object_id=report.tracking_code,
        region_code=report.village_id,
        reason="view",
    )
    return report
