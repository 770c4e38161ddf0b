"""The keyset cursor: opaque, round-trips its key, refuses anything it did not produce; pages walk a list
once."""

import base64
import datetime as dt
import json

import pytest
from ninja import Schema

from shouwang.audit.models import AuditEntry
from shouwang.common.errors import InputRefused
from shouwang.common.pagination import (
    Key,
    cursor_decode,
    cursor_encode,
    keyset_page,
    list_page,
    page_schema,
)
from shouwang.registry.models import Household
from shouwang.testing.builders import make_household

HEAD = {"name": "户主", "birth": dt.date(1970, 1, 1), "relation": "head"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_cursor_round_trips_dates_numbers_text_and_none():
    key = [dt.date(2025, 3, 18), 42, "530326001001", None]
    cursor = cursor_encode(key)
    assert "2025" not in cursor  # opaque: not the key in clear
    assert cursor_decode(cursor, [dt.date, int, str, int]) == key


@pytest.mark.parametrize(
    "garbled",
    [
        "abc",  # not base64 of JSON
        "!!!!",
        _b64(b'{"a": 1}'),  # JSON, but not a list
        _b64(b"[1]"),  # one value for a two-column key
        _b64(b'["2025-13-40", 1]'),  # not a date
        _b64(b'["2025-03-18", "1"]'),  # id as text
        _b64(b'["2025-03-18", true]'),  # a boolean is no id
        _b64(b"\xff\xfe"),  # not UTF-8
        "A" * 600,  # longer than any cursor we give out
    ],
)
def test_a_garbled_cursor_is_refused_in_chinese(garbled):
    with pytest.raises(InputRefused) as exc:
        cursor_decode(garbled, [dt.date, int])
    assert "翻页游标无效" in exc.value.message
    assert exc.value.as_dict()["errors"][0]["column"] == "cursor"


def test_list_page_walks_every_item_once_in_order():
    rows = [(dt.date(2025, 3, d % 5 + 1), d) for d in range(23)]
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        page = list_page(rows, lambda r: r, (dt.date, int), cursor=cursor, limit=4)
        assert page.total == 23
        seen += [r[1] for r in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == list(range(23)) and len(seen) == 23
    assert seen == [r[1] for r in sorted(rows)]


@pytest.mark.django_db
def test_keyset_page_walks_a_queryset_with_null_keys_last():
    # AuditEntry stands in for any table: ``region_code`` blank for some rows, ordered (object_id, id).
    for n in range(9):
        AuditEntry.objects.create(action="view", object_type="t", object_id=f"{n % 3}")
    keys = (Key("object_id", str), Key("id", int, desc=True))
    qs = AuditEntry.objects.filter(object_type="t")
    expected = list(qs.order_by("object_id", "-id").values_list("id", flat=True))
    seen, cursor = [], None
    while True:
        page = keyset_page(qs, keys, cursor=cursor, limit=2)
        assert page.total == 9
        seen += [e.pk for e in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


@pytest.mark.django_db
def test_nullable_key_sorts_nulls_last_and_pages_through_them():
    days = [None, dt.date(2025, 1, 2), None, dt.date(2025, 1, 1), dt.date(2025, 1, 2), None]
    for n, day in enumerate(days):
        make_household(f"N{n}", identified_on=day, members=[{"seq": 100 + n, **HEAD}])
    keys = (Key("identified_on", dt.date, nullable=True), Key("household_no", str))
    qs = Household.objects.filter(household_no__startswith="N")
    seen, cursor = [], None
    for _ in range(10):
        page = keyset_page(qs, keys, cursor=cursor, limit=2)
        seen += [h.household_no for h in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["N3", "N1", "N4", "N0", "N2", "N5"]


def test_page_schema_is_the_envelope():
    class ThingOut(Schema):
        id: int

    schema = page_schema(ThingOut)
    assert schema is page_schema(ThingOut)
    assert schema.__name__ == "ThingPage"
    assert set(schema.model_fields) == {"items", "next_cursor", "total"}
    assert json.loads(
        schema.model_validate({"items": [{"id": 1}], "next_cursor": None, "total": 1}).model_dump_json()
    ) == {
        "items": [{"id": 1}],
        "next_cursor": None,
        "total": 1,
    }
