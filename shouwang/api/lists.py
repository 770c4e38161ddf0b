"""Lists of the HTTP API for casework: cases and the caller's work queue (docs/api.md "Lists"). The clue
list is in ``cases/api.py`` next to ``POST /clues`` (one path, one router).

Every list answers the envelope of ``shouwang.common.pagination`` and is scoped to the caller's region with
the same functions as the console (``user_household_q`` for cases); what lies outside never appears,
whatever the filters. Handlers are adapters (STYLE 2).
"""

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from ninja import Query, Router, Schema

from shouwang.accounts.access import Forbidden, region_q, user_can_see_region
from shouwang.accounts.actors import Viewer, request_user
from shouwang.accounts.choices import HOUSEHOLD_READERS
from shouwang.cases import clock
from shouwang.cases.apischema import region_param
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import Case
from shouwang.cases.overdue import case_is_overdue, case_overdue_q
from shouwang.cases.selectors import case_list as case_queryset
from shouwang.cases.transitions import MOVES, pending_steps
from shouwang.common.apischema import ErrorOut
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.pagination import (
    CURSOR_DESCRIPTION,
    CURSOR_MAX,
    DEFAULT_LIMIT,
    LIMIT_DESCRIPTION,
    MAX_LIMIT,
    Key,
    keyset_page,
    page_schema,
)
from shouwang.console.workqueue import COUNT_CAP, work_queue_get
from shouwang.registry.choices import MonitoringCategoryChoices

router = Router(tags=["lists"])
ACTIONS = sorted({action for (_, action) in MOVES})
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
# Open cases still inside the procedure: the ones a due date (R-ID-03) applies to.


def limit_param() -> Any:
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION)


def cursor_param() -> Any:
    return Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION)


def household_reader(request: HttpRequest, what: str) -> Any:
    user = request_user(request)
    if user.role not in HOUSEHOLD_READERS or not user.region_id:
        raise Forbidden(f"您的角色无权查看{what}")
    return user


# ------------------------------------------------------------------------------------------------- cases


class NextStepOut(Schema):
    action: str
    label: str
    roles: list[str]


class CaseItemOut(Schema):
    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    version: int
    is_open: bool
    household_no: str
    head_name: str
    village_code: str
    village_name: str
    category: str
    risk_types: list[str]
    risk_level: str
    green_channel: bool
    opened_on: dt.date
    due_on: dt.date | None
    overdue: bool
    days_overdue: int
    escalated_to: str
    next_steps: list[NextStepOut]


def _case_item(case: Case, today: dt.date) -> dict[str, Any]:
    overdue = case_is_overdue(case, today)
    return {
        "id": case.pk,
        "kind": case.kind,
        "kind_label": case.get_kind_display(),
        "state": case.state,
        "state_label": case.get_state_display(),
        "version": case.version,
        "is_open": case.is_open,
        "household_no": case.household.household_no,
        "head_name": case.household.head_name,
        "village_code": case.household.village_id,
        "village_name": case.household.village.name,
        "category": case.category,
        "risk_types": case.risk_types,
        "risk_level": case.risk_level,
        "green_channel": case.green_channel,
        "opened_on": case.opened_on,
        "due_on": case.due_on,
        "overdue": overdue,
        "days_overdue": (today - case.due_on).days if overdue and case.due_on else 0,
        "escalated_to": case.escalated_to,
        "next_steps": [
            {"action": m.action, "label": m.label, "roles": sorted(m.roles)}
            for m in ([] if not case.is_open else pending_steps(case.kind, case.state))
        ],
    }


def step_q(action: str) -> Q:
    """Open cases whose next procedural step includes ``action`` (``transitions.pending_steps``)."""
    q = Q(pk__in=[])
    for kind in CaseKindChoices.values:
        states = [s for s in CaseStateChoices.values if action in {m.action for m in pending_steps(kind, s)}]
        if states:
            q |= Q(kind=kind, state__in=states)
    return q & Q(is_open=True)


def case_filtered(  # noqa: PLR0917 - the list's filters
    user: Viewer,
    today: dt.date,
    state: str | None,
    step: str | None,
    overdue: bool | None,
    category: str | None,
    village: str | None,
    kind: str | None,
) -> QuerySet[Case]:
    qs = case_queryset(user=user, open_only=False)
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if category:
        qs = qs.filter(category=category)
    if step:
        if step not in ACTIONS:
            raise InputRefused(
                "办理环节不存在", [RowError(None, "step", step, "应为流程操作名之一：" + "、".join(ACTIONS))]
            )
        qs = qs.filter(step_q(step))
    if overdue is not None:
        # The one rule of R-ID-03, computed on today (cases/overdue.py), as in every other reader.
        late = case_overdue_q(today)
        qs = qs.filter(late) if overdue else qs.exclude(late)
    if village:
        code = region_param("village", village)
        qs = qs.filter(region_q(code, prefix="household__")) if user_can_see_region(user, code) else qs.none()
    return qs


CASE_KEYS = (Key("due_on", dt.date, nullable=True), Key("id", int))


@router.get(
    "/cases",
    operation_id="case_list",
    summary="案件列表",
    description=(
        "本人辖区内的识别纳入、风险消除案件，按办结时限（无时限的在后）、案件编号排序，键集分页。"
        "筛选：state 环节；step 待办操作（如 village_review：下一步可办该操作的未结案件）；"
        "overdue 是否超期（办理中且已过办结时限，按当日计算，R-ID-03）；category 监测对象类别；"
        "village 行政村（或其上级区划）代码，辖区外的区划返回空列表；kind 案件类型。"
    ),
    response={200: page_schema(CaseItemOut), **READ_ERRORS},
)
def case_list(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    state: CaseStateChoices | None = Query(None, description="环节"),  # noqa: B008
    step: str | None = Query(None, max_length=32, description="待办操作（流程操作名）"),
    overdue: bool | None = Query(None, description="是否超期"),
    category: MonitoringCategoryChoices | None = Query(None, description="监测对象类别"),  # noqa: B008
    village: str | None = Query(None, max_length=15, description="行政村或上级区划代码"),
    kind: CaseKindChoices | None = Query(None, description="案件类型"),  # noqa: B008
    limit: int = limit_param(),
    cursor: str | None = cursor_param(),
) -> dict[str, Any]:
    user = household_reader(request, "案件")
    today = clock.today()
    qs = case_filtered(user, today, state, step, overdue, category, village, kind)
    page = keyset_page(
        qs.select_related("household", "household__village"), CASE_KEYS, cursor=cursor, limit=limit
    )
    return page.as_dict(lambda c: _case_item(c, today))


# -------------------------------------------------------------------------------------------- work queue


class WorkItemOut(Schema):
    title: str
    state: str = ""
    next: str = ""
    village: str = ""
    household_no: str = ""
    case_id: int | None = None
    clue_id: int | None = None
    tracking_code: str = ""
    region_code: str = ""
    due_on: dt.date | None = None
    days_left: int | None = None
    days_over: int = 0
    overdue: bool = False
    yours: bool = False
    escalated_to: str = ""
    note: str = ""
    link: str = ""


class WorkSectionOut(Schema):
    key: str
    title: str
    count: int
    capped: bool
    note: str
    link: str
    items: list[WorkItemOut]


# Console pages an item links to → what the API client needs to act on it.
_LINK_IDS = {
    "case_detail": ("case_id", "case_id"),
    "visit_create": ("case_id", "case_id"),
    "clue_detail": ("clue_id", "clue_id"),
    "self_report_detail": ("tracking_code", "tracking_code"),
    "household_detail": ("household_no", "household_no"),
    "household_visit_create": ("household_no", "household_no"),
}


def _work_item(item: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in item.items() if k in WorkItemOut.model_fields and v is not None}
    link = str(item.get("link", ""))
    path, _, query = link.partition("?")
    try:
        match = resolve(path)
    except Resolver404:
        match = None
    if match is not None and match.url_name in _LINK_IDS:
        field, kwarg = _LINK_IDS[match.url_name]
        out[field] = match.kwargs[kwarg]
    elif query.startswith("region="):
        # A supervisor's item is a region (the section puts its code where a household number goes).
        out["region_code"] = query.removeprefix("region=")
        out.pop("household_no", None)
    if match is not None and match.url_name == "self_report_detail":
        out.pop("household_no", None)  # the section puts the tracking code there for the page
    for key in ("escalated_to", "note", "state", "next", "village", "household_no"):
        out[key] = str(out.get(key) or "")
    return out


class WorkQueueOut(Schema):
    items: list[WorkSectionOut]
    next_cursor: str | None
    total: int


@router.get(
    "/work-queue",
    operation_id="work_queue_get",
    summary="本人待办（工作台）",
    description=(
        "与控制台首页相同的待办分组（到期及超期案件、公示期满待审核、待核实预警、走访、群众申报、"
        f"待匹配线索），按本人角色与辖区；每组给出总数（超过{COUNT_CAP}记为 capped）与最紧急的几条。"
        "列表信封与其他列表相同，items 为各分组，不分页（next_cursor 恒为 null）。"
        "无待办工作台的角色得到空列表。"
    ),
    response={200: WorkQueueOut, 401: ErrorOut},
)
def work_queue(request: HttpRequest) -> dict[str, Any]:
    sections = work_queue_get(user=request_user(request))
    items = [
        {
            "key": s.key,
            "title": str(s.title),
            "count": s.count,
            "capped": s.capped,
            "note": str(s.note),
            "link": s.more_link,
            "items": [_work_item(i) for i in s.items],
        }
        for s in sections
    ]
    return {"items": items, "next_cursor": None, "total": len(items)}
