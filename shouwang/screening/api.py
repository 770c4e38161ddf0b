"""CONTRACT §3 ``GET /api/v1/warnings?period=&region=`` plus screening runs, scale alerts and parameters.

Handlers are adapters (STYLE 2): parse, call one selector or service, render. Warnings are scoped to
the caller's region with the same filter the console uses (``user_household_q``).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shouwang.accounts.actors import request_user
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.apischema import ErrorOut
from shouwang.common.limits import FREE_TEXT_MAX, max_length
from shouwang.common.pagination import (
    CURSOR_DESCRIPTION,
    CURSOR_MAX,
    DEFAULT_LIMIT,
    LIMIT_DESCRIPTION,
    MAX_LIMIT,
    page_schema,
)
from shouwang.regions.models import Region
from shouwang.screening import selectors, services
from shouwang.screening.choices import EngineChoices
from shouwang.screening.exports import warning_contract_dict
from shouwang.screening.models import Parameter, ScreeningRun, Warning

router = Router(tags=["screening"])


class SignalOut(Schema):
    rule: str
    policy: list[str]
    risk_type: str | None
    evidence: dict[str, Any]


class WarningOut(Schema):
    period: str
    household_no: str
    village_code: str
    signals: list[SignalOut]
    income_per_capita: float | None
    threshold: float | None
    suggested_category: str | None
    score: float
    status: str
    risk_types: list[str]
    new_risk_types: list[str]
    needs_asset_check: bool
    resolved_period: str


@router.get(
    "/warnings",
    summary="预警名单",
    description=(
        "本人辖区内的监测预警，按期间、户编号排序，键集分页（列表信封：items、next_cursor、total）。"
        "period 期间（YYYY-MM）；region 区划代码；status 预警状态；cursor 为上一页的 next_cursor"
        "（旧参数 after 仍可用，含旧格式“期间~户编号”的游标）。"
    ),
    response={200: page_schema(WarningOut), 401: ErrorOut, 422: ErrorOut},
)
def warnings_list(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    period: str | None = Query(None, max_length=7, description="期间（YYYY-MM）"),
    region: str | None = Query(None, max_length=15, description="区划代码"),
    status: str | None = Query(None, max_length=16, description="预警状态"),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
    after: str | None = Query(
        None, max_length=CURSOR_MAX, description="cursor 的旧名（兼容旧客户端）", deprecated=True
    ),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
) -> dict[str, Any]:
    user = request_user(request)
    given = cursor or after
    page = selectors.warning_list(
        user=user,
        period=period,
        region=region,
        status=status,
        cursor=selectors.legacy_cursor(given) if given else None,
        limit=limit,
    )
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="warning_list",
        object_id=period or "",
        region_code=region or user.region_code,
        changes={"returned": len(page.items)},
        reason="api",
    )

    def render(w: Warning) -> dict[str, Any]:
        d = warning_contract_dict(w)
        d.update(
            risk_types=w.risk_types,
            new_risk_types=w.new_risk_types,
            needs_asset_check=w.needs_asset_check,
            resolved_period=w.resolved_period,
        )
        return d

    return page.as_dict(render)


class RunIn(Schema):
    # Limits come from the columns: refused with a 422 naming the field, never cut.
    period: str = Field(max_length=max_length(ScreeningRun, "period"))
    engine: str = Field(EngineChoices.DUCKDB, max_length=max_length(ScreeningRun, "engine"))
    reason: str = Field("", max_length=max_length(ScreeningRun, "reason"))


class RunOut(Schema):
    id: int
    period: str
    engine: str
    status: str
    progress: int
    reason: str
    catalogue_version: str
    parameter_versions: dict[str, Any]
    counts: dict[str, Any]
    timings: dict[str, Any]
    changes: dict[str, Any]
    notes: list[str]
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _run_out(run: ScreeningRun) -> dict[str, Any]:
    return {f: getattr(run, f) for f in RunOut.model_fields}


@router.post("/screening/runs", response={202: RunOut, 422: ErrorOut})
def screening_run_start(request: HttpRequest, payload: RunIn) -> Status:
    """发起某月筛查（县级及以上）。运行排队后由 screening_schedule 执行，用 GET 查看进度。"""
    run = services.screening_run_create(
        user=request_user(request),
        period=payload.period,
        engine=payload.engine,
        reason=payload.reason or "api",
    )
    return Status(202, _run_out(run))


# Who may list runs over the API (all of them: runs cover the whole database).
RUN_READERS = frozenset(
    {
        RoleChoices.PROVINCE,
        RoleChoices.PREFECTURE,
        RoleChoices.COUNTY,
        RoleChoices.TOWNSHIP,
        RoleChoices.AUDITOR,
    }
)


@router.get("/screening/runs", response=list[RunOut])
def screening_runs(request: HttpRequest, period: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    if request_user(request).role not in RUN_READERS:
        return []
    return [_run_out(r) for r in selectors.screening_run_list(period=period)[: max(1, min(limit, 200))]]


@router.get("/screening/runs/{run_id}", response={200: RunOut, 404: ErrorOut})
def screening_run_detail(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run_out(selectors.access_screening_run_by_id(request.user, run_id))


class ScaleAlertOut(Schema):
    period: str
    level: str
    region_code: str
    risk_type: str
    count: int
    share: Decimal
    baseline: dict[str, Any]


@router.get("/screening/scale-alerts", response=list[ScaleAlertOut])
def scale_alerts(request: HttpRequest, period: str | None = None, level: str | None = None) -> list[Any]:
    """规模性返贫风险预警（本辖区内的村、乡镇）。"""
    return list(selectors.scale_alert_list(user=request.user, period=period, level=level)[:1000])


class ParameterIn(Schema):
    region_code: str = Field(max_length=max_length(Region, "code"))
    year: int
    key: str = Field(max_length=max_length(Parameter, "key"))
    value: Decimal
    note: str = Field("", max_length=FREE_TEXT_MAX)


class ParameterOut(Schema):
    id: int
    region_code: str
    year: int
    key: str
    value: Decimal
    version: int
    assumption: bool
    note: str
    created_at: dt.datetime


@router.post("/screening/parameters", response={201: ParameterOut, 422: ErrorOut})
def parameter_create(request: HttpRequest, payload: ParameterIn) -> Status:
    """设置筛查参数（县级、省级，限本辖区；每次设置生成新版本，不修改旧版本）。"""
    param = services.parameter_set(
        user=request_user(request),
        region_code=payload.region_code,
        year=payload.year,
        key=payload.key,
        value=payload.value,
        note=payload.note,
    )
    return Status(201, param)


@router.get("/screening/parameters", response={200: list[ParameterOut], 404: ErrorOut})
def parameter_list(request: HttpRequest, region: str, key: str | None = None) -> list[Any]:
    """某区划及其上级设置过的全部参数版本（参数是公开的政策数值，不含个人信息）。"""
    if not request_user(request).role:
        return []
    return list(selectors.parameter_history(region_code=region, key=key))
