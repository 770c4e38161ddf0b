"""``GET /api/v1/posts`` (the caller's public-welfare posts, keyset-paginated like the other lists) and
``GET /api/v1/posts/{id}/holders`` (a post's holders, present and past). Adapters: parse, call a
selector, render; scoped to the caller's region, a post outside it answers 404 like a missing one."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shouwang.accounts.access import Forbidden
from shouwang.accounts.actors import request_user
from shouwang.common.apischema import ErrorOut
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
from shouwang.publicposts.choices import PostClassChoices, PostStageChoices
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.publicposts.selectors import access_post_by_id, post_holders, post_list
from shouwang.publicposts.transitions import READERS_OF_POSTS

router = Router(tags=["publicposts"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
KEYS = (Key("id", int),)


class PostOut(Schema):
    id: int
    name: str
    village_code: str
    village_name: str
    post_class: str
    post_class_label: str
    funding: str
    funding_label: str
    monthly_subsidy: Decimal
    insurance: str
    insurance_label: str
    places: int
    active_holders: int
    term_months: int
    stage: str
    stage_label: str
    round: int


class HolderOut(Schema):
    id: int
    name: str
    id_masked: str
    household_no: str
    start_on: dt.date
    term_end_on: dt.date
    status: str
    status_label: str
    ended_on: dt.date | None
    exit_reason: str
    exit_reason_label: str


def _reader(request: HttpRequest) -> Any:
    user = request_user(request)
    if user.role not in READERS_OF_POSTS or not user.region_id:
        raise Forbidden("您的角色无权查看公益性岗位")
    return user


def _post(p: PublicPost) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "village_code": p.village_id,
        "village_name": p.village.name,
        "post_class": p.post_class,
        "post_class_label": p.get_post_class_display(),
        "funding": p.funding,
        "funding_label": p.get_funding_display(),
        "monthly_subsidy": p.monthly_subsidy,
        "insurance": p.insurance,
        "insurance_label": p.get_insurance_display(),
        "places": p.places,
        "active_holders": getattr(p, "active", 0),
        "term_months": p.term_months,
        "stage": p.stage,
        "stage_label": p.get_stage_display(),
        "round": p.round,
    }


def _holder(h: PostHolder) -> dict[str, Any]:
    return {
        "id": h.pk,
        "name": h.person.name,
        "id_masked": h.person.id_masked,
        "household_no": h.household.household_no,
        "start_on": h.start_on,
        "term_end_on": h.term_end_on,
        "status": h.status,
        "status_label": h.get_status_display(),
        "ended_on": h.ended_on,
        "exit_reason": h.exit_reason,
        "exit_reason_label": h.get_exit_reason_display() if h.exit_reason else "",
    }


@router.get(
    "/posts",
    operation_id="post_list",
    summary="公益性岗位列表",
    description=(
        "本人辖区内的公益性岗位，按编号排序，键集分页。筛选：village 行政村（或其上级区划）代码；"
        "post_class 岗位类别；stage 招聘环节；vacant 是否有空缺（在岗人数少于岗位数）。"
    ),
    response={200: page_schema(PostOut), **ERRORS},
)
def posts(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    village: str | None = Query(None, max_length=15, pattern=r"^\d{2,15}$", description="区划代码"),
    post_class: PostClassChoices | None = Query(None, description="岗位类别"),  # noqa: B008
    stage: PostStageChoices | None = Query(None, description="招聘环节"),  # noqa: B008
    vacant: bool | None = Query(None, description="是否有空缺"),
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
) -> dict[str, Any]:
    user = _reader(request)
    qs = post_list(
        user=user, village=village or "", post_class=post_class or "", stage=stage or "", vacant=vacant
    )
    return keyset_page(qs, KEYS, cursor=cursor, limit=limit).as_dict(_post)


@router.get(
    "/posts/{post_id}/holders",
    operation_id="post_holders",
    summary="公益性岗位在岗人员",
    description="岗位的在岗和已离岗人员（证件号码脱敏），按编号排序，键集分页；辖区外的岗位与不存在的同样返回404。",
    response={200: page_schema(HolderOut), **ERRORS},
)
def holders(
    request: HttpRequest,
    post_id: int,
    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DESCRIPTION),
    cursor: str | None = Query(None, max_length=CURSOR_MAX, description=CURSOR_DESCRIPTION),
) -> dict[str, Any]:
    user = _reader(request)
    post = access_post_by_id(user, post_id, purpose="post_api")
    qs = post_holders(post=post)
    return keyset_page(qs, KEYS, cursor=cursor, limit=limit).as_dict(_holder)
