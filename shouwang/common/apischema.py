"""The one error shape of the HTTP API (CONTRACT §3), shared by every app's router.

Every answer that is not a success is ``{"detail": <Chinese sentence>, "errors": [<item>, ...]}`` where an
item is ``{"row", "column", "value", "reason"}`` (the shape of ``InputRefused``/``RowError``, which most
refusals already used). Echoed values are bounded, so a 100 KB field never comes back whole.
"""

from collections.abc import Iterable
from typing import Any

from ninja import Schema

ECHO_MAX = 100  # characters of a refused value echoed back
REASON_MAX = 300
DETAIL_MAX = 500
ERRORS_MAX = 50


class ErrorItemOut(Schema):
    row: int | None = None
    column: str = ""
    value: str = ""
    reason: str = ""


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItemOut] = []


def bounded(value: Any, limit: int = ECHO_MAX) -> str:
    """``value`` as text, cut to ``limit`` characters (an ellipsis marks the cut)."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def error_item(row: Any = None, column: Any = "", value: Any = "", reason: Any = "") -> dict[str, Any]:
    return {
        "row": row if isinstance(row, int) else None,
        "column": bounded(column),
        "value": bounded(value),
        "reason": bounded(reason, REASON_MAX),
    }


def error_body(detail: str, errors: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The shape above, every echoed part bounded."""
    items = [
        error_item(e.get("row"), e.get("column", ""), e.get("value", ""), e.get("reason", ""))
        for e in list(errors)[:ERRORS_MAX]
    ]
    return {"detail": bounded(detail, DETAIL_MAX), "errors": items}
