"""Database-backed fixtures: registry households through the shared builders and department deliveries
as lake Parquet batches (``DATA_DIR/lake/feeds/<kind>/<period>/batch-<id>.parquet``, id_number
replaced by id_index) with their ImportBatch rows, as the feed import writes them."""

import datetime as dt
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from shouwang.exchange.choices import BatchStatusChoices
from shouwang.exchange.models import ImportBatch
from shouwang.registry.models import Household, Person
from shouwang.screening.rules import FEED_TABLES
from shouwang.screening.snapshot import table_write
from shouwang.testing.builders import VILLAGE_A, make_household

_serial = itertools.count()
_LAKE_EXTRA = (
    ("id_masked", "text"),
    ("row_no", "int"),
    ("batch_id", "int"),
    ("person_id", "int"),
    ("household_no", "text"),
)


def member(seq: int, name: str, birth: dt.date, relation: str = "head", **kw: Any) -> dict[str, Any]:
    return {"seq": seq, "name": name, "birth": birth, "relation": relation, **kw}


def simple_household(
    no: str,
    village: str = VILLAGE_A,
    *,
    income_per_head: float | None = None,
    poverty_status: str = "ordinary",
    **kw: Any,
) -> Household:
    """A two-adult household; ``income_per_head`` sets its 2024-12 wage income per member."""
    n = next(_serial)  # distinct birth dates give distinct ID numbers
    members = [
        member(11, f"{no}甲", dt.date(1980, 1, 1) + dt.timedelta(days=n)),
        member(22, f"{no}乙", dt.date(1982, 1, 1) + dt.timedelta(days=n), "spouse"),
    ]
    income = None if income_per_head is None else {"wage": Decimal(str(income_per_head)) * 2}
    return make_household(no, village, poverty_status=poverty_status, members=members, income=income, **kw)


def person_index(household_no: str, n: int = 0) -> str:
    return list(Person.objects.filter(household__household_no=household_no).order_by("id"))[n].id_index


def lake_batch(
    kind: str, period: str, rows: Sequence[Mapping[str, Any]], *, source: str = "test"
) -> ImportBatch:
    """One effective delivery: the Parquet file and its ImportBatch row."""
    digest = hashlib.sha256(repr((kind, period, list(rows))).encode()).hexdigest()
    batch = ImportBatch.objects.create(
        kind=kind, source=source, period=period, checksum=digest, status=BatchStatusChoices.SUCCEEDED,
        rows_total=len(rows),
    )  # fmt: skip
    own = tuple(c for c in FEED_TABLES[kind] if c[0] != "period")
    cols = own + tuple(c for c in _LAKE_EXTRA if c[0] not in dict(own))
    path = Path(settings.DATA_DIR) / "lake" / "feeds" / kind / period / f"batch-{batch.pk}.parquet"
    table_write(path, cols, [{**r, "row_no": i, "batch_id": batch.pk} for i, r in enumerate(rows, start=2)])
    batch.lake_path = str(path)
    batch.save(update_fields=["lake_path"])
    return batch
