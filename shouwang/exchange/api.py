"""Department push API (CONTRACT §3): ``POST /api/v1/feeds/{kind}?period=YYYY-MM`` and batch reports.

The body is the delivery itself, exactly what the file import reads: CSV bytes (``text/csv``; UTF-8 or
GB18030, detected), an XLSX workbook, or ``application/json`` — an array of row objects keyed by canonical
column names (or Chinese labels), converted to the equivalent CSV. Same validation and batch semantics as
``shouwang import feed`` (docs/exchange.md).
"""

import json
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from shouwang.accounts.access import Forbidden
from shouwang.accounts.actors import request_user
from shouwang.common.apischema import ErrorOut
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.feeds import feed_json_to_csv, feed_spec
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.selectors import access_import_batch_by_id, user_may_push_feed
from shouwang.exchange.services import feed_batch_ingest

router = Router(tags=["exchange"])

FEED_PUSH_MAX_BYTES = 512 * 1024 * 1024
XLSX_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel.sheet.macroenabled.12",
}
CSV_TYPES = {"text/csv", "application/csv", "text/plain"}
JSON_TYPES = {"application/json"}


class UnmatchedOut(Schema):
    row: int
    id_masked: str | None
    reason: str


class FeedBatchOut(Schema):
    batch_id: int
    kind: str
    source: str
    period: str
    status: str
    filename: str
    encoding: str
    rows: int
    matched: int
    unmatched: int
    unmatched_rows: list[UnmatchedOut]
    duplicate: bool
    supersedes: int | None
    periods: list[str]
    affected_periods: list[str]
    warnings: list[str]
    created_at: datetime


def _batch_out(batch: ImportBatch) -> dict[str, Any]:
    report = batch.report or {}
    return {
        "batch_id": batch.pk,
        "kind": batch.kind,
        "source": batch.source,
        "period": batch.period,
        "status": batch.status,
        "filename": batch.filename,
        "encoding": batch.encoding,
        "rows": batch.rows_total,
        "matched": batch.matched,
        "unmatched": batch.unmatched,
        "unmatched_rows": report.get("unmatched_rows", []),
        "duplicate": batch.duplicate,
        "supersedes": batch.supersedes_id,
        "periods": list(batch.periods or []),
        "affected_periods": report.get("affected_periods", []),
        "warnings": list(batch.warnings or []),
        "created_at": batch.created_at,
    }


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": "报送文件本身（CSV/XLSX），或行对象组成的JSON数组",
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}


@router.post(
    "/feeds/{kind}",
    response={
        200: FeedBatchOut,
        201: FeedBatchOut,
        403: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,  # the one error shape: each refused row in ``errors``
    },
    openapi_extra=_BODY_DOC,
    summary="部门数据推送（与文件导入相同的校验与批次规则）",
)
def feed_push(request: HttpRequest, kind: str, period: str = "", source: str = "") -> Status[Any]:
    feed_spec(kind)  # an unknown kind is refused input (422), like the file import
    scopes = getattr(request, "token_scopes", [])
    if not user_may_push_feed(request.user, kind, scopes):
        raise Forbidden(f"该令牌无权报送“{kind}”数据（部门只能报送本部门的数据）")
    content_type = (request.content_type or "").lower()
    if content_type in CSV_TYPES:
        suffix = ".csv"
    elif content_type in XLSX_TYPES:
        suffix = ".xlsx"
    elif content_type in JSON_TYPES:
        suffix = ".json"
    else:
        return Status(415, {"detail": "Content-Type应为text/csv、XLSX或application/json"})
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > FEED_PUSH_MAX_BYTES:
        return Status(413, {"detail": f"请求体过大（上限{FEED_PUSH_MAX_BYTES // (1024 * 1024)}MB）"})
    filename = (
        _filename(request) or f"api-{kind}-{period or 'unknown'}{'.csv' if suffix == '.json' else suffix}"
    )
    with tempfile.TemporaryDirectory(prefix="shouwang-push-") as tmp:
        body = Path(tmp) / f"body{suffix}"
        if not _receive(request, body):
            return Status(413, {"detail": f"请求体过大（上限{FEED_PUSH_MAX_BYTES // (1024 * 1024)}MB）"})
        if suffix == ".json":
            path = Path(tmp) / "rows.csv"
            try:
                rows = json.loads(body.read_bytes())
            except (ValueError, UnicodeDecodeError) as exc:
                raise InputRefused(
                    "请求体不是有效的JSON", [RowError(None, "", "", f"JSON解析失败：{exc}")]
                ) from exc
            feed_json_to_csv(rows, path, kind=kind)
        else:
            path = body
        batch = feed_batch_ingest(
            kind=kind, path=path, period=period, source=source, actor=request_user(request), filename=filename
        )
    return Status(200 if batch.duplicate else 201, _batch_out(batch))


@router.get(
    "/feeds/batches/{batch_id}", response={200: FeedBatchOut, 404: ErrorOut}, summary="部门数据批次报告"
)
def feed_batch_report(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    batch = access_import_batch_by_id(request.user, batch_id, scopes=getattr(request, "token_scopes", []))
    return _batch_out(batch)


def _receive(request: HttpRequest, dest: Path) -> bool:
    """Stream the body to ``dest`` (not through ``request.body``, which holds it all in memory)."""
    total = 0
    with open(dest, "wb") as f:
        while chunk := request.read(1 << 20):
            total += len(chunk)
            if total > FEED_PUSH_MAX_BYTES:
                return False
            f.write(chunk)
    return True


_FILENAME_RE = re.compile(r'filename="?([^";]+)"?')


def _filename(request: HttpRequest) -> str:
    found = _FILENAME_RE.search(request.headers.get("Content-Disposition", ""))
    return Path(found.group(1)).name[:255] if found else ""
