"""Services of the employment app: the 务工月监测 import (``ledger``) and export (``export``), the monthly
labour roster (``roster``), the dispatch table (``dispatch``), the 零就业 tasks (``zero``) and the transport
subsidy (``transport``). Import from here."""

from shouwang.employment.services.dispatch import (
    DispatchLine,
    DispatchTable,
    dispatch_export,
    dispatch_freeze,
    dispatch_refresh,
    dispatch_table_compute,
    dispatch_table_load,
    dispatch_visible,
    dispatch_xlsx,
)
from shouwang.employment.services.export import LedgerExportResult, ledger_export
from shouwang.employment.services.freeze import dispatch_is_frozen
from shouwang.employment.services.ledger import (
    DEFAULT_SOURCE,
    KIND_LABELS,
    LedgerFileResult,
    LedgerImportResult,
    ledger_import,
    ledger_kind,
)
from shouwang.employment.services.roster import ROSTER_MAX_AGE, ROSTER_MIN_AGE, roster_refresh
from shouwang.employment.services.status import PERSON_SOURCES, LabourStatusInput, labour_status_record
from shouwang.employment.services.transport import (
    transport_candidates,
    transport_files_write,
    transport_subsidy_compute,
)
from shouwang.employment.services.zero import ZERO_TASK_DAYS, ZeroRefreshResult, zero_employment_refresh

__all__ = [
    "DEFAULT_SOURCE",
    "KIND_LABELS",
    "PERSON_SOURCES",
    "ROSTER_MAX_AGE",
    "ROSTER_MIN_AGE",
    "ZERO_TASK_DAYS",
    "DispatchLine",
    "DispatchTable",
    "LabourStatusInput",
    "LedgerExportResult",
    "LedgerFileResult",
    "LedgerImportResult",
    "ZeroRefreshResult",
    "dispatch_export",
    "dispatch_freeze",
    "dispatch_is_frozen",
    "dispatch_refresh",
    "dispatch_table_compute",
    "dispatch_table_load",
    "dispatch_visible",
    "dispatch_xlsx",
    "labour_status_record",
    "ledger_export",
    "ledger_import",
    "ledger_kind",
    "roster_refresh",
    "transport_candidates",
    "transport_files_write",
    "transport_subsidy_compute",
    "zero_employment_refresh",
]
