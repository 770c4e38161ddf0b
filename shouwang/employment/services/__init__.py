"""Services of the employment app: the 务工月监测 import (``ledger``) and export (``export``), and the monthly
labour roster (``roster``), the transport subsidy (``transport``). Import from here."""

from shouwang.employment.services.export import LedgerExportResult, ledger_export
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

__all__ = [
    "DEFAULT_SOURCE",
    "KIND_LABELS",
    "PERSON_SOURCES",
    "ROSTER_MAX_AGE",
    "ROSTER_MIN_AGE",
    "LabourStatusInput",
    "LedgerExportResult",
    "LedgerFileResult",
    "LedgerImportResult",
    "labour_status_record",
    "ledger_export",
    "ledger_import",
    "ledger_kind",
    "roster_refresh",
    "transport_candidates",
    "transport_files_write",
    "transport_subsidy_compute",
]
