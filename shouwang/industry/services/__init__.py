"""Services of the industry app: the entity, binding and payout imports (``imports``) and the payouts'
way into household income (``income``). Import from here."""

from shouwang.industry.services.imports import (
    DEFAULT_SOURCE,
    KIND_LABELS,
    KINDS,
    MARKET_SOURCE,
    IndustryImportResult,
    industry_import,
)
from shouwang.industry.services.income import payout_income_apply, payout_sums
from shouwang.industry.services.loans import LoanImportResult, loan_import

__all__ = [
    "DEFAULT_SOURCE",
    "KINDS",
    "KIND_LABELS",
    "MARKET_SOURCE",
    "IndustryImportResult",
    "LoanImportResult",
    "industry_import",
    "loan_import",
    "payout_income_apply",
    "payout_sums",
]
