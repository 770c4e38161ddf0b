"""Reads for the exchange: batches, guarded batch lookups, and the frames used to match feed rows."""

from collections.abc import Iterable
from pathlib import Path

import polars as pl
from django.db.models import QuerySet

from shouwang.accounts.access import NotFound, signed_in
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.exchange.bulk import select_in
from shouwang.exchange.choices import FEED_KINDS, BatchStatusChoices
from shouwang.exchange.files import sha256_file
from shouwang.exchange.models import ImportBatch
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import HouseholdStatusChoices
from shouwang.registry.models import Household, Person

# Roles that may read any feed batch report (masked IDs only): the levels that run screening and audit it.
BATCH_READERS = frozenset(
    {RoleChoices.PROVINCE, RoleChoices.PREFECTURE, RoleChoices.COUNTY, RoleChoices.AUDITOR}
)


def import_batch_list(*, kind: str | None = None, period: str | None = None) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    return qs


def feed_batch_effective_list(
    *, kind: str | None = None, period_from: str | None = None, period_to: str | None = None
) -> QuerySet[ImportBatch]:
    """Feed batches in force: imported and not superseded by a corrected delivery."""
    qs = ImportBatch.objects.filter(kind__in=FEED_KINDS, status=BatchStatusChoices.SUCCEEDED).exclude(
        lake_path=""
    )
    if kind:
        qs = qs.filter(kind=kind)
    if period_from:
        qs = qs.filter(period__gte=period_from)
    if period_to:
        qs = qs.filter(period__lte=period_to)
    return qs.order_by("kind", "period", "id")


def user_may_read_feed(user: Viewer, batch: ImportBatch, scopes: Iterable[str] = ()) -> bool:
    """Departments (or ``feeds:<kind>`` tokens) read their own kind; readers of higher levels read batches
    whose region overlaps theirs. A batch's region is its pusher's; a command-line import has none (the
    county's own data centre) and is readable by every reader."""
    if f"feeds:{batch.kind}" in scopes:
        return True
    official = signed_in(user)
    if official is None:
        return False
    if official.role == RoleChoices.DEPARTMENT:
        return bool(official.department) and official.department == batch.kind
    if official.role not in BATCH_READERS:
        return False
    mine = official.region_code
    theirs = batch.created_by.region_code if batch.created_by else ""
    return bool(mine) and (not theirs or theirs.startswith(mine) or mine.startswith(theirs))


def user_may_push_feed(user: Viewer, kind: str, scopes: Iterable[str] = ()) -> bool:
    """Push rights: a token scoped ``feeds:<kind>``, or a department account of that very department."""
    if f"feeds:{kind}" in scopes:
        return True
    official = signed_in(user)
    return official is not None and official.role == RoleChoices.DEPARTMENT and official.department == kind


def access_import_batch_by_id(user: Viewer, batch_id: int, *, scopes: Iterable[str] = ()) -> ImportBatch:
    """A feed batch report if ``user`` may read it (``user_may_read_feed``); otherwise ``NotFound``, the same
    answer as for a batch that does not exist. Each look and each refusal is audited."""
    batch = ImportBatch.objects.select_related("created_by").filter(pk=batch_id, kind__in=FEED_KINDS).first()
    allowed = batch is not None and user_may_read_feed(user, batch, scopes)
    official = signed_in(user)
    region_code = official.region_code if official is not None else ""
    if not allowed:
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if batch is None else AuditActionChoices.ACCESS_DENIED,
            object_type="import_batch",
            object_id=str(batch_id),
            region_code=region_code,
        )
        raise NotFound(str(batch_id))
    assert batch is not None
    audit_record(
        actor=user,
        action=AuditActionChoices.VIEW,
        object_type="import_batch",
        object_id=str(batch.pk),
        region_code=region_code,
        reason="查看批次报告",
    )
    return batch


# --- Matching frames ----------------------------------------------------------------------------------

_MATCH_SCHEMA = {"id_index": pl.Utf8, "person_id": pl.Int64, "household_no": pl.Utf8}


def person_index_frame(indexes: list[str]) -> pl.DataFrame:
    """``(id_index, person_id, household_no)`` of the registered persons among ``indexes``.

    One bulk read (``bulk.select_in``: the index list travels as one parameter on PostgreSQL, in large
    chunks on SQLite), so a 200k-row delivery is a few indexed lookups, not 200k queries.
    """
    rows = select_in(
        f"SELECT p.id_index, p.id, h.household_no FROM {Person._meta.db_table} p "
        f"JOIN {Household._meta.db_table} h ON h.id = p.household_id",
        "p.id_index",
        indexes,
    )
    return pl.DataFrame(rows, schema=_MATCH_SCHEMA, orient="row")


def village_codes_existing(codes: Iterable[str]) -> set[str]:
    wanted = sorted({c for c in codes if c})
    return set(
        Region.objects.filter(code__in=wanted, level=RegionLevelChoices.VILLAGE).values_list(
            "code", flat=True
        )
    )


def village_household_frame(codes: Iterable[str]) -> pl.DataFrame:
    """``(village_code, group_name, household_no)`` of the active households in the given villages."""
    wanted = sorted({c for c in codes if c})
    rows = (
        Household.objects.filter(village_id__in=wanted, status=HouseholdStatusChoices.ACTIVE)
        .order_by("household_no")
        .values_list("village_id", "group_name", "household_no")
    )
    return pl.DataFrame(
        list(rows),
        schema={"village_code": pl.Utf8, "group_name": pl.Utf8, "household_no": pl.Utf8},
        orient="row",
    )


def batch_file_imported(path: Path, *, kind: str, period: str = "") -> bool:
    """This very file was imported before as this kind (and period): a batch is identified by
    (kind, source, period, checksum) (CONTRACT §2), and an empty month's file has the same checksum
    as another empty month's."""
    batches = ImportBatch.objects.filter(kind=kind, checksum=sha256_file(path)).exclude(
        status=BatchStatusChoices.FAILED
    )
    if period:
        batches = batches.filter(period=period)
    return batches.exists()
