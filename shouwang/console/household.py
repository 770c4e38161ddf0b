"""The household 360° page's read model (selectors): registry data, income history with the monitoring
range, warnings and their signals by month, every case with its clues and steps, the assistance plan and
visits — and, loaded separately (it reads Parquet files), the department evidence timeline from the lake.

The household itself always comes from ``access_household_by_id`` (which audits the look); nothing here
looks a household up by number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
from django.db.models import Prefetch

from shouwang.cases import clock
from shouwang.cases.choices import CaseStateChoices
from shouwang.cases.models import AssistancePlan, Case, CaseStep, Clue, Visit
from shouwang.console.evidencetext import rule_tooltip, signal_evidence, value_text
from shouwang.console.workqueue import latest_screened_period
from shouwang.exchange.feeds import FEED_SPECS
from shouwang.exchange.lake import feed_files
from shouwang.industry.selectors import HouseholdIndustry, household_industry_get
from shouwang.registry.choices import RiskTypeChoices
from shouwang.registry.models import Household
from shouwang.registry.selectors import HouseholdDetail, household_get_detail
from shouwang.screening.choices import WarningStatusChoices
from shouwang.screening.models import Parameter
from shouwang.screening.params import ParamRow, params_resolve_rows
from shouwang.screening.selectors import warning_household_history

RISK_LABELS = dict(RiskTypeChoices.choices)
EVIDENCE_MAX_ROWS = 300
EVIDENCE_MONTHS = 24
# The column that dates each delivered row (credit is a month-end snapshot: its loan's due date).
DATE_COLUMN = {kind: (spec.event_from or "due_on") for kind, spec in FEED_SPECS.items()}


@dataclass
class Household360:
    detail: HouseholdDetail
    income_chart: dict[str, Any]
    warnings: list[dict[str, Any]]
    cases: list[dict[str, Any]]
    plan: Any
    measures: list[Any] = field(default_factory=list)
    helpers: list[Any] = field(default_factory=list)
    visits: list[Any] = field(default_factory=list)
    open_case_id: int | None = None
    open_case_monitoring: bool = False  # the open identification case is in 监测帮扶 (visits, elimination)
    actionable_warning_id: int | None = None  # the latest warning, not yet turned into a clue
    industry: HouseholdIndustry | None = None  # 双绑 agreements and payouts (industry app)

    @property
    def household(self) -> Household:
        return self.detail.household


def _thresholds(village: str, years: set[int]) -> dict[int, Decimal]:
    """The monitoring range (R-THR-04) of each year, from the screening parameters (one query)."""

    rows = [
        ParamRow(**r)
        for r in Parameter.objects.filter(key="threshold").values(
            "id", "region_code", "year", "key", "value", "version"
        )
    ]
    out = {}
    for year in years:
        value = params_resolve_rows(rows, [village], year).values.get(village, {}).get("threshold")
        if value is not None:
            out[year] = Decimal(str(value))
    return out


def household_360_get(*, household: Household) -> Household360:

    detail = household_get_detail(household=household)
    incomes = sorted(detail.incomes, key=lambda r: r.period)
    thresholds = _thresholds(household.village_id, {int(r.period[:4]) for r in incomes})
    income_chart = {
        "periods": [r.period for r in incomes],
        "per_capita": [float(r.per_capita_net) if r.per_capita_net is not None else None for r in incomes],
        "reference": [
            float(r.per_capita_reference) if r.per_capita_reference is not None else None for r in incomes
        ],
        "threshold": [
            float(thresholds[int(r.period[:4])]) if int(r.period[:4]) in thresholds else None for r in incomes
        ],
    }
    history = list(warning_household_history(household_id=household.pk)[:24])
    warnings = [
        {
            "id": w.pk,
            "period": w.period,
            "status": w.get_status_display(),
            "status_code": w.status,
            "score": w.score,
            "income_per_capita": w.income_per_capita,
            "threshold": w.threshold,
            "suggested_category": w.get_suggested_category_display() if w.suggested_category else "",
            "needs_asset_check": w.needs_asset_check,
            "resolved_period": w.resolved_period,
            "signals": [
                {
                    "rule": s.get("rule", ""),
                    "title": rule_tooltip(str(s.get("rule", "")))[0],
                    "tip": rule_tooltip(str(s.get("rule", "")))[1],
                    "policy": s.get("policy", ""),
                    "risk_type": RISK_LABELS.get(str(s.get("risk_type", "")), s.get("risk_type", "")),
                    "evidence": signal_evidence(str(s.get("rule", "")), s.get("evidence") or {}),
                }
                for s in (w.signals or [])
                if isinstance(s, dict)
            ],
        }
        for w in history
    ]
    actionable = None
    latest = history[0] if history else None
    if (
        latest is not None
        and latest.status in (WarningStatusChoices.NEW, WarningStatusChoices.PERSISTING)
        and latest.period == latest_screened_period()
        and not Clue.objects.filter(household=household, reported_on__gte=f"{latest.period}-01").exists()
    ):
        actionable = latest.pk
    cases: list[dict[str, Any]] = []
    for case in (
        Case.objects.filter(household=household)
        .prefetch_related(
            "clues",
            Prefetch("steps", queryset=CaseStep.objects.select_related("actor").order_by("id")),
        )
        .order_by("-id")
    ):
        cases.append(
            {
                "case": case,
                "clues": list(case.clues.all()),
                "steps": list(case.steps.all()),
                "risk_labels": [RISK_LABELS.get(r, r) for r in case.risk_types],
            }
        )
    plan = AssistancePlan.objects.filter(household=household).first()
    measures = list(plan.measures.select_related("person").order_by("start_on", "id")) if plan else []
    helpers = list(plan.helpers.all()) if plan else []
    visits = list(
        Visit.objects.filter(household=household).select_related("visitor").order_by("-visited_on", "-id")
    )
    open_identification = next(
        (c["case"] for c in cases if c["case"].is_open and c["case"].kind == "identification"), None
    )
    open_case = open_identification.pk if open_identification else None
    return Household360(
        detail=detail,
        income_chart=income_chart,
        warnings=warnings,
        cases=cases,
        plan=plan,
        measures=measures,
        helpers=helpers,
        visits=visits,
        open_case_id=open_case,
        open_case_monitoring=bool(
            open_identification and open_identification.state == CaseStateChoices.MONITORING
        ),
        actionable_warning_id=actionable,
        industry=household_industry_get(household=household, on=clock.today()),
    )


# ---------------------------------------------------------------------------------------------- evidence


def _label(kind: str, column: str, value: Any) -> str:
    spec = FEED_SPECS[kind]
    choices = spec.choices.get(column)
    if choices is not None and value is not None:
        return str(dict(choices.choices).get(str(value), value))
    return value_text(value)


def household_evidence_get(*, household: Household, months: int = EVIDENCE_MONTHS) -> list[dict[str, Any]]:
    """The household's rows in the departments' deliveries (batches in force), newest first.

    Read with DuckDB straight from the lake's Parquet files, filtered by household number; only masked IDs
    are in the lake (decision 0003), and the member is named from the household's own register.
    """

    files = feed_files()
    if not files:
        return []
    latest = max(p for _, p, _, _ in files)
    y, m = int(latest[:4]), int(latest[5:7])
    n = y * 12 + m - 1 - (months - 1)
    floor = f"{n // 12:04d}-{n % 12 + 1:02d}"
    by_kind: dict[str, list[str]] = {}
    for kind, period, _batch, path in files:
        if period >= floor and path.exists():
            by_kind.setdefault(kind, []).append(str(path))
    names = {p.pk: p.name for p in household.members.all()}
    entries: list[dict[str, Any]] = []
    con = duckdb.connect()
    try:
        for kind, paths in sorted(by_kind.items()):
            spec = FEED_SPECS.get(kind)
            if spec is None:
                continue
            cursor = con.execute(
                "SELECT * FROM read_parquet($paths, union_by_name = true) WHERE household_no = $h",
                {"paths": paths, "h": household.household_no},
            )
            columns = [d[0] for d in cursor.description or []]
            rows = [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]
            date_col = DATE_COLUMN[kind]
            shown = [c for c in spec.names if c not in ("id_number", date_col, "village_code", "group_name")]
            labels = {c.name: c.label for c in spec.columns}
            for row in rows:
                when = row.get(date_col)
                if isinstance(when, str):  # employment's month is YYYY-MM
                    when = dt.date(int(when[:4]), int(when[5:7]), 1)
                person_id = row.get("person_id")
                entries.append(
                    {
                        "date": when,
                        "kind": kind,
                        "kind_label": spec.label,
                        "who": names.get(person_id, "") if person_id else "",
                        "id_masked": row.get("id_masked") or "",
                        "batch_id": row.get("batch_id"),
                        "facts": [
                            (labels.get(c, c), _label(kind, c, row.get(c)))
                            for c in shown
                            if row.get(c) not in (None, "")
                        ],
                    }
                )
    finally:
        con.close()
    entries.sort(key=lambda e: (e["date"] or dt.date.min, e["kind"]), reverse=True)
    return entries[:EVIDENCE_MAX_ROWS]
