"""Validating the files of one registry import: every cell, and each file against the database and the
other files of the invocation (a person's household may come in the same invocation; an ID registered in
another household may move only if that household is in the file too, decision 0101). Errors only collect
here: the caller refuses the whole invocation if there is any.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from shouwang.common import crypto, idnumber
from shouwang.common.errors import RowError
from shouwang.exchange.batches import batch_region, batch_same_file
from shouwang.exchange.bulk import select_in
from shouwang.exchange.files import TableValidator
from shouwang.exchange.registry_import.plan import KIND_LABELS, Context, FileResult, FileRowError, Plan
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry import quality
from shouwang.registry.choices import (
    EliminationModeChoices,
    HealthChoices,
    LabourChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RelationChoices,
    ResidenceChoices,
    SchoolStatusChoices,
    SexChoices,
    WorkPlaceChoices,
)


def plans_validate(plans: list[Plan], ctx: Context) -> list[RowError]:
    """Validate every file (against the database and the other files of the invocation); every error."""
    errors: list[RowError] = []
    seen_batches: dict[tuple[str, str, str], str] = {}
    for plan in plans:
        validate(plan, ctx)
        if not plan.errors and not plan.duplicate:
            key = (plan.kind, plan.period, plan.region)
            if key in seen_batches:
                plan.errors.append(
                    FileRowError(
                        None,
                        "",
                        "",
                        f"与{seen_batches[key]}属于同一批次（{KIND_LABELS[plan.kind]}、来源{ctx.source}、期间"
                        f"{plan.period}、区划{plan.region or '未定'}），后者会被替代；"
                        "请合并为一个文件或使用不同的--source",
                        file=plan.path.name,
                    )
                )
            seen_batches[key] = plan.path.name
        errors.extend(plan.errors)
        ctx.progress(plan.table.frame.height if plan.table is not None else 0)
    return errors


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: (getattr(e, "file", ""), e.row or 0, e.column))


def valid_period(value: str) -> bool:
    try:
        dt.datetime.strptime(value, "%Y-%m")
    except ValueError:
        return False
    return len(value) == 7


def current_period(today: dt.date) -> str:
    return today.strftime("%Y-%m")


def _err(plan: Plan, index: int | None, column: str, value: Any, reason: str) -> None:
    assert plan.table is not None
    plan.errors.append(
        FileRowError(
            plan.table.row_number(index) if index is not None else None,
            plan.table.header(column) if column else "",
            "" if value is None else str(value),
            reason,
            file=plan.path.name,
        )
    )


def _take_validator_errors(plan: Plan, v: TableValidator) -> None:
    plan.errors.extend(
        FileRowError(e.row, e.column, e.value, e.reason, file=plan.path.name) for e in v.errors
    )


def validate(plan: Plan, ctx: Context) -> None:
    """One file into ``plan.data`` / ``plan.errors``; a file imported before becomes ``plan.duplicate``."""
    assert plan.table is not None
    plan.present = set(plan.table.headers)
    {"households": _validate_households, "persons": _validate_persons, "incomes": _validate_incomes}[
        plan.kind
    ](plan, ctx)
    if plan.errors or not plan.period:
        return
    plan.region = _plan_region(plan, ctx)
    plan.duplicate = batch_same_file(
        kind=plan.kind, source=ctx.source, period=plan.period, checksum=plan.checksum, region=plan.region
    )
    if plan.duplicate is not None:
        plan.result = FileResult(
            path=str(plan.path),
            kind=plan.kind,
            period=plan.period,
            checksum=plan.checksum,
            duplicate=True,
            batch_id=plan.duplicate.pk,
            rows=plan.table.frame.height,
            duplicate_status=plan.duplicate.status,
        )


def _plan_region(plan: Plan, ctx: Context) -> str:
    """The file's region: from its village codes (households) or its households' (persons, incomes)."""
    assert plan.data is not None
    if plan.kind == "households":
        return batch_region(plan.data.get_column("village_code").unique().to_list())
    wanted = sorted(set(plan.data.get_column("household_no").drop_nulls().to_list()))
    villages = {hn: ctx.pending_households[hn] for hn in wanted if hn in ctx.pending_households}
    rest = [hn for hn in wanted if hn not in villages]
    counties = (
        {
            county
            for _, county in select_in(
                "SELECT household_no, county_code FROM registry_household", "household_no", rest
            )
        }
        if rest
        else set()
    )
    return batch_region([*villages.values(), *counties])


def _duplicates(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """Indexes of repeated non-null values (after the first) and the index of their first occurrence."""
    frame = pl.DataFrame({"v": series}).with_row_index("i")
    firsts = frame.filter(pl.col("v").is_not_null()).group_by("v").agg(pl.col("i").min().alias("first"))
    j = frame.join(firsts, on="v", how="inner").filter(pl.col("i") != pl.col("first")).sort("i")
    return j.get_column("i").to_numpy(), j.get_column("first").to_numpy()


def _validate_households(plan: Plan, ctx: Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    village = v.required("village_code")
    shaped = village.str.contains(r"^\d{12}$").fill_null(False)
    v.add_mask(village.is_not_null() & ~shaped, "village_code", "行政村代码应为12位数字")
    poverty = v.enum("poverty_status", PovertyStatusChoices, required=True)
    exit_year = v.integer("poverty_exit_year", low=2013, high=ctx.today.year)
    relocated = v.flag("relocated")
    category = v.enum("monitoring_category", MonitoringCategoryChoices)
    identified = v.date("identified_on")
    eliminated = v.date("risk_eliminated_on")
    mode = v.enum("elimination_mode", EliminationModeChoices)
    phone = v.phone("phone")
    v.add_mask(
        (eliminated < identified).fill_null(False),
        "risk_eliminated_on",
        "风险消除时间早于识别监测时间，不可能",
    )
    _take_validator_errors(plan, v)
    dup, first = _duplicates(no)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(plan, i, "household_no", no[i], f"户编号与第{t.row_number(f)}行重复")
    # Village codes must exist at village level (regions are loaded by `shouwang migrate`).
    codes = sorted(set(village.filter(shaped).to_list()))
    known = (
        set(
            Region.objects.filter(code__in=codes, level=RegionLevelChoices.VILLAGE).values_list(
                "code", flat=True
            )
        )
        if len(codes) < 30_000
        else {
            c for c in Region.objects.filter(level=RegionLevelChoices.VILLAGE).values_list("code", flat=True)
        }
    )
    unknown = shaped & ~village.is_in(list(known))
    for i in np.flatnonzero(unknown.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "village_code", village[i], "行政村代码不存在（须为区划表中的行政村）")
    plan.data = pl.DataFrame(
        {
            "household_no": no,
            "village_code": village,
            "group_name": t.frame.get_column("group_name").fill_null(""),
            "address": t.frame.get_column("address").fill_null(""),
            "poverty_status": poverty,
            "poverty_exit_year": exit_year,
            "relocated": relocated.fill_null(False),
            "monitoring_category": category.fill_null(""),
            "identified_on": identified,
            "risk_eliminated_on": eliminated,
            "elimination_mode": mode.fill_null(""),
            "phone": phone,
        }
    )
    plan.period = ctx.period or current_period(ctx.today)
    if not plan.errors:
        for hn, vc in zip(no.to_list(), village.to_list(), strict=True):
            ctx.pending_households[hn] = vc


def _validate_persons(plan: Plan, ctx: Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    ids = v.id_number("id_number")
    name = v.required("name")
    sex = v.enum("sex", SexChoices)
    relation = v.enum("relation", RelationChoices, required=True)
    school = v.enum("school_status", SchoolStatusChoices)
    health = v.enum("health", HealthChoices)
    lo, hi, why = quality.IMPOSSIBLE_RANGES["disability_grade"]
    grade_raw = v.integer("disability_grade")
    labour = v.enum("labour", LabourChoices)
    months_raw = v.integer("work_months")
    place = v.enum("work_place", WorkPlaceChoices)
    flags = {
        c: v.flag(c)
        for c in ("medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "tekun")
    }
    residence = v.enum("residence", ResidenceChoices)
    phone = v.phone("phone")
    birth_col = v.date("birth_date")
    # Impossible values are errors (quality.IMPOSSIBLE_RANGES); the rest of the quality checks only warn.
    v.add_mask((grade_raw < lo) | (grade_raw > hi), "disability_grade", why)
    mlo, mhi, mwhy = quality.IMPOSSIBLE_RANGES["work_months"]
    v.add_mask((months_raw < mlo) | (months_raw > mhi), "work_months", mwhy)
    # The sex column and an explicit birth date must agree with the ID number.
    v.add_mask(
        sex.is_not_null() & ids.get_column("sex").is_not_null() & (sex != ids.get_column("sex")),
        "sex",
        "性别与证件号码不符（证件号码第17位奇数为男、偶数为女）",
    )
    v.add_mask(
        (birth_col != ids.get_column("birth_date")).fill_null(False),
        "birth_date",
        "出生日期与证件号码中的出生日期不符",
    )
    birth = ids.get_column("birth_date")
    age = pl.DataFrame({"birth_date": birth}).select(quality.age_expr(today=ctx.as_of)).to_series()
    v.add_mask(
        labour.is_null() & (age >= 16).fill_null(False),
        "labour",
        "劳动技能不能为空（未满16周岁可留空，按无劳动力记）",
    )
    _take_validator_errors(plan, v)

    id_clean = ids.get_column("id_number")
    dup, first = _duplicates(id_clean)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(
            plan,
            i,
            "id_number",
            t.frame.get_column("id_number")[i],
            f"证件号码与第{t.row_number(f)}行重复（同一人不能登记两次）",
        )

    # The household must exist, in the database or in a households file of this invocation.
    wanted = sorted(set(no.drop_nulls().to_list()))
    db_households = dict(select_in("SELECT household_no, id FROM registry_household", "household_no", wanted))
    missing = no.is_not_null() & ~no.is_in(list(db_households) + list(ctx.pending_households))
    for i in np.flatnonzero(missing.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "household_no", no[i], "户编号不存在：数据库和本次导入的农户文件中都没有该户")

    # An ID already registered in another household may only move if this file also lists that
    # household (the file is then authoritative for both); otherwise it is a conflict (decision 0101).
    valid_ids = id_clean.drop_nulls().to_list()
    index = crypto.blind_index_many(valid_ids)
    by_id = dict(zip(valid_ids, index, strict=True))
    id_index = id_clean.replace_strict(by_id, default=None, return_dtype=pl.Utf8)
    existing = select_in(
        "SELECT p.id_index, p.id, p.household_id, h.household_no FROM registry_person p "
        "JOIN registry_household h ON h.id = p.household_id",
        "p.id_index",
        index,
    )
    ex = {r[0]: (r[1], r[2], r[3]) for r in existing}
    file_households = set(wanted)
    moved_from: set[str] = set()
    if ex:
        for i, (idx, hn) in enumerate(zip(id_index.to_list(), no.to_list(), strict=True)):
            hit = ex.get(idx) if idx is not None else None
            if hit is None or hn is None or hit[2] == hn:
                continue
            if hit[2] in file_households:
                moved_from.add(hit[2])
                continue
            _err(
                plan,
                i,
                "id_number",
                idnumber.mask(id_clean[i]),
                f"该证件号码已登记在户{hit[2]}，本文件未包含户{hit[2]}，无法确认迁户；"
                f"如确需迁户，请在同一文件中同时提供原户的成员",
            )

    plan.data = pl.DataFrame(
        {
            "household_no": no,
            "id_number": id_clean,
            "id_index": id_index,
            "name": name,
            "sex": ids.get_column("sex"),
            "birth_date": birth,
            "relation": relation,
            "ethnicity": t.frame.get_column("ethnicity").fill_null(""),
            "education": t.frame.get_column("education").fill_null(""),
            "school_status": school.fill_null(SchoolStatusChoices.NONE.value),
            "health": health.fill_null(HealthChoices.HEALTHY.value),
            "disability_grade": grade_raw,
            "labour": labour.fill_null(LabourChoices.NONE.value),
            "work_months": months_raw.fill_null(0),
            "work_place": place.fill_null(""),
            **{c: s for c, s in flags.items()},
            "residence": residence.fill_null(ResidenceChoices.PRESENT.value),
            "phone": phone,
        }
    )
    plan.extra["moved_from"] = moved_from
    plan.extra["existing_ids"] = {k: v[0] for k, v in ex.items()}
    plan.period = ctx.period or current_period(ctx.today)


def _validate_incomes(plan: Plan, ctx: Context) -> None:
    assert plan.table is not None
    t = plan.table
    v = TableValidator(t)
    no = v.required("household_no")
    period = v.period("period")
    money = {
        c: v.money(c, required=True) for c in ("wage", "business", "property", "transfer", "business_cost")
    }
    money |= {c: v.money(c).fill_null(0) for c in ("compliant_self_pay", "insurance_claims")}
    future = (period > current_period(ctx.today)).fill_null(False)
    v.add_mask(future, "period", "收入期间晚于当前月份，不可能")
    _take_validator_errors(plan, v)
    keys = no + "|" + period
    dup, first = _duplicates(keys)
    for i, f in zip(dup.tolist(), first.tolist(), strict=True):
        _err(plan, i, "period", period[i], f"同一户同一期间的收支与第{t.row_number(f)}行重复")
    wanted = sorted(set(no.drop_nulls().to_list()))
    db_households = dict(select_in("SELECT household_no, id FROM registry_household", "household_no", wanted))
    missing = no.is_not_null() & ~no.is_in(list(db_households) + list(ctx.pending_households))
    for i in np.flatnonzero(missing.fill_null(False).to_numpy()).tolist():
        _err(plan, i, "household_no", no[i], "户编号不存在：数据库和本次导入的农户文件中都没有该户")
    plan.data = pl.DataFrame({"household_no": no, "period": period, **money})
    periods = sorted(set(period.drop_nulls().to_list()))
    plan.periods = periods
    plan.period = ctx.period or (periods[-1] if periods else "")
