"""``registry_import``, the entry point of ``shouwang import registry`` (CONTRACT §1, §2 "Registry").

One invocation takes any number of households / persons / incomes files and processes them in that kind
order **in one transaction**: every file is read (``read``) and validated against the database *and* the
other files of the invocation first (``validate``); if any file has any invalid row, every error of every
file is reported and nothing at all is written (CONTRACT: all-or-nothing, exit 2). Only then are the rows
written (``project``, ``write``), with bulk statements (``exchange.bulk``), audited (one ``import`` row per
batch and one ``update`` row, old → new, per existing record that changed) and checked for data quality
(warnings stored per batch, ``findings``).

Batches (CONTRACT §2, ``exchange.batches``): each file is one ImportBatch identified by (kind, source, period,
checksum). The same file again changes nothing. Another file for the same (kind, source, period) supersedes
the earlier batch, which stays on record as ``superseded``; its rows are upserted by household_no, id_number
(through the blind index) and (household_no, period). Rows are never deleted by an import: people leave a
household through ``residence`` (moved_out / deceased) — see docs/registry.md.
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from django.utils import timezone
from tqdm import tqdm

from shouwang.accounts.actors import Actor
from shouwang.audit.services import audit_record_many
from shouwang.audit.spool import spool_flush
from shouwang.common.dblock import pause_point, write_transaction
from shouwang.common.dbstats import analyze_stale
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.batches import batch_audit_entry, batch_progress, batch_start, batch_succeed
from shouwang.exchange.bulk import large_page_cache
from shouwang.exchange.files import archive_file
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.registry_import.findings import issue_examples, store_issues
from shouwang.exchange.registry_import.plan import (
    DEFAULT_SOURCE,
    KIND_LABELS,
    Context,
    FileResult,
    Plan,
    RegistryImportResult,
)
from shouwang.exchange.registry_import.project import project
from shouwang.exchange.registry_import.read import as_of, plans_read
from shouwang.exchange.registry_import.validate import plans_validate, sorted_errors, valid_period
from shouwang.exchange.registry_import.write import (
    write_derived,
    write_households,
    write_income_file,
    write_incomes,
    write_persons,
)

log = logging.getLogger(__name__)


ANALYZED_TABLES = (
    "registry_household",
    "registry_person",
    "registry_incomerecord",
    "registry_dataqualityissue",
    "audit_auditentry",
)


def registry_import(
    *,
    paths: Sequence[str | Path],
    source: str = DEFAULT_SOURCE,
    period: str | None = None,
    actor: Actor | None = None,
    today: dt.date | None = None,
    progress: bool = False,
    lock_wait: float | None = None,
) -> RegistryImportResult:
    """Import registry files (CONTRACT §1). Raises ``InputRefused`` (every error, nothing written).

    On SQLite the import waits at most ``lock_wait`` seconds (default ``SHOUWANG_LOCK_WAIT``) for another
    writer to finish, saying so on stderr when ``progress``; then ``DatabaseBusy`` (nothing written).
    """
    started = time.perf_counter()
    today = today or timezone.localdate()
    actor = actor if actor is not None else f"cli:{_os_user()}"
    if period is not None and not valid_period(period):
        raise InputRefused(
            "--period 参数格式应为YYYY-MM", [RowError(None, "--period", period, "期间格式应为YYYY-MM")]
        )
    ctx = Context(source=source or DEFAULT_SOURCE, period=period, actor=actor, today=today)

    plans, errors = plans_read(paths)
    ctx.as_of = as_of(ctx, plans)
    log.info("read %d files in %.2fs", len(plans), time.perf_counter() - started)

    total_rows = sum(pl_.table.frame.height for pl_ in plans if pl_.table is not None)
    with large_page_cache():
        bar = tqdm(
            total=max(total_rows, 1) * 2,
            unit="行",
            desc="导入",
            disable=None if progress else True,
            leave=False,
        )
        ctx.progress = bar.update
        try:
            with write_transaction(wait=lock_wait, on_wait=_say_waiting if progress else None):
                pause_point("registry-import")
                # Phase 1: validate every file (against the database and the others) before any write.
                errors += plans_validate(plans, ctx)
                if errors:
                    raise InputRefused(
                        f"导入被拒绝：共{len(errors)}处错误，未写入任何数据", sorted_errors(errors)
                    )
                log.info("validated in %.2fs", time.perf_counter() - started)
                # Phase 2: write, in kind order.
                _write_all(plans, ctx)
                log.info("written in %.2fs", time.perf_counter() - started)
        finally:
            bar.close()
    log.info("committed in %.2fs", time.perf_counter() - started)
    spool_flush(busy_ms=None)  # page views audited while the import held the lock (audit.spool)
    analyze_stale(ANALYZED_TABLES)  # planner statistics now, not when autovacuum comes round (issue 13)
    return RegistryImportResult(
        files=[p.result for p in plans if p.result is not None], seconds=time.perf_counter() - started
    )


def _say_waiting(waited: float) -> None:
    sys.stderr.write(f"数据库正被另一个导入或筛查写入，等待中（已等待{waited:.0f}秒）…\n")
    sys.stderr.flush()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _write_all(plans: list[Plan], ctx: Context) -> None:
    todo = [p for p in plans if not p.duplicate]
    for p in plans:
        if p.duplicate and p.table is not None:
            ctx.progress(p.table.frame.height)
    if not todo:
        return
    hh = next((p for p in todo if p.kind == "households"), None)
    persons = next((p for p in todo if p.kind == "persons"), None)
    incomes = [p for p in todo if p.kind == "incomes"]
    t0 = time.perf_counter()
    derived, recompute = project(ctx, hh, persons, incomes)
    log.info("projected derived figures for %d households in %.2fs", derived.height, time.perf_counter() - t0)
    audits: list[dict[str, Any]] = []
    batches: dict[int, tuple[ImportBatch, list[ImportBatch]]] = {}
    issues: dict[int, pl.DataFrame] = {}
    for p in todo:
        batches[id(p)] = _batch_start(p, ctx)
    if hh is not None:
        batch = batches[id(hh)][0]
        found, issues[id(hh)] = write_households(hh, ctx, batch, derived)
        audits += found
        batch_progress(batch, 60)
    if persons is not None:
        batch = batches[id(persons)][0]
        found, issues[id(persons)] = write_persons(persons, ctx, batch)
        audits += found
        batch_progress(batch, 60)
    owner = batches[id(persons) if persons is not None else id(todo[0])][0]
    if recompute.height:
        # The latest stored income of a household whose member count changed follows it (R-OBJ-02).
        audits += write_incomes(
            recompute.with_columns(
                pl.col("household_no")
                .replace_strict(
                    dict(derived.select("household_no", "member_count").iter_rows()), return_dtype=pl.Int64
                )
                .alias("members_counted")
            ),
            ctx=ctx,
            reason=f"导入批次#{owner.pk}：计算人口变化，重新计算人均收入（R-OBJ-02、R-INC-02）",
        )
    for ip in incomes:
        found, issues[id(ip)] = write_income_file(ip, ctx, batches[id(ip)][0], derived)
        audits += found
    written = (
        set(hh.data.get_column("household_no").to_list()) if hh is not None and hh.data is not None else set()
    )
    ids = ", ".join(f"#{b.pk}" for b, _ in batches.values())
    audits += write_derived(
        derived, skip=written, reason=f"导入批次{ids}：重新计算人口和人均纯收入（R-OBJ-02、R-INC-02）"
    )
    imports = [_batch_finish(p, *batches[id(p)], issues.get(id(p)), ctx) for p in todo]
    audit_record_many(actor=ctx.actor, entries=[*imports, *audits])


def _batch_start(plan: Plan, ctx: Context) -> tuple[ImportBatch, list[ImportBatch]]:
    assert plan.table is not None
    batch, replaces = batch_start(
        kind=plan.kind,
        source=ctx.source,
        period=plan.period,
        region=plan.region,
        checksum=plan.checksum,
        filename=plan.path.name,
        encoding=plan.table.encoding,
        actor=ctx.actor,
        stored_path=archive_file(plan.path, plan.checksum),
        rows_total=plan.table.frame.height,
        warnings=list(plan.table.warnings),
        periods=plan.periods or [plan.period],
        progress=5,
    )
    plan.result = FileResult(
        path=str(plan.path),
        kind=plan.kind,
        period=plan.period,
        checksum=plan.checksum,
        batch_id=batch.pk,
        supersedes_id=batch.supersedes_id,
        rows=plan.table.frame.height,
        warnings=list(plan.table.warnings),
    )
    return batch, replaces


def _batch_finish(
    plan: Plan, batch: ImportBatch, replaces: list[ImportBatch], issues: pl.DataFrame | None, ctx: Context
) -> dict[str, Any]:
    """Store the batch's quality findings, close it, and return its ``import`` audit entry."""
    assert plan.result is not None and plan.table is not None
    result = plan.result
    result.quality = store_issues(issues, batch)
    batch_succeed(
        batch,
        replaces=replaces,
        rows_created=result.created,
        rows_updated=result.updated,
        rows_unchanged=result.unchanged,
        report={
            "quality": result.quality,
            "quality_examples": issue_examples(issues),
            "unknown_columns": list(plan.table.warnings),
            "encoding": plan.table.encoding,
        },
    )
    return batch_audit_entry(
        batch,
        changes={
            "kind": plan.kind,
            "source": ctx.source,
            "period": plan.period,
            "file": plan.path.name,
            "checksum": plan.checksum,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "supersedes": result.supersedes_id,
            "quality_warnings": sum(result.quality.values()),
        },
        reason=f"导入{KIND_LABELS[plan.kind]}文件",
    )
