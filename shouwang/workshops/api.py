"""``GET /api/v1/workshops?status=``: the caller's 帮扶车间 with their quarterly status (an adapter)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from shouwang.accounts.actors import request_user
from shouwang.common.apischema import ErrorOut, error_body
from shouwang.workshops.choices import WorkshopStatusChoices
from shouwang.workshops.selectors import workshop_list

router = Router(tags=["workshops"])


class WorkshopOut(Schema):
    id: int
    name: str
    kind: str
    village_code: str
    operator: str
    recognised_on: str
    status: str
    status_label: str
    failing_since: str
    last_checked: str
    current_workers: int


@router.get("/workshops", response={200: list[WorkshopOut], 422: ErrorOut})
def workshops(request: HttpRequest, status: str = "") -> Any:
    """本辖区帮扶车间及季度运行状态（正常运行、监测待处置、清理）。"""
    if status and status not in WorkshopStatusChoices.values:
        return Status(422, error_body("status 应为 normal、pending 或 cleared"))
    rows = workshop_list(user=request_user(request), status=status)
    return Status(
        200,
        [
            {
                "id": w.pk,
                "name": w.name,
                "kind": w.kind,
                "village_code": w.village_id,
                "operator": w.operator,
                "recognised_on": w.recognised_on.isoformat(),
                "status": w.status,
                "status_label": w.get_status_display(),
                "failing_since": w.failing_since,
                "last_checked": w.last_checked,
                "current_workers": w.current,  # type: ignore[attr-defined]
            }
            for w in rows
        ],
    )
