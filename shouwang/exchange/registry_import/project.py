"""Projection: the figures each affected household will carry once the files are written, computed before
anything is written (from the database plus the validated files), so each household row is written once."""

from __future__ import annotations

import polars as pl

from shouwang.exchange.bulk import CENTS, INT, select_in, text_frame
from shouwang.exchange.registry_import.plan import Context, Plan
from shouwang.registry.choices import COUNTED_RESIDENCE, RelationChoices
from shouwang.registry.income import INCOME_MONEY, income_figures, members_counted


def project(
    ctx: Context, hh: Plan | None, persons: Plan | None, incomes: list[Plan]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(derived household figures, stored latest income records whose per-capita figures must follow a
    new member count). Derived columns: registered_count, member_count (R-OBJ-02 via
    registry.income.members_counted), head_name (first head by person id), work_months (months worked by
    counted members), income_period and income_per_capita (cents) of the latest income record."""
    affected: set[str] = set()
    if hh is not None and hh.data is not None:
        affected |= set(hh.data.get_column("household_no").to_list())
    if persons is not None and persons.data is not None:
        affected |= set(persons.data.get_column("household_no").to_list()) | persons.extra["moved_from"]
    for ip in incomes:
        assert ip.data is not None
        affected |= set(ip.data.get_column("household_no").to_list())
    nos = sorted(affected)
    cols = ["household_no", "id", "id_index", "relation", "name", "residence", "work_months"]
    db = text_frame(
        select_in(
            "SELECT h.household_no, p.id, p.id_index, p.relation, p.name, p.residence, p.work_months "
            "FROM registry_person p JOIN registry_household h ON h.id = p.household_id",
            "h.household_no",
            nos,
        ),
        cols,
        {"id": INT, "work_months": INT},
    ).rename({"id": "order"})
    if persons is not None and persons.data is not None:
        data = persons.data
        db = db.filter(~pl.col("id_index").is_in(data.get_column("id_index").implode()))
        existing: dict[str, int] = persons.extra["existing_ids"]
        big = 10**15  # new persons get ids after every existing one, in file order
        file_rows = data.select(
            "household_no",
            pl.col("id_index")
            .replace_strict(existing, default=None, return_dtype=pl.Int64)
            .fill_null(pl.int_range(pl.len(), dtype=pl.Int64) + big)
            .alias("order"),
            "id_index",
            "relation",
            "name",
            "residence",
            pl.col("work_months").cast(pl.Int64),
        )
        db = pl.concat([db.select(file_rows.columns), file_rows])
    counted = [str(r) for r in COUNTED_RESIDENCE]
    members = (
        db.sort("order")
        .group_by("household_no", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("registered_count"),
            pl.col("residence").alias("_residences"),
            pl.col("name")
            .filter(pl.col("relation") == RelationChoices.HEAD.value)
            .first()
            .alias("head_name"),
            pl.col("work_months")
            .filter(pl.col("residence").is_in(counted))
            .sum()
            .cast(pl.Int64)
            .alias("work_months"),
        )
    )
    members = members.with_columns(
        pl.Series(
            "member_count",
            [members_counted(r) for r in members.get_column("_residences").to_list()],
            dtype=pl.Int64,
        )
    ).drop("_residences")
    derived = (
        pl.DataFrame({"household_no": nos}, schema={"household_no": pl.Utf8})
        .join(members, on="household_no", how="left", maintain_order="left")
        .with_columns(
            pl.col("registered_count").fill_null(0),
            pl.col("member_count").fill_null(0),
            pl.col("head_name").fill_null(""),
            pl.col("work_months").fill_null(0),
        )
    )
    # Incomes: stored records overridden by the files' (household_no, period) rows.
    inc_cols = ["household_no", "period", *INCOME_MONEY, "members_counted", "source_batch_id"]
    stored = text_frame(
        select_in(
            f"SELECT h.household_no, i.period, {', '.join('i.' + c for c in INCOME_MONEY)}, "
            "i.members_counted, i.source_batch_id FROM registry_incomerecord i "
            "JOIN registry_household h ON h.id = i.household_id",
            "h.household_no",
            nos,
        ),
        inc_cols,
        {"members_counted": INT, "source_batch_id": INT, **{c: CENTS for c in INCOME_MONEY}},
    ).with_columns(pl.lit(False).alias("_file"))
    parts = [stored]
    for ip in incomes:
        assert ip.data is not None
        parts.append(
            ip.data.select(
                "household_no",
                "period",
                *INCOME_MONEY,
                pl.lit(None, dtype=pl.Int64).alias("members_counted"),
                pl.lit(None, dtype=pl.Int64).alias("source_batch_id"),
                pl.lit(True).alias("_file"),
            )
        )
    allinc = pl.concat(parts).sort("_file").unique(["household_no", "period"], keep="last")
    latest = (
        allinc.sort("period")
        .group_by("household_no")
        .last()
        .join(derived.select("household_no", pl.col("member_count").alias("_members")), on="household_no")
    )
    figures = income_figures(latest.with_columns(pl.col("_members").alias("members_counted")))
    derived = derived.join(
        figures.select(
            "household_no",
            pl.col("period").alias("income_period"),
            pl.col("per_capita_net").alias("income_per_capita"),
        ),
        on="household_no",
        how="left",
        maintain_order="left",
    ).with_columns(pl.col("income_period").fill_null(""))
    recompute = latest.filter(
        ~pl.col("_file") & pl.col("members_counted").ne_missing(pl.col("_members"))
    ).select(inc_cols)
    return derived, recompute
