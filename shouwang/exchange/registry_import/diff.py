"""The audited diff of an upsert: which rows are new or changed, and one ``update`` audit entry (old → new)
per changed existing row (STYLE 5: bulk paths write audit rows too)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from shouwang.audit.models import AuditActionChoices
from shouwang.exchange.bulk import CENTS, DATE, STR
from shouwang.exchange.files import cents_to_str


def _audit_value(value: Any, t: str) -> Any:
    if value is None:
        return None
    if t == DATE:
        return value.isoformat()
    if t == CENTS:
        return cents_to_str(int(value))
    return value


@dataclass(frozen=True)
class Field:
    """A stored column: its type, the file column it comes from (None: always written), whether changes
    are compared and audited, and the name shown in the audit log."""

    column: str
    type: str = STR
    source: str | None = None
    compare: bool = True
    audit_as: str | None = None


def present_fields(fields: Sequence[Field], present: set[str]) -> list[Field]:
    return [f for f in fields if f.source is None or f.source in present]


@dataclass
class Diff:
    """The rows to write (new or changed) and the audit entries for changed existing rows."""

    write: pl.DataFrame
    new_mask: pl.Series  # aligned with ``write``: the row did not exist
    created: int
    updated: int
    unchanged: int
    audits: list[dict[str, Any]]


def diff_rows(
    new: pl.DataFrame,
    old: pl.DataFrame,
    *,
    key: list[str],
    fields: Sequence[Field],
    object_type: str,
    object_id: Callable[[dict[str, Any]], str],
    region: Callable[[dict[str, Any]], str],
    reason: str,
    display: dict[str, Callable[[Any], Any]] | None = None,
) -> Diff:
    """Compare new rows with the stored ones; ``old`` has ``id`` plus the key and compared columns."""
    compared = [f for f in fields if f.compare]
    old_sel = old.select(["id", *key, *[f.column for f in compared if f.column not in key]])
    renamed = old_sel.rename({f.column: f"{f.column}__old" for f in compared if f.column not in key})
    j = new.join(renamed, on=key, how="left", maintain_order="left")
    exists = j.get_column("id").is_not_null()
    change_cols = []
    for f in compared:
        if f.column in key:
            continue
        change_cols.append(pl.col(f.column).ne_missing(pl.col(f"{f.column}__old")).alias(f"{f.column}__chg"))
    flags = j.select(change_cols) if change_cols else pl.DataFrame({"_": [False] * j.height})
    any_change = (
        flags.select(pl.any_horizontal(pl.all())).to_series()
        if change_cols
        else pl.Series([False] * j.height)
    )
    changed = exists & any_change
    write_mask = ~exists | changed
    audits: list[dict[str, Any]] = []
    if changed.any():
        idx = np.flatnonzero(changed.to_numpy())
        sub = j[idx]
        sub_flags = flags[idx]
        display = display or {}
        for r, fl in zip(sub.iter_rows(named=True), sub_flags.iter_rows(named=True), strict=True):
            changes: dict[str, Any] = {}
            for f in compared:
                if f.column in key or not fl[f"{f.column}__chg"]:
                    continue
                name = f.audit_as or f.column
                show = display.get(f.column)
                if show:
                    changes[name] = [show(r[f"{f.column}__old"]), show(r[f.column])]
                else:
                    changes[name] = [
                        _audit_value(r[f"{f.column}__old"], f.type),
                        _audit_value(r[f.column], f.type),
                    ]
            audits.append(
                {
                    "action": AuditActionChoices.UPDATE,
                    "object_type": object_type,
                    "object_id": object_id(r),
                    "region_code": region(r),
                    "changes": changes,
                    "reason": reason,
                }
            )
    n_exist = int(exists.sum())
    n_changed = int(changed.sum())
    return Diff(
        write=new.filter(write_mask),
        new_mask=(~exists).filter(write_mask),
        created=new.height - n_exist,
        updated=n_changed,
        unchanged=n_exist - n_changed,
        audits=audits,
    )
