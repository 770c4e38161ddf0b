"""Information comparison (信息比对, R-ID-02 step 2): what the system knows about the household and where it
conflicts with the case.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from shouwang.cases.choices import RECORDABLE_RISKS
from shouwang.cases.models import Case
from shouwang.cases.parameters import params_get
from shouwang.cases.services._common import RISK_LABELS, counted_members
from shouwang.common.jsonable import jsonable
from shouwang.registry.choices import CAPABLE_LABOUR
from shouwang.registry.models import Household, IncomeRecord
from shouwang.screening.models import Warning as ScreeningWarning


def comparison_gather(case: Case, *, today: dt.date) -> dict[str, Any]:
    """R-ID-02 step 2: what the system knows about the household, and where it conflicts with the case."""
    hh = case.household
    params = params_get(region_code=hh.village_id, year=today.year)
    incomes = list(IncomeRecord.objects.filter(household=hh).order_by("-period")[:2])
    conflicts: list[str] = []
    income = None
    if incomes:
        latest = incomes[0]
        income = {
            "period": latest.period,
            "per_capita_net": jsonable(latest.per_capita_net),
            "per_capita_reference": jsonable(latest.per_capita_reference),
            "compliant_self_pay": jsonable(latest.compliant_self_pay),
        }
        threshold = params.income_threshold
        if threshold is not None and latest.per_capita_net is not None and latest.per_capita_net >= threshold:
            conflicts.append(
                f"人均纯收入{latest.per_capita_net}元不低于监测范围{threshold}元，只能按突发严重困难户纳入"
                "（R-OBJ-01），须核实刚性支出或收入骤减"
            )
    else:
        conflicts.append("系统中无该户收入记录，须以入户核实的收入为准")
    checked = case.steps.filter(action="home_check").order_by("-id").first()
    reported = (checked.data or {}).get("income_per_capita") if checked else None
    if reported not in (None, "") and incomes and incomes[0].per_capita_net:
        registry_value = incomes[0].per_capita_net
        gap = abs(Decimal(str(reported)) - registry_value) / max(registry_value, Decimal(1))
        if gap > Decimal("0.2"):
            conflicts.append(f"入户核实人均收入{reported}元与系统记录{registry_value}元相差超过20%")
    warnings = _screening_evidence(hh)
    warned = {r for w in warnings for r in w.get("risk_types", [])} & set(RECORDABLE_RISKS)
    missing = sorted(warned - set(case.risk_types))
    if missing:
        conflicts.append("部门预警的风险未在核实结果中体现：" + "、".join(RISK_LABELS[r] for r in missing))
    insecure = [
        label
        for attr, label in (
            ("compulsory_education_secure", "义务教育"),
            ("basic_medical_secure", "基本医疗"),
            ("housing_secure", "住房安全"),
            ("water_secure", "饮水安全"),
        )
        if not getattr(hh, attr)
    ]
    members = counted_members(hh)
    return {
        "gathered_on": today.isoformat(),
        "income": income,
        "threshold": jsonable(params.income_threshold),
        "warnings": warnings,
        "clues": [
            {"channel": cl.channel, "reported_on": cl.reported_on.isoformat(), "risk_types": cl.risk_types}
            for cl in case.clues.all()
        ],
        "insecure": insecure,
        "members": {
            "counted": len(members),
            "labour": sum(1 for p in members if p.labour in CAPABLE_LABOUR),
            "dibao": sum(1 for p in members if p.dibao),
            "tekun": sum(1 for p in members if p.tekun),
        },
        "conflicts": conflicts,
    }


def _screening_evidence(household: Household) -> list[dict[str, Any]]:
    """The household's three latest screening warnings, with the risk types their signals name."""
    out = []
    for w in ScreeningWarning.objects.filter(household=household).order_by("-period")[:3]:
        signals = list(w.signals or [])
        out.append(
            {
                "period": w.period,
                "risk_types": sorted(
                    {str(s["risk_type"]) for s in signals if isinstance(s, dict) and s.get("risk_type")}
                    | set(w.risk_types or [])
                ),
                "suggested_category": w.suggested_category,
                "signals": jsonable(signals),
            }
        )
    return out
