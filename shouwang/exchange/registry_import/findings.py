"""Data-quality findings of a registry import (``registry.quality``): stored per batch, and replacing the
earlier findings of the same family for the households a new batch covers. Findings only warn: they never
refuse a file."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import polars as pl

from shouwang.exchange.bulk import bulk_insert, db_now, execute_in
from shouwang.exchange.models import ImportBatch
from shouwang.registry.models import DataQualityIssue


def issue_examples(issues: pl.DataFrame | None, per_code: int = 5) -> dict[str, list[str]]:
    if issues is None or issues.height == 0 or "household_no" not in issues.columns:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for code, no_, msg in issues.select("code", "household_no", "message").iter_rows():
        if len(out[code]) < per_code:
            out[code].append(f"{no_}：{msg}")
    return dict(out)


def store_issues(issues: pl.DataFrame | None, batch: ImportBatch) -> dict[str, int]:
    """Insert DataQualityIssue rows (household_id, person_id, code, severity, message)."""
    if issues is None or issues.height == 0:
        return {}
    _, now_db = db_now()
    frame = issues.select(
        pl.col("household_id").cast(pl.Int64),
        pl.col("person_id").cast(pl.Int64),
        pl.col("code"),
        pl.col("severity"),
        pl.col("message").str.slice(0, 255),
        pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
        pl.lit(now_db).alias("created_at"),
    )
    bulk_insert(DataQualityIssue._meta.db_table, frame)
    counts = frame.group_by("code").len().sort("code")
    return dict(zip(counts.get_column("code").to_list(), counts.get_column("len").to_list(), strict=True))


def clear_issues(household_ids: Iterable[int], prefix: str) -> None:
    """Findings describe the current state: a new batch replaces earlier findings of the same family
    (H households, P persons, I incomes) for the households it covers."""
    execute_in(
        f"DELETE FROM {DataQualityIssue._meta.db_table} WHERE substr(code, 1, 1) = %s",
        "household_id",
        sorted(set(household_ids)),
        [prefix],
    )
