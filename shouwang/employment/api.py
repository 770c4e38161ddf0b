"""``GET /api/v1/employment/roster?period=&region=``: the month's labour roster counted by status, in the
caller's region (an adapter: parse, call one selector, render)."""

import re
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from shouwang.accounts.actors import request_user
from shouwang.common.apischema import ErrorOut, error_body
from shouwang.employment.selectors import roster_counts

router = Router(tags=["employment"])
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REGION = re.compile(r"^\d{2,15}$")


class RosterOut(Schema):
    period: str
    region_code: str
    labourers: int
    employed: int
    by_status: dict[str, int]


@router.get("/employment/roster", response={200: RosterOut, 422: ErrorOut})
def roster(request: HttpRequest, period: str, region: str = "") -> Any:
    """劳动力花名册按当月就业状态汇总（按本人辖区过滤）。"""
    if not _PERIOD.match(period) or (region and not _REGION.match(region)):
        return Status(422, error_body("period 应为YYYY-MM，region 应为区划代码"))
    counts = roster_counts(user=request_user(request), period=period, region_code=region or None)
    return Status(200, counts.__dict__)
