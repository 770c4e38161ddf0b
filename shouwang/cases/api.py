"""CONTRACT §3: households (masked), clues, cases, transitions, measures, visits, documents, notices.

Handlers are adapters (STYLE 2): parse, call one access function and one service or selector, render.
Role and region are enforced by the same functions the console uses; "not yours" is 404 like "missing".
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.actors import request_user
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.accounts.models import User
from shouwang.cases.apischema import CleanSchema, clean_path, region_param
from shouwang.cases.choices import ChannelChoices, RiskTypeChoices
from shouwang.cases.models import Clue, Helper, Measure, Visit
from shouwang.cases.notices import notice_for_user, notice_render_html, notice_render_pdf
from shouwang.cases.presenters import case_detail, household_detail
from shouwang.cases.selectors import (
    access_case_by_id,
    access_clue_by_id,
    case_next_visit_due,
    visit_overdue_list,
)
from shouwang.cases.services import steps
from shouwang.cases.services._common import CaseConflict
from shouwang.cases.services.clues import (
    CLUE_ROLES,
    clue_household_resolve,
    clue_submit,
    warning_clue_get_or_create,
)
from shouwang.cases.services.documents import case_document_upload
from shouwang.cases.services.elimination import elimination_candidate_list
from shouwang.cases.services.plans import HelperInput, MeasureInput, plan_measures_add
from shouwang.cases.services.visits import VISIT_NOTES_MAX, IncomeInput, visit_record
from shouwang.common.apischema import ErrorOut, error_body, error_item
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.limits import FREE_TEXT_MAX, ID_NUMBER_INPUT_MAX, LIST_MAX, PHONE_INPUT_MAX, max_length
from shouwang.common.pagination import (
    CURSOR_DESCRIPTION,
    CURSOR_MAX,
    DEFAULT_LIMIT,
    LIMIT_DESCRIPTION,
    MAX_LIMIT,
    Key,
    keyset_page,
    list_page,
    page_schema,
)
from shouwang.common.uploads import upload_limit_message, uploads_refused
from shouwang.regions.models import Region
from shouwang.registry.models import Household
from shouwang.registry.selectors import access_household_by_id
from shouwang.screening.selectors import access_warning_by_id

router = Router(tags=["cases"])
RISK_TYPE_MAX = max(len(v) for v in RiskTypeChoices.values)
ACTION_MAX = 64  # transition names (cases.transitions) are short identifiers
VERSION_DOC = "读取案件时的版本号（GET /api/v1/cases/{case_id} 的 version）；案件已被他人改动时返回409"
# The one rule of every operation that changes a case (docs/api.md "Concurrency", decisions/0021).
CHANGE_RULE = (
    "检查顺序：先角色（无权返回403）与辖区（不在辖区或不存在返回404），再版本（expected_version "
    "与案件当前版本不同返回409，须重新读取案件后再办理），最后是本操作自身的条件（不满足返回422）。"
    "任何拒绝都不改动数据。成功后案件版本加1。"
)


class MemberOut(Schema):
    id: int
    name: str
    id_masked: str
    sex: str
    age: int
    relation: str
    labour: str
    health: str
    school_status: str
    dibao: bool
    tekun: bool
    residence: str


class HouseholdOut(Schema):
    household_no: str
    village_code: str
    village_name: str
    group_name: str
    head_name: str
    poverty_status: str
    monitoring_category: str
    identified_on: dt.date | None
    risk_eliminated_on: dt.date | None
    elimination_mode: str
    no_labour_safety_net: bool
    phone_masked: str
    member_count: int
    income_period: str
    income_per_capita: Decimal | None
    security: dict[str, bool]
    members: list[MemberOut]
    open_case_id: int | None


class ClueIn(CleanSchema):
    # Limits come from the columns (or, for text without one, common.limits): refused, never cut.
    warning_id: int | None = Field(
        None,
        description=(
            "按筛查预警登记线索时填写预警ID（GET /api/v1/warnings 的 id）：线索内容取自预警，"
            "来源标识为 warning:<期别>:<户编号>；同一预警再次提交返回已有线索（200），不重复登记。"
            "填写预警ID时不能另填农户、当事人、风险类型等内容"
        ),
    )
    channel: str = Field("cadre_visit", max_length=max_length(Clue, "channel"))
    household_no: str = Field("", max_length=max_length(Household, "household_no"))
    village_code: str = Field("", max_length=max_length(Region, "code"))
    subject_name: str = Field("", max_length=max_length(Clue, "subject_name"))
    id_number: str = Field("", max_length=ID_NUMBER_INPUT_MAX)
    risk_types: list[Annotated[str, Field(max_length=RISK_TYPE_MAX)]] = Field([], max_length=LIST_MAX)
    description: str = Field("", max_length=FREE_TEXT_MAX)
    evidence: dict[str, Any] = {}
    reported_on: dt.date | None = None
    green_channel: bool = False


class ClueOut(Schema):
    clue_id: int
    case_id: int | None
    attached: bool
    needs_resolution: bool
    new_risks: list[str]
    source_ref: str = Field("", description="来源标识，如预警线索的 warning:<期别>:<户编号>")


class ClueResolveIn(CleanSchema):
    household_no: str = Field(max_length=max_length(Household, "household_no"))


class TransitionIn(CleanSchema):
    action: str = Field(max_length=ACTION_MAX)
    expected_version: int = Field(description=VERSION_DOC)
    data: dict[str, Any] = {}


class CaseOut(Schema):
    id: int
    kind: str
    state: str
    state_label: str
    version: int
    household_no: str
    parent_id: int | None
    open_elimination_case_id: int | None
    opened_on: dt.date
    due_on: dt.date | None
    overdue: bool
    escalated_to: str
    green_channel: bool
    category: str
    risk_types: list[str]
    risk_remark: str
    risk_level: str
    elimination_mode: str
    dates: dict[str, dt.date | None]
    rejection_reason: str
    comparison: dict[str, Any]
    next_actions: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    clues: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    measures: list[dict[str, Any]]
    helpers: list[dict[str, Any]]
    plan_warnings: list[str]
    visits: list[dict[str, Any]]
    next_visit_due: dt.date | None


class MeasureIn(CleanSchema):
    measure_type: str = Field(max_length=max_length(Measure, "measure_type"))
    start_on: dt.date
    item: str = Field("", max_length=max_length(Measure, "item"))
    description: str = Field("", max_length=max_length(Measure, "description"))
    person_id: int | None = None
    end_on: dt.date | None = None
    amount: Decimal | None = None
    loan_term_months: int | None = None
    subsidised: bool = False


class HelperIn(CleanSchema):
    name: str = Field(max_length=max_length(Helper, "name"))
    unit: str = Field(max_length=max_length(Helper, "unit"))
    start_on: dt.date
    phone: str = Field("", max_length=PHONE_INPUT_MAX)
    end_on: dt.date | None = None


class MeasuresIn(CleanSchema):
    expected_version: int = Field(description=VERSION_DOC)
    measures: list[MeasureIn] = Field([], max_length=LIST_MAX)
    helpers: list[HelperIn] = Field([], max_length=LIST_MAX)


class IncomeIn(CleanSchema):
    period: str = Field(max_length=max_length(Visit, "income_period"))
    wage: Decimal = Decimal(0)
    business: Decimal = Decimal(0)
    property: Decimal = Decimal(0)
    transfer: Decimal = Decimal(0)
    business_cost: Decimal = Decimal(0)
    compliant_self_pay: Decimal = Decimal(0)
    insurance_claims: Decimal = Decimal(0)


class VisitIn(CleanSchema):
    expected_version: int = Field(description=VERSION_DOC)
    visited_on: dt.date
    notes: str = Field("", max_length=VISIT_NOTES_MAX)
    risk_level: str = Field("", max_length=max_length(Visit, "risk_level"))
    income: IncomeIn | None = None


class VisitOut(Schema):
    id: int
    case_id: int
    version: int = Field(description="登记走访后的案件版本")
    visited_on: dt.date
    risk_level: str
    income_period: str
    next_visit_due: dt.date | None


class DocumentOut(Schema):
    id: int
    kind: str
    filename: str
    size: int
    sha256: str


class OverdueVisitOut(Schema):
    case_id: int
    household_no: str
    risk_level: str
    last_visit: dt.date | None
    due_on: dt.date
    days_overdue: int


class CandidateOut(Schema):
    case_id: int
    household_no: str
    mode: str


ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


CONFLICT_DOC = {
    "responses": {
        "403": {"description": "角色无权办理（先于版本检查）"},
        "404": {"description": "案件不存在或不在本辖区（先于版本检查）"},
        "409": {
            "description": "版本冲突：expected_version 不是案件当前版本（他人已改动），请重新读取后再办理"
        },
        "422": {"description": "请求内容或本环节的条件不满足"},
    }
}


def _conflict(exc: CaseConflict) -> Status[dict[str, Any]]:
    return Status(
        409,
        error_body(
            str(exc),
            [error_item(column="expected_version", value=exc.expected, reason="版本已变化，请刷新后重试")],
        ),
    )


@router.get("/households/{household_no}", response={200: HouseholdOut, 404: ErrorOut})
def household_get(request: HttpRequest, household_no: str) -> Any:
    household = access_household_by_id(request.user, clean_path("household_no", household_no), purpose="view")
    return household_detail(household)


def _clue_out(clue: Clue) -> dict[str, Any]:
    return {
        "clue_id": clue.pk,
        "case_id": clue.case_id,
        "attached": clue.case is not None and clue.case.clues.count() > 1,
        "needs_resolution": clue.household_id is None,
        "new_risks": clue.new_risks,
        "source_ref": clue.source_ref,
    }


def _clue_from_warning(user: User, payload: ClueIn) -> Status[dict[str, Any]]:
    assert payload.warning_id is not None
    extra = sorted(payload.model_fields_set - {"warning_id", "channel"})
    if payload.channel not in ("cadre_visit", "warning"):
        extra.insert(0, "channel")
    if extra:
        reason = "按预警登记线索时，线索内容取自预警，不能另行填写"
        raise InputRefused(
            "无法办理“登记风险线索”：" + reason, [RowError(None, name, "", reason) for name in extra]
        )
    warning = access_warning_by_id(user, payload.warning_id, purpose="clue")
    clue, created = warning_clue_get_or_create(warning=warning, actor=user)
    return Status(201 if created else 200, _clue_out(clue))


@router.post(
    "/clues",
    response={201: ClueOut, 200: ClueOut, **ERRORS},
    description=(
        "登记风险线索（R-ID-01），或以 warning_id 把筛查预警转为线索（R-WARN-02）。新登记返回201；"
        "同一预警已转过线索时返回200和已有线索。"
    ),
)
def clue_create(request: HttpRequest, payload: ClueIn) -> Any:
    user = request_user(request)
    if user.role not in CLUE_ROLES:
        raise Forbidden("您的角色无权登记风险线索")
    if payload.warning_id is not None:
        return _clue_from_warning(user, payload)
    household = (
        access_household_by_id(user, payload.household_no, purpose="clue") if payload.household_no else None
    )
    if household is None and payload.village_code and not user_can_see_region(user, payload.village_code):
        raise NotFound(payload.village_code)
    if payload.channel == "self_report":
        raise InputRefused(
            "群众自主申报请通过 /api/v1/self-reports 提交",
            [RowError(None, "channel", payload.channel, "自主申报有独立入口")],
        )
    clue = clue_submit(
        actor=user,
        channel=payload.channel,
        household=household,
        village_code=payload.village_code,
        subject_name=payload.subject_name,
        subject_id_number=payload.id_number,
        risk_types=payload.risk_types,
        description=payload.description,
        evidence=payload.evidence,
        reported_on=payload.reported_on,
        green_channel=payload.green_channel,
    )
    return Status(201, _clue_out(clue))


@router.post("/clues/{clue_id}/resolve", response={200: ClueOut, **ERRORS})
def clue_resolve(request: HttpRequest, clue_id: int, payload: ClueResolveIn) -> Any:
    clue = access_clue_by_id(request.user, clue_id)
    household = access_household_by_id(request.user, payload.household_no, purpose="clue_resolve")
    case = clue_household_resolve(clue=clue, household=household, actor=request_user(request))
    return {
        "clue_id": clue.pk,
        "case_id": case.pk,
        "attached": True,
        "needs_resolution": False,
        "new_risks": [],
        "source_ref": clue.source_ref,
    }


@router.get("/cases/{case_id}", response={200: CaseOut, 404: ErrorOut})
def case_get(request: HttpRequest, case_id: int) -> Any:
    return case_detail(access_case_by_id(request.user, case_id), user=request.user)


@router.post(
    "/cases/{case_id}/transitions",
    response={200: CaseOut, **ERRORS},
    description="办理案件的一个环节。" + CHANGE_RULE,
    openapi_extra=CONFLICT_DOC,
)
def case_transition(request: HttpRequest, case_id: int, payload: TransitionIn) -> Any:
    case = access_case_by_id(request.user, case_id, purpose="transition")
    try:
        case = steps.case_transition(
            case=case,
            action=payload.action,
            actor=request_user(request),
            data=payload.data,
            expected_version=payload.expected_version,
        )
    except CaseConflict as exc:
        return _conflict(exc)
    return case_detail(case, user=request.user)


@router.post("/cases/{case_id}/documents", response={201: DocumentOut, **ERRORS})
def case_document(
    request: HttpRequest,
    case_id: int,
    kind: str = Form("authorisation"),
    file: UploadedFile | None = File(None),  # noqa: B008
) -> Any:
    case = access_case_by_id(request.user, case_id, purpose="upload")
    if file is None:
        # Dropped while streaming in (shouwang.common.uploads) or not sent at all.
        reason = upload_limit_message() if uploads_refused(request) else "缺少必填项"
        raise InputRefused("无法办理“上传材料”：" + reason, [RowError(None, "file", "", reason)])
    doc = case_document_upload(
        case=case, actor=request_user(request), kind=kind, filename=file.name or "", content=file
    )
    return Status(201, doc)


@router.post(
    "/cases/{case_id}/measures",
    response={200: CaseOut, **ERRORS},
    description="添加帮扶措施与帮扶责任人。" + CHANGE_RULE,
    openapi_extra=CONFLICT_DOC,
)
def case_measures(request: HttpRequest, case_id: int, payload: MeasuresIn) -> Any:
    case = access_case_by_id(request.user, case_id, purpose="measures")
    try:
        plan_measures_add(
            case=case,
            actor=request_user(request),
            measures=[MeasureInput(**m.dict()) for m in payload.measures],
            helpers=[HelperInput(**h.dict()) for h in payload.helpers],
            expected_version=payload.expected_version,
        )
    except CaseConflict as exc:
        return _conflict(exc)
    case.refresh_from_db()
    return case_detail(case, user=request.user)


@router.post(
    "/cases/{case_id}/visits",
    response={201: VisitOut, **ERRORS},
    description="登记走访。" + CHANGE_RULE,
    openapi_extra=CONFLICT_DOC,
)
def case_visit(request: HttpRequest, case_id: int, payload: VisitIn) -> Any:
    case = access_case_by_id(request.user, case_id, purpose="visit")
    try:
        visit = visit_record(
            case=case,
            actor=request_user(request),
            visited_on=payload.visited_on,
            notes=payload.notes,
            risk_level=payload.risk_level,
            income=IncomeInput(**payload.income.dict()) if payload.income else None,
            expected_version=payload.expected_version,
        )
    except CaseConflict as exc:
        return _conflict(exc)
    case.refresh_from_db()
    return Status(
        201,
        {
            "id": visit.pk,
            "case_id": case.pk,
            "version": case.version,
            "visited_on": visit.visited_on,
            "risk_level": visit.risk_level,
            "income_period": visit.income_period,
            "next_visit_due": case_next_visit_due(case),
        },
    )


@router.get(
    "/visits/overdue",
    summary="走访超期的监测户",
    description=(
        "本人辖区内走访已超期的监测户（上次走访或识别日期 + 分级走访间隔，R-ID-06），"
        "按应走访日期、案件编号排序，分页（limit、cursor，返回 next_cursor 与 total）。"
    ),
    response={200: page_schema(OverdueVisitOut), 401: ErrorOut, 422: ErrorOut},
)
def visits_overdue(
    request: HttpRequest,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
) -> Any:
    rows = visit_overdue_list(user=request.user)
    return list_page(
        rows, lambda r: (r["due_on"], r["case_id"]), (dt.date, int), cursor=cursor, limit=limit
    ).as_dict()


@router.get(
    "/elimination-candidates",
    summary="风险消除候选户",
    description=(
        "本人辖区内满足全部风险消除条件的监测户（系统提出，R-ELIM-01），按案件编号排序，"
        "分页（limit、cursor，返回 next_cursor 与 total）。"
    ),
    response={200: page_schema(CandidateOut), 401: ErrorOut, 422: ErrorOut},
)
def elimination_candidates(
    request: HttpRequest,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
) -> Any:
    rows = elimination_candidate_list(user=request.user)
    return list_page(rows, lambda r: (r["case_id"],), (int,), cursor=cursor, limit=limit).as_dict()


@router.get(
    "/notices/{village_code}",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    openapi_extra={
        "responses": {
            "200": {
                "description": "公示/公告（HTML或PDF）",
                "content": {"text/html": {"schema": {"type": "string"}}, "application/pdf": {}},
            }
        }
    },
)
def notice_get(
    request: HttpRequest,
    village_code: str,
    kind: str = "identification",
    stage: str = "notice",
    format: str = "html",
) -> Any:
    user = request_user(request)
    for name, value in (("village_code", village_code), ("kind", kind), ("stage", stage), ("format", format)):
        clean_path(name, value)
    notice = notice_for_user(user=user, village_code=village_code, kind=kind, stage=stage, format=format)
    if format == "pdf":
        response = HttpResponse(notice_render_pdf(notice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="notice-{village_code}-{stage}.pdf"'
        return response
    return HttpResponse(notice_render_html(notice), content_type="text/html; charset=utf-8")


class ClueItemOut(Schema):
    id: int
    channel: str
    channel_label: str
    source_ref: str
    village_code: str
    village_name: str
    subject_name: str
    risk_types: list[str]
    reported_on: dt.date
    green_channel: bool
    household_no: str | None
    case_id: int | None
    tracking_code: str = Field(description="来自群众自主申报的线索：申报查询码")


CLUE_KEYS = (Key("reported_on", dt.date), Key("id", int))
SELF_REPORT_REF = "self_report:"


def _clue_item(c: Clue) -> dict[str, Any]:
    return {
        "id": c.pk,
        "channel": c.channel,
        "channel_label": c.get_channel_display(),
        "source_ref": c.source_ref,
        "village_code": c.village_id,
        "village_name": c.village.name,
        "subject_name": c.subject_name,
        "risk_types": c.risk_types,
        "reported_on": c.reported_on,
        "green_channel": c.green_channel,
        "household_no": c.household.household_no if c.household else None,
        "case_id": c.case_id,
        "tracking_code": c.source_ref.removeprefix(SELF_REPORT_REF)
        if c.source_ref.startswith(SELF_REPORT_REF)
        else "",
    }


# On this router: one path, one router (GET and POST /clues), or Django answers 405 to one of them.
@router.get(
    "/clues",
    operation_id="clue_list",
    summary="风险线索列表",
    description=(
        "本人辖区内（按线索所在行政村）的风险线索，按发现日期、线索编号排序，键集分页。"
        "unmatched=true 只列尚未匹配到农户的线索（热线来电、未填身份证号的自主申报等），"
        "用 POST /api/v1/clues/{id}/resolve 为其指定农户；village 行政村（或其上级区划）代码；"
        "channel 来源渠道。"
    ),
    response={200: page_schema(ClueItemOut), 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
)
def clue_list(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    unmatched: bool | None = Query(None, description="是否只列未匹配农户的线索"),
    village: str | None = Query(None, max_length=15, description="行政村或上级区划代码"),
    channel: ChannelChoices | None = Query(None, description="线索来源渠道"),  # noqa: B008
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
) -> Any:
    user = request_user(request)
    if user.role not in HOUSEHOLD_READERS or not user.region_id:
        raise Forbidden("您的角色无权查看风险线索")
    # The same scope as ``access_clue_by_id``: the clue's village inside the caller's region.
    qs = Clue.objects.filter(village__code__startswith=user.region_code)
    if unmatched is not None:
        qs = qs.filter(household__isnull=unmatched)
    if channel:
        qs = qs.filter(channel=channel)
    if village:
        code = region_param("village", village)
        qs = qs.filter(village__code__startswith=code) if user_can_see_region(user, code) else qs.none()
    page = keyset_page(qs.select_related("village", "household"), CLUE_KEYS, cursor=cursor, limit=limit)
    return page.as_dict(_clue_item)
