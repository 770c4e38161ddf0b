"""Writing the validated files of one registry import: households, persons and incomes, each as one bulk
upsert of the new and changed rows (``bulk.bulk_load``) with its audited diff (``diff.diff_rows``), personal
identifiers sealed and masked on the way (``seal``), and the data-quality findings of what was written.

Households carry figures derived from their members and incomes (registered_count, member_count, head_name,
income_period, income_per_capita). Rewriting a household row is expensive (it has many indexes), so the
derived figures are *projected* before anything is written (``project``) and each household row is written
once; ``write_derived`` writes those of households the invocation has no households row for.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from shouwang.exchange.bulk import (
    BOOL,
    CENTS,
    DATE,
    INT,
    STR,
    bulk_load,
    bulk_update,
    cents_text,
    db_now,
    select_in,
    text_frame,
    with_defaults,
)
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.registry_import.diff import Field, diff_rows, present_fields
from shouwang.exchange.registry_import.findings import clear_issues
from shouwang.exchange.registry_import.plan import Context, FileResult, Plan
from shouwang.exchange.registry_import.seal import (
    mask_ids,
    mask_person_audits,
    mask_phone_audits,
    phone_columns,
    phone_index,
    sealed_where,
)
from shouwang.regions.services import village_groups_ensure
from shouwang.registry import quality
from shouwang.registry.income import INCOME_MONEY, income_figures
from shouwang.registry.models import Household, IncomeRecord, Person

DERIVED_FIELDS = [
    Field("registered_count", INT, None),
    Field("member_count", INT, None),
    Field("head_name", STR, None),
    Field("income_period", STR, None),
    Field("income_per_capita", CENTS, None),
]
HOUSEHOLD_FIELDS = [
    Field("village_id", STR, "village_code"),
    Field("province_code", STR, "village_code", compare=False),
    Field("prefecture_code", STR, "village_code", compare=False),
    Field("county_code", STR, "village_code", compare=False),
    Field("township_code", STR, "village_code", compare=False),
    Field("group_id", STR, "group_name", compare=False),
    Field("group_name", STR, "group_name"),
    Field("address", STR, "address"),
    Field("poverty_status", STR, "poverty_status"),
    Field("poverty_exit_year", INT, "poverty_exit_year"),
    Field("relocated", BOOL, "relocated"),
    Field("monitoring_category", STR, "monitoring_category"),
    Field("identified_on", DATE, "identified_on"),
    Field("risk_eliminated_on", DATE, "risk_eliminated_on"),
    Field("elimination_mode", STR, "elimination_mode"),
    Field("phone_index", STR, "phone", audit_as="phone"),
    Field("phone_sealed", STR, "phone", compare=False),
    Field("phone_masked", STR, "phone", compare=False),
    *DERIVED_FIELDS,
    Field("source_batch_id", INT, None, compare=False),
]


def _household_masked_phones(nos: list[str]) -> dict[str, str]:
    return dict(select_in("SELECT household_no, phone_masked FROM registry_household", "household_no", nos))


def write_households(
    plan: Plan, ctx: Context, batch: ImportBatch, derived: pl.DataFrame
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    """A households file, with the projected derived figures: (update audit entries, quality findings)."""
    data = plan.data
    assert data is not None and plan.result is not None
    present = plan.present
    _, now_db = db_now()
    village = data.get_column("village_code").to_list()
    group_names = data.get_column("group_name").to_list()
    groups = village_groups_ensure(pairs={(v, g) for v, g in zip(village, group_names, strict=True) if g})
    new = data.select(
        "household_no",
        pl.col("village_code").alias("village_id"),
        pl.col("village_code").str.slice(0, 2).alias("province_code"),
        pl.col("village_code").str.slice(0, 4).alias("prefecture_code"),
        pl.col("village_code").str.slice(0, 6).alias("county_code"),
        pl.col("village_code").str.slice(0, 9).alias("township_code"),
        pl.Series(
            "group_id",
            [groups.get((v, g)) if g else None for v, g in zip(village, group_names, strict=True)],
            dtype=pl.Utf8,
        ),
        "group_name",
        "address",
        "poverty_status",
        "poverty_exit_year",
        "relocated",
        "monitoring_category",
        "identified_on",
        "risk_eliminated_on",
        "elimination_mode",
    ).with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"))
    new = new.join(
        derived.select("household_no", *[f.column for f in DERIVED_FIELDS]),
        on="household_no",
        how="left",
        maintain_order="left",
    )
    if "phone" in present:
        new = new.with_columns(phone_index(data.get_column("phone")))
    fields = present_fields(HOUSEHOLD_FIELDS, present)
    types = {f.column: f.type for f in HOUSEHOLD_FIELDS}
    compared = [f.column for f in fields if f.compare]
    old = text_frame(
        select_in(
            f"SELECT id, household_no, {', '.join(compared)} FROM registry_household",
            "household_no",
            new.get_column("household_no").to_list(),
        ),
        ["id", "household_no", *compared],
        {"id": INT, **types},
    )
    diff = diff_rows(
        new,
        old,
        key=["household_no"],
        fields=fields,
        object_type="household",
        object_id=lambda r: r["household_no"],
        region=lambda r: r["village_id"],
        reason=f"导入批次#{batch.pk}更新",
        display={"phone_index": lambda _: "***"},
    )
    mask_phone_audits(diff.audits, "household_no", data, _household_masked_phones)
    write = diff.write
    if "phone" in present and write.height:
        phones = write.select("household_no").join(
            data.select("household_no", "phone"), on="household_no", how="left", maintain_order="left"
        )
        write = write.hstack(phone_columns(phones.get_column("phone")))
    write = cents_text(write, ["income_per_capita"])
    schema = {"poverty_exit_year": pl.Int64, "income_per_capita": pl.Utf8, "group_id": pl.Utf8}
    frame = with_defaults(write, Household, now_db, schema)
    bulk_load(
        Household._meta.db_table,
        frame,
        conflict=["household_no"],
        update=[f.column for f in fields] + ["updated_at"],
        on_chunk=ctx.progress,
        known_new=diff.new_mask,
    )
    plan.result.created, plan.result.updated, plan.result.unchanged = (
        diff.created,
        diff.updated,
        diff.unchanged,
    )
    ids = dict(
        select_in(
            "SELECT household_no, id FROM registry_household",
            "household_no",
            data.get_column("household_no").to_list(),
        )
    )
    clear_issues(ids.values(), "H")
    issues = quality.household_issues(data)
    if issues.height:
        nos = data.get_column("household_no").gather(issues.get_column("row"))
        issues = issues.with_columns(
            nos.alias("household_no"),
            nos.replace_strict(ids, return_dtype=pl.Int64).alias("household_id"),
            pl.lit(None, dtype=pl.Int64).alias("person_id"),
        )
    return diff.audits, issues


PERSON_FIELDS = [
    Field("household_id", INT, None, audit_as="household_no"),
    Field("name", STR, None),
    Field("sex", STR, None),
    Field("birth_date", DATE, None),
    Field("relation", STR, None),
    Field("ethnicity", STR, "ethnicity"),
    Field("education", STR, "education"),
    Field("school_status", STR, "school_status"),
    Field("health", STR, "health"),
    Field("disability_grade", INT, "disability_grade"),
    Field("labour", STR, "labour"),
    Field("work_months", INT, "work_months"),
    Field("work_place", STR, "work_place"),
    Field("medical_insurance", BOOL, "medical_insurance"),
    Field("serious_illness_insurance", BOOL, "serious_illness_insurance"),
    Field("pension_insurance", BOOL, "pension_insurance"),
    Field("dibao", BOOL, "dibao"),
    Field("tekun", BOOL, "tekun"),
    Field("residence", STR, "residence"),
    Field("phone_index", STR, "phone", audit_as="phone"),
    Field("phone_sealed", STR, "phone", compare=False),
    Field("phone_masked", STR, "phone", compare=False),
    Field("source_batch_id", INT, None, compare=False),
]
PERSON_FLAGS = ("medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun")


def write_persons(plan: Plan, ctx: Context, batch: ImportBatch) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    """A persons file (moves between households included): (update audit entries, quality findings)."""
    data = plan.data
    assert data is not None and plan.result is not None
    present = plan.present
    _, now_db = db_now()
    hh_rows = select_in(
        "SELECT household_no, id, village_id FROM registry_household",
        "household_no",
        sorted(set(data.get_column("household_no").to_list()) | plan.extra["moved_from"]),
    )
    hh_id = {r[0]: r[1] for r in hh_rows}
    hh_no = {r[1]: r[0] for r in hh_rows}
    hh_village = {r[1]: r[2] for r in hh_rows}
    new = data.select(
        pl.col("household_no").replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id"),
        "id_index",
        "name",
        "sex",
        "birth_date",
        "relation",
        "ethnicity",
        "education",
        "school_status",
        "health",
        "disability_grade",
        "labour",
        "work_months",
        "work_place",
        *[pl.col(c).fill_null(False) for c in PERSON_FLAGS],
        "residence",
    ).with_columns(pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"))
    if "phone" in present:
        new = new.with_columns(phone_index(data.get_column("phone")))
    fields = present_fields(PERSON_FIELDS, present)
    types = {f.column: f.type for f in PERSON_FIELDS}
    compared = [f.column for f in fields if f.compare]
    existing: dict[str, int] = plan.extra["existing_ids"]
    old = text_frame(
        select_in(
            f"SELECT id, id_index, id_masked, {', '.join(compared)} FROM registry_person",
            "id",
            sorted(existing.values()),
        ),
        ["id", "id_index", "id_masked", *compared],
        {"id": INT, **types},
    )
    diff = diff_rows(
        new,
        old,
        key=["id_index"],
        fields=fields,
        object_type="person",
        object_id=lambda r: str(r["id"]),
        region=lambda r: hh_village.get(r["household_id"], ""),
        reason=f"导入批次#{batch.pk}更新",
        display={"household_id": lambda v: hh_no.get(v, v), "phone_index": lambda _: "***"},
    )
    mask_person_audits(diff.audits, old, data)
    write = diff.write
    # Seal only what is written: the IDs of new persons (an existing person's sealed ID never changes).
    extra = write.select("id_index").join(
        data.select("id_index", "id_number", "phone"), on="id_index", how="left", maintain_order="left"
    )
    is_new = ~write.get_column("id_index").is_in(list(existing))
    id_sealed = sealed_where("id_sealed", extra.get_column("id_number"), is_new)
    write = write.with_columns(id_sealed, mask_ids(extra.get_column("id_number")))
    if "phone" in present and write.height:
        write = write.hstack(phone_columns(extra.get_column("phone")))
    frame = with_defaults(write, Person, now_db, {"disability_grade": pl.Int64})
    bulk_load(
        Person._meta.db_table,
        frame,
        conflict=["id_index"],
        update=[f.column for f in fields] + ["updated_at"],
        on_chunk=ctx.progress,
        known_new=diff.new_mask,
    )
    plan.result.created, plan.result.updated, plan.result.unchanged = (
        diff.created,
        diff.updated,
        diff.unchanged,
    )

    # Quality warnings, replacing the earlier person-level findings of these households.
    clear_issues([hh_id[n] for n in set(data.get_column("household_no").to_list())], "P")
    issues = quality.person_issues(data, today=ctx.as_of)
    if issues.height:
        rows = issues.get_column("row")
        idx = data.get_column("id_index").gather(rows)
        person_ids = dict(
            select_in("SELECT id_index, id FROM registry_person", "id_index", sorted(set(idx.to_list())))
        )
        nos = data.get_column("household_no").gather(rows)
        issues = issues.with_columns(
            nos.alias("household_no"),
            nos.replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id"),
            idx.replace_strict(person_ids, return_dtype=pl.Int64).alias("person_id"),
        )
    return diff.audits, issues


INCOME_FIELDS = [
    *[Field(c, CENTS, None) for c in INCOME_MONEY],
    Field("net_income", CENTS, None),
    Field("members_counted", INT, None),
    Field("per_capita_net", CENTS, None),
    Field("per_capita_reference", CENTS, None),
    Field("source_batch_id", INT, None, compare=False),
]


def write_incomes(
    rows: pl.DataFrame, *, ctx: Context, reason: str, result: FileResult | None = None
) -> list[dict[str, Any]]:
    """Upsert income records. ``rows``: household_no, period, the seven money columns (cents),
    members_counted, source_batch_id. Figures follow R-INC-02 / R-INC-04 (``income_figures``)."""
    hh_rows = select_in(
        "SELECT household_no, id, village_id FROM registry_household",
        "household_no",
        sorted(set(rows.get_column("household_no").to_list())),
    )
    hh_id = {r[0]: r[1] for r in hh_rows}
    info = {r[1]: (r[0], r[2]) for r in hh_rows}
    new = income_figures(
        rows.with_columns(
            pl.col("household_no").replace_strict(hh_id, return_dtype=pl.Int64).alias("household_id")
        )
    ).drop("household_no")
    types = {f.column: f.type for f in INCOME_FIELDS}
    compared = [f.column for f in INCOME_FIELDS if f.compare]
    old = text_frame(
        select_in(
            f"SELECT id, household_id, period, {', '.join(compared)} FROM registry_incomerecord",
            "household_id",
            sorted(hh_id.values()),
        ),
        ["id", "household_id", "period", *compared],
        {"id": INT, "household_id": INT, **types},
    )
    diff = diff_rows(
        new,
        old,
        key=["household_id", "period"],
        fields=INCOME_FIELDS,
        object_type="income",
        object_id=lambda r: f"{info[r['household_id']][0]}:{r['period']}",
        region=lambda r: info[r["household_id"]][1],
        reason=reason,
    )
    _, now_db = db_now()
    money_cols = [*INCOME_MONEY, "net_income", "per_capita_net", "per_capita_reference"]
    frame = with_defaults(cents_text(diff.write, money_cols), IncomeRecord, now_db, {})
    bulk_load(
        IncomeRecord._meta.db_table,
        frame,
        conflict=["household_id", "period"],
        update=[f.column for f in INCOME_FIELDS] + ["updated_at"],
        on_chunk=ctx.progress,
        known_new=diff.new_mask,
    )
    if result is not None:
        result.created, result.updated, result.unchanged = diff.created, diff.updated, diff.unchanged
    return diff.audits


def write_income_file(
    plan: Plan, ctx: Context, batch: ImportBatch, derived: pl.DataFrame
) -> tuple[list[dict[str, Any]], pl.DataFrame]:
    """An incomes file: its records (per-capita figures on the projected member counts) and its findings."""
    data = plan.data
    assert data is not None
    members = dict(derived.select("household_no", "member_count").iter_rows())
    months = dict(derived.select("household_no", "work_months").iter_rows())
    rows = data.select(
        "household_no",
        "period",
        *INCOME_MONEY,
        pl.col("household_no").replace_strict(members, return_dtype=pl.Int64).alias("members_counted"),
        pl.lit(batch.pk, dtype=pl.Int64).alias("source_batch_id"),
    )
    audits = write_incomes(rows, ctx=ctx, reason=f"导入批次#{batch.pk}更新", result=plan.result)
    hh_ids = dict(
        select_in(
            "SELECT household_no, id FROM registry_household",
            "household_no",
            sorted(set(data.get_column("household_no").to_list())),
        )
    )
    clear_issues(hh_ids.values(), "I")
    q = data.select(
        "household_no",
        pl.col("wage").alias("wage_cents"),
        pl.col("household_no").replace_strict(months, default=0, return_dtype=pl.Int64).alias("work_months"),
    )
    issues = quality.income_issues(q)
    if issues.height:
        nos = q.get_column("household_no").gather(issues.get_column("row"))
        issues = issues.with_columns(
            nos.alias("household_no"),
            nos.replace_strict(hh_ids, return_dtype=pl.Int64).alias("household_id"),
            pl.lit(None, dtype=pl.Int64).alias("person_id"),
        )
    return audits, issues


def write_derived(derived: pl.DataFrame, *, skip: set[str], reason: str) -> list[dict[str, Any]]:
    """Write the derived figures of affected households not written by a households file (only those
    that changed), with one ``update`` audit row each."""
    todo = derived.filter(~pl.col("household_no").is_in(list(skip)))
    if todo.height == 0:
        return []
    cols = [f.column for f in DERIVED_FIELDS]
    types = {f.column: f.type for f in DERIVED_FIELDS}
    old = text_frame(
        select_in(
            f"SELECT id, household_no, village_id, {', '.join(cols)} FROM registry_household",
            "household_no",
            todo.get_column("household_no").to_list(),
        ),
        ["id", "household_no", "village_id", *cols],
        {"id": INT, **types},
    )
    new = todo.select("household_no", *cols).join(old.select("household_no", "village_id"), on="household_no")
    diff = diff_rows(
        new,
        old,
        key=["household_no"],
        fields=DERIVED_FIELDS,
        object_type="household",
        object_id=lambda r: r["household_no"],
        region=lambda r: r["village_id"],
        reason=reason,
    )
    if diff.write.height:
        _, now_db = db_now()
        upd = diff.write.join(old.select("household_no", "id"), on="household_no").select(
            "id", *cols, pl.lit(now_db).alias("updated_at")
        )
        bulk_update(Household._meta.db_table, cents_text(upd, ["income_per_capita"]))
    return diff.audits
