"""Personal identifiers on their way to the database (decision 0003): ID numbers and phones sealed
(AES-256-GCM) only where a row is written, blind-indexed for matching, masked for display; and the audit
entries of changed rows rewritten to show masked values only, never clear ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from shouwang.common import crypto
from shouwang.exchange.bulk import select_in


def sealed_where(name: str, values: pl.Series, mask: pl.Series) -> pl.Series:
    """``values`` sealed where ``mask`` holds, empty text elsewhere (only what is written is sealed)."""
    sealed = pl.Series(name, crypto.seal_many(values.filter(mask).to_list()), dtype=pl.Utf8)
    out = pl.Series(name, [""] * values.len(), dtype=pl.Utf8)
    return out.scatter(np.flatnonzero(mask.to_numpy()), sealed) if sealed.len() else out


def phone_columns(phone: pl.Series) -> pl.DataFrame:
    """phone -> (phone_sealed, phone_masked); empty phone -> blanks. (phone_index is computed once,
    for the comparison, by ``phone_index``.)"""
    present = phone.fill_null("") != ""
    out = sealed_where("phone_sealed", phone, present)
    masked = pl.select(  # crypto.mask_phone, vectorised: 11-digit phones only reach here
        pl.when(present)
        .then(pl.concat_str([phone.str.slice(0, 3), pl.lit("****"), phone.str.slice(-4, 4)]))
        .otherwise(pl.lit(""))
        .alias("phone_masked")
    ).to_series()
    return pl.DataFrame([out, masked])


def phone_index(phone: pl.Series) -> pl.Series:
    values = phone.to_list()
    present = sorted({p for p in values if p})
    idx = dict(zip(present, crypto.blind_index_many(present), strict=True))
    return pl.Series("phone_index", [idx[p] if p else "" for p in values], dtype=pl.Utf8)


def mask_ids(ids: pl.Series) -> pl.Series:
    """Vectorised idnumber.mask for 18-character IDs: first 4, ten asterisks, last 4."""
    return pl.select(
        pl.concat_str([ids.str.slice(0, 4), pl.lit("*" * 10), ids.str.slice(14, 4)]).alias("id_masked")
    ).to_series()


def mask_phone_audits(
    audits: list[dict[str, Any]],
    key: str,
    data: pl.DataFrame,
    old_masked: Callable[[list[str]], dict[str, str]],
) -> None:
    """The audit log shows masked phones (old → new), never clear ones."""
    keys = [a["object_id"] for a in audits if "phone" in a["changes"]]
    if not keys:
        return
    clear = dict(zip(data.get_column(key).to_list(), data.get_column("phone").to_list(), strict=True))
    old = old_masked(keys)
    for a in audits:
        if "phone" in a["changes"]:
            p = clear.get(a["object_id"])
            a["changes"]["phone"] = [old.get(a["object_id"], ""), crypto.mask_phone(p) if p else ""]


def mask_person_audits(audits: list[dict[str, Any]], old: pl.DataFrame, data: pl.DataFrame) -> None:
    """Name each changed person by the masked ID, and show masked phones only (old → new). ``old``: the
    stored rows (id, id_index, id_masked); ``data``: the file's rows (id_index, phone)."""
    if not audits:
        return
    masked = dict(
        zip(
            old.get_column("id").cast(pl.Utf8).to_list(),
            old.get_column("id_masked").to_list(),
            strict=True,
        )
    )
    for a in audits:
        a["changes"]["id_number"] = masked.get(a["object_id"], "")
    index_by_id = dict(
        zip(
            old.get_column("id").cast(pl.Utf8).to_list(),
            old.get_column("id_index").to_list(),
            strict=True,
        )
    )
    keyed = data.select(pl.col("id_index"), "phone")
    clear = dict(
        zip(keyed.get_column("id_index").to_list(), keyed.get_column("phone").to_list(), strict=True)
    )
    old_phone = {
        str(k): v
        for k, v in select_in(
            "SELECT id, phone_masked FROM registry_person",
            "id",
            [int(a["object_id"]) for a in audits if "phone" in a["changes"]],
        )
    }
    for a in audits:
        if "phone" in a["changes"]:
            p = clear.get(index_by_id.get(a["object_id"]))
            a["changes"]["phone"] = [old_phone.get(a["object_id"], ""), crypto.mask_phone(p) if p else ""]
