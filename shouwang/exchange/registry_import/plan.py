"""What one registry import works on: a plan per file, the context the files share, and the results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from shouwang.accounts.actors import Actor
from shouwang.common.errors import RowError
from shouwang.exchange.choices import BatchKindChoices
from shouwang.exchange.files import Table
from shouwang.exchange.models import ImportBatch

# Files are validated and written in this order (persons need their households, incomes their members).
KIND_ORDER = ("households", "persons", "incomes")
KIND_LABELS = {k: str(BatchKindChoices(k).label) for k in KIND_ORDER}
DEFAULT_SOURCE = "registry"


@dataclass
class FileRowError(RowError):
    """A RowError that also names its file (one invocation may refuse several files)."""

    file: str = ""

    def __str__(self) -> str:
        return f"{self.file}：{super().__str__()}" if self.file else super().__str__()


@dataclass
class FileResult:
    """What became of one file (the command's report lines and ``--report`` JSON)."""

    path: str
    kind: str
    period: str
    checksum: str
    duplicate: bool = False
    batch_id: int | None = None
    supersedes_id: int | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    quality: dict[str, int] = field(default_factory=dict)
    duplicate_status: str = ""


@dataclass
class RegistryImportResult:
    files: list[FileResult]
    seconds: float = 0.0

    @property
    def persons(self) -> int:
        return sum(f.rows for f in self.files if f.kind == "persons" and not f.duplicate)


@dataclass
class Plan:
    """One file of the invocation: read, then validated (``data``), then written (``result``)."""

    path: Path
    kind: str
    checksum: str
    table: Table | None = None
    period: str = ""
    region: str = ""  # the batch's region (exchange.batches.batch_region)
    periods: list[str] = field(default_factory=list)
    duplicate: ImportBatch | None = None
    data: pl.DataFrame | None = None  # validated, typed rows
    present: set[str] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    result: FileResult | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """What every file of one invocation shares."""

    source: str
    period: str | None
    actor: Actor
    today: dt.date
    # The date the registry describes, for ages in the quality checks: the end of --period, else of the
    # latest income period of the invocation, else today (never later than today).
    as_of: dt.date = dt.date.min
    # household_no -> village_code of households in this invocation's households files
    pending_households: dict[str, str] = field(default_factory=dict)
    progress: Callable[[int], Any] = lambda n: None
