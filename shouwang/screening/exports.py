"""Warnings JSON Lines (CONTRACT §2 "Warnings"): one object per flagged household, exact field names."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from shouwang.screening.choices import RunSourceChoices
from shouwang.screening.models import Warning

JSONL_FIELDS = (
    "period",
    "household_no",
    "village_code",
    "signals",
    "income_per_capita",
    "threshold",
    "suggested_category",
    "score",
    "status",
)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def warning_contract_dict(w: Warning) -> dict[str, Any]:
    return {
        "period": w.period,
        "household_no": w.household_no,
        "village_code": w.village_code,
        "signals": w.signals,
        "income_per_capita": _number(w.income_per_capita),
        "threshold": _number(w.threshold),
        "suggested_category": w.suggested_category or None,
        "score": float(w.score),
        "status": w.status,
    }


def warnings_jsonl_lines(*, period: str, source: str = RunSourceChoices.SCREENING) -> Iterator[str]:
    qs = Warning.objects.filter(source=source, period=period).order_by("household_no")
    for w in qs.iterator(chunk_size=5000):
        yield json.dumps(warning_contract_dict(w), ensure_ascii=False)


def warnings_jsonl_write(*, period: str, path: Path, source: str = RunSourceChoices.SCREENING) -> int:
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for line in warnings_jsonl_lines(period=period, source=source):
            f.write(line + "\n")
            n += 1
    return n
