"""Exchange actions: department feed ingestion and department push tokens. Each is atomic and audited."""

import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction
from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import DepartmentChoices, RoleChoices
from shouwang.accounts.models import User
from shouwang.accounts.services import api_token_create, user_create, user_validate
from shouwang.audit.services import audit_record
from shouwang.audit.spool import spool_flush
from shouwang.common import crypto
from shouwang.common.dblock import write_transaction
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.batches import batch_audit_entry, batch_same_file, batch_start, batch_succeed
from shouwang.exchange.feeds import FeedSpec, feed_rows_periods, feed_spec, feed_validate, period_check
from shouwang.exchange.files import archive_file, read_table, sha256_file
from shouwang.exchange.lake import feed_lake_relpath, lake_discard, lake_sweep_incoming, lake_write_once
from shouwang.exchange.models import ImportBatch
from shouwang.exchange.selectors import person_index_frame, village_codes_existing, village_household_frame

UNMATCHED_ID = "登记库中没有该证件号码（不是在册农户成员）"
UNMATCHED_PLACE = "该行政村（村民小组）没有在册农户"

# Progress of one ingest: (percent, stage), for a progress bar.
ProgressFn = Callable[[int, str], None]


def _no_progress(pct: int, stage: str) -> None:
    return None


def feed_batch_ingest(
    *,
    kind: str,
    path: str | Path,
    period: str,
    source: str = "",
    actor: Actor,
    filename: str = "",
    progress: ProgressFn | None = None,
) -> ImportBatch:
    """Import one department delivery (CONTRACT §2, §1 ``import feed``; R-WARN-01) all-or-nothing.

    * Refusals (``InputRefused``) happen before anything is written: no batch row, no lake file, no audit row.
    * The same (kind, source, period, checksum) again returns the existing batch with ``duplicate`` set.
    * Another file for the same (kind, source, period, region) supersedes the batch in force, which stays on
      record; the region is the pushing account's (empty on the command line).
    * Rows are matched to registered persons by the keyed blind index of the ID (water rows to the households
      of their village group); unmatched rows are kept in the lake and listed in ``report["unmatched_rows"]``.
    """
    step = progress or _no_progress
    started = timezone.now()
    t0 = time.perf_counter()
    spec = feed_spec(kind)
    period = period_check(period)
    source = (source or spec.kind).strip()
    if len(source) > 64:
        raise InputRefused("来源名称过长", [RowError(None, "", source, "来源（--source）不能超过64个字符")])
    path = Path(path)
    if not path.is_file():
        raise InputRefused(f"{path}：文件不存在", [RowError(None, "", str(path), "文件不存在")])

    lake_sweep_incoming()  # partial files of imports killed earlier (crash recovery, decision 0009)
    checksum = sha256_file(path)
    # A pusher speaks for its own region: two counties' departments pushing the same kind are two streams
    # (decision 0009). The command line (the deployment's own data centre) has the empty region.
    region = actor.region_code if isinstance(actor, User) else ""
    existing = batch_same_file(kind=spec.kind, source=source, period=period, checksum=checksum, region=region)
    if existing is not None:
        existing.duplicate = True
        return existing

    step(5, "读取文件")
    # A header-only file is a real delivery: "nothing to report this month" (and it can correct a wrong one).
    table = read_table(
        path, columns=spec.columns, kind_label=f"{spec.label}数据", checksum=checksum, allow_empty=True
    )
    step(25, "校验")
    known_villages = None
    if spec.kind == "water":
        known_villages = village_codes_existing(table.frame["village_code"].drop_nulls().unique().to_list())
    typed = feed_validate(spec, table, period, known_villages=known_villages)
    step(45, "匹配登记库")
    lake_frame, unmatched_rows = _match(spec, typed)
    period_rows = feed_rows_periods(spec, typed, period)
    step(70, "写入数据湖")

    relpath = ""
    try:
        # Validated above; the write transaction is short. On SQLite it waits for another writer, bounded.
        with write_transaction(on_wait=lambda waited: step(70, f"等待数据库（已等待{waited:.0f}秒）")):
            batch, previous = batch_start(
                kind=spec.kind,
                source=source,
                period=period,
                region=region,
                checksum=checksum,
                filename=filename or path.name,
                encoding=table.encoding,
                actor=actor,
                started_at=started,
            )
            relpath = feed_lake_relpath(spec.kind, period, batch.pk)
            lake_write_once(lake_frame.with_columns(pl.lit(batch.pk, pl.Int64).alias("batch_id")), relpath)
            step(90, "归档原始文件")
            old_periods = {p for b in previous for p in b.periods}
            batch_succeed(
                batch,
                replaces=previous,
                stored_path=archive_file(path, checksum),
                lake_path=relpath,
                rows_total=typed.height,
                rows_created=typed.height,
                unmatched=len(unmatched_rows),
                matched=typed.height - len(unmatched_rows),
                periods=sorted(period_rows),
                warnings=list(table.warnings),
                report={
                    "unmatched_rows": unmatched_rows,
                    "period_rows": period_rows,
                    # Periods whose screening may change: this batch's, and those of the batch it replaces.
                    "affected_periods": sorted(set(period_rows) | old_periods),
                    "superseded_batches": [b.pk for b in previous],
                    "lake_rows": lake_frame.height,
                    "seconds": round(time.perf_counter() - t0, 3),
                },
            )
            audit_record(
                actor=actor,
                **batch_audit_entry(
                    batch,
                    changes={
                        "kind": spec.kind,
                        "source": source,
                        "period": period,
                        "checksum": checksum,
                        "rows": batch.rows_total,
                        "matched": batch.matched,
                        "unmatched": batch.unmatched,
                        "periods": batch.periods,
                        "superseded": [b.pk for b in previous],
                    },
                    reason=f"部门数据导入：{spec.label} {period}",
                    region_code=actor.region_code if isinstance(actor, User) else "",
                ),
            )
    except IntegrityError:
        # Another process imported the same file a moment ago: the batch identity is unique.
        if relpath:
            lake_discard(relpath)
        same = batch_same_file(kind=spec.kind, source=source, period=period, checksum=checksum, region=region)
        if same is None:
            raise
        same.duplicate = True
        return same
    except BaseException:
        if relpath:
            lake_discard(relpath)
        raise
    spool_flush()
    step(100, "完成")
    return batch


def _mask_expr(ids: pl.Expr) -> pl.Expr:
    """``idnumber.mask`` for 18-character IDs, vectorised: first 4 and last 4 characters."""
    return pl.concat_str([ids.str.slice(0, 4), pl.lit("*" * 10), ids.str.slice(14, 4)])


def _match(spec: FeedSpec, typed: pl.DataFrame) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """The lake frame (IDs replaced by blind index and mask, plus person_id / household_no) and the
    unmatched rows, as a vectorised join against one read of the registry."""
    contract = [c for c in spec.names if c != "id_number"]
    if not spec.keyed_by_id:
        return _match_places(typed, contract)
    ids = typed.get_column("id_number").unique()
    index_map = pl.DataFrame(
        {"id_number": ids, "id_index": pl.Series(crypto.blind_index_many(ids.to_list()), dtype=pl.Utf8)}
    )
    persons = person_index_frame(index_map.get_column("id_index").to_list())
    frame = (
        typed.join(index_map, on="id_number", how="left")
        .join(persons, on="id_index", how="left")
        .with_columns(_mask_expr(pl.col("id_number")).alias("id_masked"))
        .sort("row_no")
        .select(
            "row_no",
            pl.lit(None, pl.Int64).alias("batch_id"),
            "id_index",
            "id_masked",
            *contract,
            "person_id",
            "household_no",
        )
    )
    unmatched = (
        frame.filter(pl.col("person_id").is_null())
        .select(pl.col("row_no").alias("row"), "id_masked", pl.lit(UNMATCHED_ID).alias("reason"))
        .to_dicts()
    )
    return frame, unmatched


def _match_places(typed: pl.DataFrame, contract: list[str]) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Water rows name a village (and optionally a group): one lake row per (delivered row, household)."""
    households = village_household_frame(typed.get_column("village_code").unique().to_list())
    whole_village = typed.filter(pl.col("group_name").is_null()).join(
        households.select("village_code", "household_no"), on="village_code", how="left"
    )
    one_group = typed.filter(pl.col("group_name").is_not_null()).join(
        households, on=["village_code", "group_name"], how="left"
    )
    frame = (
        pl.concat([whole_village, one_group], how="diagonal")
        .sort("row_no", "household_no", nulls_last=True)
        .select(
            "row_no",
            pl.lit(None, pl.Int64).alias("batch_id"),
            *contract,
            pl.lit(None, pl.Int64).alias("person_id"),
            "household_no",
        )
    )
    unmatched = (
        frame.filter(pl.col("household_no").is_null())
        .select(
            pl.col("row_no").alias("row"),
            pl.lit(None, pl.Utf8).alias("id_masked"),
            pl.lit(UNMATCHED_PLACE).alias("reason"),
        )
        .to_dicts()
    )
    return frame, unmatched


@transaction.atomic
def feed_token_create(
    *, department: str, region_code: str, actor: Actor, username: str = "", days: int = 365
) -> tuple[User, str]:
    """A department account (created if missing) and a push token scoped to its own feed: ``feeds:<kind>``.

    The account is created through the one account service (``accounts.services.user_create``: role, region
    level and department checked, audited) and gets no usable password: it pushes data, it does not log in."""
    username = username or f"dept-{department}-{region_code}"
    user = User.objects.filter(username=username).first()
    errors: list[RowError] = []
    if user is None:
        errors += user_validate(
            username=username, role=RoleChoices.DEPARTMENT, region_code=region_code, department=department
        )
    elif user.role != RoleChoices.DEPARTMENT or user.department != department:
        errors.append(RowError(None, "--username", username, "该用户已存在，但不是该部门的行业部门账号"))
    if days < 1 or days > 3660:
        errors.append(RowError(None, "--days", str(days), "有效期应在1到3660天之间"))
    if errors:
        raise InputRefused("无法创建部门报送令牌", errors)
    if user is None:
        user = user_create(
            actor=actor,
            username=username,
            role=RoleChoices.DEPARTMENT,
            region_code=region_code,
            department=department,
            password=secrets.token_urlsafe(32),
            display_name=f"{DepartmentChoices(department).label}数据报送",
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    token = api_token_create(
        user=user,
        name=f"feed-push:{department}",
        scopes=[f"feeds:{department}"],
        lifetime=timedelta(days=days),
    )
    return user, token
