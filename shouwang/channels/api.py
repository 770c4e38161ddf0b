"""CONTRACT §3 public self-report endpoints (no login); staff endpoints for self-reports and the hotline."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Field, Router, Schema, Status

from shouwang.accounts.actors import request_user
from shouwang.cases.apischema import CleanSchema, clean_path
from shouwang.cases.choices import RiskTypeChoices
from shouwang.channels import services
from shouwang.channels.choices import FilingModeChoices
from shouwang.channels.models import HotlineCall, SelfReport
from shouwang.common.apischema import ErrorOut, error_body, error_item
from shouwang.common.limits import (
    FREE_TEXT_MAX,
    ID_NUMBER_INPUT_MAX,
    LIST_MAX,
    PHONE_INPUT_MAX,
    max_length,
)
from shouwang.regions.models import Region
from shouwang.registry.models import Household
from shouwang.registry.selectors import access_household_by_id

router = Router(tags=["channels"])
RISK_TYPE_MAX = max(len(v) for v in RiskTypeChoices.values)


class SelfReportIn(CleanSchema):
    # Every limit is the column's (or, for text without one, the service's): refused, never cut.
    village_code: str = Field(max_length=max_length(Region, "code"))
    difficulty: str = Field(max_length=max_length(SelfReport, "difficulty"))
    subject_name: str = Field(max_length=services.SUBJECT_NAME_MAX)
    contact_phone: str = Field(max_length=PHONE_INPUT_MAX)
    filing_mode: str = Field(FilingModeChoices.SELF, max_length=max_length(SelfReport, "filing_mode"))
    reporter_name: str = Field("", max_length=max_length(SelfReport, "reporter_name"))
    id_number: str = Field("", max_length=ID_NUMBER_INPUT_MAX)
    description: str = Field("", max_length=services.DESCRIPTION_MAX)


class SelfReportCreated(Schema):
    tracking_code: str
    duplicate: bool
    message: str


class ProgressOut(Schema):
    on: str
    label: str


class SelfReportStatusOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    stage: str
    difficulty: str
    difficulty_label: str
    department: str
    submitted_on: dt.date
    response: str
    rejection_reason: str
    escalated: bool
    can_confirm: bool
    answer_by: dt.date | None = Field(
        None, description="未答复时：逾期未答复将自动督办至县级的日期（R-ID-07）；已答复或已督办为空"
    )
    progress: list[ProgressOut]


class ConfirmIn(CleanSchema):
    satisfied: bool = Field(description="是否满意（必填，不预设）")
    comment: str = Field("", max_length=max_length(SelfReport, "citizen_comment"))


class RespondIn(CleanSchema):
    response: str = Field(max_length=FREE_TEXT_MAX)


class HotlineIn(CleanSchema):
    kind: str = Field(max_length=max_length(HotlineCall, "kind"))
    content: str = Field(max_length=FREE_TEXT_MAX)
    caller_name: str = Field("", max_length=max_length(HotlineCall, "caller_name"))
    caller_phone: str = Field("", max_length=PHONE_INPUT_MAX)
    village_code: str = Field("", max_length=max_length(Region, "code"))
    household_no: str = Field("", max_length=max_length(Household, "household_no"))
    risk_types: list[Annotated[str, Field(max_length=RISK_TYPE_MAX)]] = Field([], max_length=LIST_MAX)
    answer: str = Field("", max_length=FREE_TEXT_MAX)


class HotlineOut(Schema):
    id: int
    kind: str
    status: str
    clue_id: int | None
    case_id: int | None


class CloseIn(CleanSchema):
    answer: str = Field(max_length=FREE_TEXT_MAX)


def _limited(request: HttpRequest, exc: services.RateLimited) -> HttpResponse:
    """429 in the shared error shape, with Retry-After (seconds) for clients that back off."""
    response = JsonResponse(
        error_body(exc.message, [error_item(reason=f"请{exc.retry_after}秒后再试")]),
        status=429,
        json_dumps_params={"ensure_ascii": False},
        content_type="application/json; charset=utf-8",
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


def _client_ip(request: HttpRequest) -> str:
    # Behind the province's reverse proxy REMOTE_ADDR is the proxy; it must pass the client address
    # in REMOTE_ADDR (e.g. waitress trusted_proxy) rather than us trusting any X-Forwarded-For.
    return str(request.META.get("REMOTE_ADDR", ""))


@router.post(
    "/self-reports",
    auth=None,
    response={201: SelfReportCreated, 200: SelfReportCreated, 422: ErrorOut, 429: ErrorOut},
)
def self_report_create(request: HttpRequest, payload: SelfReportIn) -> Any:
    try:
        report, duplicate = services.self_report_submit(
            village_code=payload.village_code,
            difficulty=payload.difficulty,
            subject_name=payload.subject_name,
            contact_phone=payload.contact_phone,
            filing_mode=payload.filing_mode,
            reporter_name=payload.reporter_name,
            subject_id_number=payload.id_number,
            description=payload.description,
            ip=_client_ip(request),
        )
    except services.RateLimited as exc:
        return _limited(request, exc)
    message = (
        "您已提交过相同的申报，已合并到原申报，请用原查询码查询进度"
        if duplicate
        else "申报已提交，请记住查询码，用它查询办理进度"
    )
    return Status(
        (200 if duplicate else 201),
        {
            "tracking_code": report.tracking_code,
            "duplicate": duplicate,
            "message": message,
        },
    )


@router.get(
    "/self-reports/{tracking_code}",
    auth=None,
    response={200: SelfReportStatusOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
)
def self_report_status(request: HttpRequest, tracking_code: str) -> Any:
    code = clean_path("tracking_code", tracking_code)
    try:
        services.self_report_lookup_throttle(ip=_client_ip(request), tracking_code=code)
    except services.RateLimited as exc:
        return _limited(request, exc)
    return services.self_report_public_status(tracking_code=code)


@router.post(
    "/self-reports/{tracking_code}/confirm",
    auth=None,
    response={200: SelfReportStatusOut, 404: ErrorOut, 422: ErrorOut},
)
def self_report_confirm(request: HttpRequest, tracking_code: str, payload: ConfirmIn) -> Any:
    services.self_report_confirm(
        tracking_code=tracking_code, satisfied=payload.satisfied, comment=payload.comment
    )
    return services.self_report_public_status(tracking_code=tracking_code)


@router.post(
    "/self-reports/{tracking_code}/response",
    response={200: SelfReportStatusOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def self_report_respond(request: HttpRequest, tracking_code: str, payload: RespondIn) -> Any:
    report = services.access_self_report_by_code(request.user, clean_path("tracking_code", tracking_code))
    services.self_report_respond(report=report, actor=request_user(request), response=payload.response)
    return services.self_report_public_status(tracking_code=report.tracking_code)


def _hotline_out(call: HotlineCall) -> dict[str, Any]:
    return {
        "id": call.pk,
        "kind": call.kind,
        "status": call.status,
        "clue_id": call.clue_id,
        "case_id": call.clue.case_id if call.clue is not None else None,
    }


@router.post("/hotline-calls", response={201: HotlineOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def hotline_call_create(request: HttpRequest, payload: HotlineIn) -> Any:
    household = (
        access_household_by_id(request.user, payload.household_no, purpose="hotline")
        if payload.household_no
        else None
    )
    call = services.hotline_call_record(
        actor=request_user(request),
        kind=payload.kind,
        content=payload.content,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        village_code=payload.village_code,
        household=household,
        risk_types=payload.risk_types,
        answer=payload.answer,
    )
    return Status(201, _hotline_out(call))


@router.post(
    "/hotline-calls/{call_id}/close", response={200: HotlineOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
def hotline_call_close(request: HttpRequest, call_id: int, payload: CloseIn) -> Any:
    call = services.access_hotline_call_by_id(request.user, call_id)
    return _hotline_out(
        services.hotline_call_close(call=call, actor=request_user(request), answer=payload.answer)
    )
