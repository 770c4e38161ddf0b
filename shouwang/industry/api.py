"""``GET /api/v1/industry/coverage?region=``: 双绑 coverage per township in the caller's region (an adapter:
parse, call one selector, render)."""

import re
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from shouwang.accounts.actors import request_user
from shouwang.common.apischema import ErrorOut, error_body
from shouwang.industry.selectors import coverage_report

router = Router(tags=["industry"])
_REGION = re.compile(r"^\d{2,15}$")


class CoverageRowOut(Schema):
    code: str
    name: str
    eligible: int
    double: int
    single: int
    none: int
    rate: float | None


class CoverageOut(Schema):
    on: str
    total: CoverageRowOut
    townships: list[CoverageRowOut]


def _row(r: Any) -> dict[str, Any]:
    return {k: getattr(r, k) for k in ("code", "name", "eligible", "double", "single", "none", "rate")}


@router.get("/industry/coverage", response={200: CoverageOut, 422: ErrorOut})
def coverage(request: HttpRequest, region: str = "") -> Any:
    """有产业发展条件和意愿农户的双绑覆盖情况（按本人辖区过滤，按乡镇汇总）。"""
    if region and not _REGION.match(region):
        return Status(422, error_body("region 应为区划代码"))
    report = coverage_report(
        user=request_user(request), on=timezone.localdate(), region_code=region, list_limit=0
    )
    return Status(
        200,
        {
            "on": report.on.isoformat(),
            "total": _row(report.total),
            "townships": [_row(r) for r in report.rows],
        },
    )
