"""Self-reports for staff (docs/channels.md "API for staff"): the list of their region's reports, one report
with what the applicant wrote (a ``view`` audit row, as the console's answer page), and the applicant's phone
in clear behind an audited reveal (``self_report.phone``, as the console's reveal button).

Who: village, township and county staff (``channels.services.STAFF_ROLES``), inside their region; another
region's report answers 404 like a missing one (``access_self_report_by_code``, refusals audited).
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from shouwang.accounts.access import Forbidden, user_can_see_region
from shouwang.accounts.actors import request_user
from shouwang.api.lists import READ_ERRORS, cursor_param, limit_param, region_param
from shouwang.cases.apischema import CleanSchema, clean_path
from shouwang.channels import services
from shouwang.channels.choices import ITEM_DEPARTMENT, SelfReportStatusChoices
from shouwang.channels.models import SelfReport
from shouwang.common.apischema import ErrorOut
from shouwang.common.pagination import Key, keyset_page, page_schema
from shouwang.console.selectors import access_self_report_for_page

router = Router(tags=["channels"])
REVEAL_REASON_MAX = 200  # the console's reveal form


class StaffSelfReportItemOut(Schema):
    tracking_code: str
    status: str
    status_label: str
    village_code: str
    village_name: str
    subject_name: str
    filing_mode: str
    difficulty: str
    difficulty_label: str
    department: str
    phone_masked: str
    submitted_on: dt.date
    escalated: bool
    escalated_to: str
    responded: bool
    clue_id: int | None
    case_id: int | None
    household_no: str | None


class StaffSelfReportOut(StaffSelfReportItemOut):
    reporter_name: str
    subject_id_masked: str
    description: str
    response: str
    duplicate_count: int
    satisfied: bool | None
    citizen_comment: str


class RevealIn(CleanSchema):
    reason: str = Field("", max_length=REVEAL_REASON_MAX, description="查看事由（记入审计日志）")


class PhoneOut(Schema):
    tracking_code: str
    phone: str


def _item(r: SelfReport) -> dict[str, Any]:
    clue = r.clue
    return {
        "tracking_code": r.tracking_code,
        "status": r.status,
        "status_label": r.get_status_display(),
        "village_code": r.village_id,
        "village_name": r.village.name,
        "subject_name": r.subject_name,
        "filing_mode": r.filing_mode,
        "difficulty": r.difficulty,
        "difficulty_label": r.get_difficulty_display(),
        "department": ITEM_DEPARTMENT[r.difficulty][0] if r.difficulty in ITEM_DEPARTMENT else "",
        "phone_masked": r.phone_masked,
        "submitted_on": r.submitted_on,
        "escalated": r.escalated_at is not None,
        "escalated_to": r.escalated_to,
        "responded": r.responded_at is not None,
        "clue_id": r.clue_id,
        "case_id": clue.case_id if clue is not None else None,
        "household_no": clue.household.household_no if clue is not None and clue.household else None,
    }


def _staff(request: HttpRequest) -> Any:
    user = request_user(request)
    if user.role not in services.STAFF_ROLES or not user.region_id:
        raise Forbidden("您的角色无权查看群众自主申报")
    return user


KEYS = (Key("submitted_on", dt.date), Key("id", int))


@router.get(
    "/staff/self-reports",
    operation_id="staff_self_report_list",
    summary="群众自主申报列表（工作人员）",
    description=(
        "本人辖区内的群众自主申报，按提交日期、编号排序，键集分页；电话只显示掩码。"
        "status 办理状态；village 行政村（或其上级区划）代码；escalated=true 只列已督办的（R-ID-07）。"
    ),
    response={200: page_schema(StaffSelfReportItemOut), **READ_ERRORS},
)
def staff_self_report_list(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    status: SelfReportStatusChoices | None = Query(None, description="办理状态"),  # noqa: B008
    village: str | None = Query(None, max_length=15, description="行政村或上级区划代码"),
    escalated: bool | None = Query(None, description="是否已督办"),
    limit: int = limit_param(),
    cursor: str | None = cursor_param(),
) -> dict[str, Any]:
    user = _staff(request)
    qs = SelfReport.objects.filter(village__code__startswith=user.region_code)
    if status:
        qs = qs.filter(status=status)
    if escalated is not None:
        qs = qs.filter(escalated_at__isnull=not escalated)
    if village:
        code = region_param("village", village)
        qs = qs.filter(village__code__startswith=code) if user_can_see_region(user, code) else qs.none()
    page = keyset_page(
        qs.select_related("village", "clue", "clue__household"), KEYS, cursor=cursor, limit=limit
    )
    return page.as_dict(_item)


@router.get(
    "/staff/self-reports/{tracking_code}",
    operation_id="staff_self_report_get",
    summary="查看一条群众自主申报（工作人员）",
    description="申报内容与办理情况，电话只显示掩码（明文见 reveal-phone）。每次查看记入审计日志。",
    response={200: StaffSelfReportOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def staff_self_report_get(request: HttpRequest, tracking_code: str) -> dict[str, Any]:
    report = access_self_report_for_page(
        user=request.user, tracking_code=clean_path("tracking_code", tracking_code)
    )
    report = SelfReport.objects.select_related("village", "clue", "clue__household").get(pk=report.pk)
    return {
        **_item(report),
        "reporter_name": report.reporter_name,
        "subject_id_masked": report.subject_id_masked,
        "description": report.description,
        "response": report.response,
        "duplicate_count": report.duplicate_count,
        "satisfied": report.satisfied,
        "citizen_comment": report.citizen_comment,
    }


@router.post(
    "/staff/self-reports/{tracking_code}/reveal-phone",
    operation_id="staff_self_report_reveal_phone",
    summary="查看申报人联系电话明文（工作人员，记入审计）",
    description="为回访群众查看联系电话明文；每次查看写一条审计记录（对象 self_report.phone，含事由）。",
    response={200: PhoneOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
)
def staff_self_report_reveal_phone(
    request: HttpRequest, tracking_code: str, payload: RevealIn
) -> dict[str, Any]:
    report = services.access_self_report_by_code(request.user, clean_path("tracking_code", tracking_code))
    phone = services.self_report_reveal_phone(
        report=report, actor=request_user(request), reason=payload.reason.strip()
    )
    return {"tracking_code": report.tracking_code, "phone": phone}
