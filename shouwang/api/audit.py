"""The audit log as data (docs/accounts.md "Audit API"): ``GET /api/v1/audit``.

Read-only; the same readers and the same region scope as the console's audit page
(``accounts.access.access_audit_scope``: auditors and county officials, entries about their region, the
entries without a region for province-level auditors only). Unlike the page, each item carries the whole
recorded ``changes`` (``{field: [old, new]}``, the case version included). Like the page, reading the log
writes no audit row of its own.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from shouwang.accounts.access import access_audit_scope
from shouwang.accounts.models import User
from shouwang.api.lists import cursor_param, limit_param
from shouwang.audit.models import AuditActionChoices, AuditEntry
from shouwang.audit.selectors import audit_filtered
from shouwang.common.apischema import ErrorOut
from shouwang.common.pagination import Key, keyset_page, page_schema
from shouwang.regions.models import Region

router = Router(tags=["audit"])


class AuditItemOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    actor_name: str
    role: str
    action: str
    action_label: str
    object_type: str
    object_id: str
    region_code: str
    region_name: str
    changes: dict[str, Any]
    version: int | None
    reason: str


KEYS = (Key("id", int, desc=True),)


def _version(changes: dict[str, Any]) -> int | None:
    """The object's version after the change, when the entry records one (``version: [old, new]``)."""
    pair = changes.get("version") if isinstance(changes, dict) else None
    if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[1], int):
        return pair[1]
    return None


@router.get(
    "/audit",
    operation_id="audit_list",
    summary="审计日志",
    description=(
        "审计人员与县级用户查看本辖区的审计日志（与控制台审计页相同的范围），最新的在前，键集分页。"
        "每条含完整的变更记录 changes（字段: [原值, 新值]，流程操作含 state 与 version）。"
        "筛选：object_type 对象类型（如 case）、object_id 对象标识、actor 操作人账号、action 动作、"
        "since/until 起止日期（含当日）。其他角色返回403。"
    ),
    response={200: page_schema(AuditItemOut), 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
)
def audit_list(  # noqa: PLR0917 - query parameters of the endpoint
    request: HttpRequest,
    object_type: str | None = Query(None, max_length=32, description="对象类型"),
    object_id: str | None = Query(None, max_length=64, description="对象标识"),
    actor: str | None = Query(None, max_length=150, description="操作人账号"),
    action: AuditActionChoices | None = Query(None, description="动作"),  # noqa: B008
    since: dt.date | None = Query(None, description="起始日期（含）"),  # noqa: B008
    until: dt.date | None = Query(None, description="截止日期（含）"),  # noqa: B008
    limit: int = limit_param(),
    cursor: str | None = cursor_param(),
) -> dict[str, Any]:
    qs = audit_filtered(
        scope=access_audit_scope(request.user),
        action=action or "",
        object_type=object_type or "",
        object_id=object_id or "",
        actor=actor or "",
        since=since,
        until=until,
    )
    page = keyset_page(qs, KEYS, cursor=cursor, limit=limit)
    people = dict(
        User.objects.filter(username__in={e.actor_label for e in page.items}).values_list(
            "username", "display_name"
        )
    )
    regions = dict(
        Region.objects.filter(code__in={e.region_code for e in page.items} - {""}).values_list("code", "name")
    )
    labels = dict(AuditActionChoices.choices)

    def render(e: AuditEntry) -> dict[str, Any]:
        return {
            "id": e.pk,
            "at": e.at,
            "actor": e.actor_label,
            "actor_name": people.get(e.actor_label) or "",
            "role": e.actor_role,
            "action": e.action,
            "action_label": str(labels.get(e.action, e.action)),
            "object_type": e.object_type,
            "object_id": e.object_id,
            "region_code": e.region_code,
            "region_name": regions.get(e.region_code, ""),
            "changes": e.changes if isinstance(e.changes, dict) else {"value": e.changes},
            "version": _version(e.changes),
            "reason": e.reason,
        }

    return page.as_dict(render)
