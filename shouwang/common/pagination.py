"""Keyset pagination for every list of the HTTP API (docs/api.md "Lists").

A list answers ``{"items": [...], "next_cursor": <opaque string> | null, "total": <int>}``. The cursor is
the sort key of the page's last item, as URL-safe base64 of a JSON array: a client passes it back
unchanged as ``cursor`` and never builds one. Pages follow the sort key (``WHERE key > last``), never an
OFFSET, so a page costs the same at the end of a long list as at its start, and an item added or removed
meanwhile neither repeats nor skips another. A cursor that does not decode to the expected key is refused
with the one error shape (422, Chinese).
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import F, Model, Q, QuerySet
from ninja import Schema
from pydantic import create_model

from shouwang.common.errors import InputRefused, RowError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX = 512  # characters: a key of a few dates, numbers and codes is far shorter
LIMIT_DESCRIPTION = f"每页条数（1–{MAX_LIMIT}，默认{DEFAULT_LIMIT}）"
CURSOR_DESCRIPTION = "翻页游标：上一页返回的 next_cursor，原样传回；首页不传"

T = TypeVar("T")
KeyValue = str | int | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
    total: int

    def as_dict(self, render: Callable[[T], Any] | None = None) -> dict[str, Any]:
        items = [render(i) for i in self.items] if render else list(self.items)
        return {"items": items, "next_cursor": self.next_cursor, "total": self.total}


def cursor_refused(cursor: str) -> InputRefused:
    return InputRefused(
        "翻页游标无效：请原样使用上一页返回的 next_cursor",
        [RowError(None, "cursor", cursor, "不是本列表返回的翻页游标")],
    )


def cursor_encode(values: Sequence[Any]) -> str:
    """The opaque cursor of a sort key (dates as ISO text)."""
    plain = [v.isoformat() if isinstance(v, dt.date) else v for v in values]
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, kinds: Sequence[type]) -> list[Any]:
    """The sort key a cursor holds, each value of the type in ``kinds`` (``str``, ``int``, ``dt.date``,
    ``dt.datetime``) or None; ``InputRefused`` for anything else."""
    if not cursor or len(cursor) > CURSOR_MAX:
        raise cursor_refused(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise cursor_refused(cursor) from exc
    if not isinstance(values, list) or len(values) != len(kinds):
        raise cursor_refused(cursor)
    out: list[Any] = []
    for value, kind in zip(values, kinds, strict=True):
        out.append(_typed(value, kind, cursor))
    return out


def _typed(value: Any, kind: type, cursor: str) -> Any:
    if value is None:
        return None
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind in (dt.date, dt.datetime) and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if kind is dt.datetime else dt.date.fromisoformat(value)
        except ValueError as exc:
            raise cursor_refused(cursor) from exc
    raise cursor_refused(cursor)


@dataclass(frozen=True)
class Key:
    """One column of a sort key: ``field`` (a lookup path), descending or not, and whether it can be null
    (nulls sort last)."""

    field: str
    kind: type
    desc: bool = False
    nullable: bool = False

    def order(self) -> Any:
        expr = F(self.field)
        return expr.desc(nulls_last=True) if self.desc else expr.asc(nulls_last=True)

    def beyond(self, value: Any) -> Q:
        """Rows whose value of this column sorts after ``value``."""
        if value is None:
            return Q(pk__in=[])  # nulls sort last: nothing is after them on this column
        q = Q(**{f"{self.field}__{'lt' if self.desc else 'gt'}": value})
        return q | Q(**{f"{self.field}__isnull": True}) if self.nullable else q

    def same(self, value: Any) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: value})


def keyset_after(keys: Sequence[Key], values: Sequence[Any]) -> Q:
    """Rows whose sort key (``keys``) comes strictly after ``values`` (lexicographic)."""
    head, *rest = keys
    q = head.beyond(values[0])
    if rest:
        q |= head.same(values[0]) & keyset_after(rest, values[1:])
    return q


def _key_value(row: Any, field: str) -> Any:
    value = row
    for part in field.split("__"):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part)
    return value


M = TypeVar("M", bound=Model)


def keyset_page(
    qs: QuerySet[M], keys: Sequence[Key], *, cursor: str | None, limit: int, total: bool = True
) -> Page[M]:
    """One page of ``qs`` in ``keys`` order after ``cursor``: two queries (the rows, and the count of the
    whole filtered list when ``total``), whatever the list's length or the page's position. The last
    key must be unique (the id) so the order is total."""
    limit = max(1, min(limit, MAX_LIMIT))
    count = qs.count() if total else -1
    if cursor:
        qs = qs.filter(keyset_after(keys, cursor_decode(cursor, [k.kind for k in keys])))
    rows = list(qs.order_by(*[k.order() for k in keys])[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = cursor_encode([_key_value(rows[-1], k.field) for k in keys]) if more else None
    return Page(items=rows, next_cursor=next_cursor, total=count)


def list_page(
    items: Sequence[T],
    key: Callable[[T], tuple[Any, ...]],
    kinds: Sequence[type],
    *,
    cursor: str | None,
    limit: int,
) -> Page[T]:
    """The same for a list computed in Python (e.g. due dates that depend on each village's parameters):
    sorted by ``key`` (no None values), the page after ``cursor``. Clients see the same envelope and
    cursor."""
    limit = max(1, min(limit, MAX_LIMIT))
    ordered = sorted(items, key=key)
    if cursor:
        after = tuple(cursor_decode(cursor, kinds))
        ordered = [i for i in ordered if key(i) > after]
    page = ordered[:limit]
    more = len(ordered) > limit
    return Page(
        items=page, next_cursor=cursor_encode(list(key(page[-1]))) if more else None, total=len(items)
    )


_PAGE_SCHEMAS: dict[type[Schema], type[Schema]] = {}


def page_schema(item: type[Schema]) -> type[Schema]:
    """The envelope schema for a list of ``item`` (named ``<Item>Page`` in the OpenAPI document)."""
    if item not in _PAGE_SCHEMAS:
        name = item.__name__.removesuffix("Out") + "Page"
        _PAGE_SCHEMAS[item] = create_model(
            name,
            __base__=Schema,
            __doc__=(
                "分页列表：items 为本页条目，next_cursor 为下一页游标（无下一页为 null），"
                "total 为符合条件的总条数"
            ),
            items=(list[item], ...),  # type: ignore[valid-type]
            next_cursor=(str | None, ...),
            total=(int, ...),
        )
    return _PAGE_SCHEMAS[item]
