"""Reads for the field app: the worker's households as masked cards, today's work, and the version token
that each queued entry carries (docs/field.md).

Everything is scoped with ``user_household_q`` (accounts/access.py), exactly like the console and the API:
a grid worker whose region is a village group sees that group's households, one whose region is a
village sees the village. Cards carry no ID number, phone or address (masked data only).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Max
from django.utils import timezone

from shouwang.accounts.access import Forbidden, signed_in_with_region, user_household_q
from shouwang.accounts.actors import Viewer
from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.choices import RECORDABLE_RISKS, CaseKindChoices, CaseStateChoices, RiskLevelChoices
from shouwang.cases.models import Case, CaseStep, Visit
from shouwang.cases.selectors import routine_rhythm, routine_visit_next_due, visit_overdue_list
from shouwang.cases.transitions import MOVES, move_get
from shouwang.employment.choices import LabourStatusChoices
from shouwang.employment.selectors import labourers_by_household
from shouwang.field.choices import FIELD_ROLES
from shouwang.regions.choices import RegionLevelChoices
from shouwang.registry.choices import (
    HouseholdStatusChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)
from shouwang.registry.models import Household, IncomeRecord

# "Visits due" = overdue or due within this many days (R-ID-06 tiers: red weekly, yellow monthly, green
# quarterly; the intervals themselves come from the cases app's parameters).
VISIT_HORIZON_DAYS = 7
# Longer than the longest tier interval, so asking the cases selector "overdue as of today + this"
# returns every monitored case with its due date.
_ALL_DUE_DAYS = 400
MAX_CARDS = 2000
# States in which the next step is the home check (R-ID-02 step 1; R-ELIM-04).
CHECK_STATES: dict[str, str] = {
    CaseKindChoices.IDENTIFICATION: CaseStateChoices.CLUE,
    CaseKindChoices.ELIMINATION: CaseStateChoices.CANDIDATE,
}
INCOME_FIELDS = (
    "wage",
    "business",
    "property",
    "transfer",
    "business_cost",
    "compliant_self_pay",
    "insurance_claims",
)
RISK_LABELS = dict(RiskTypeChoices.choices)
ROUTINE_LABELS = {"green": "常态化走访 · 脱贫户或曾监测户", "routine": "常态化走访 · 一般农户"}


@dataclass(frozen=True)
class Version:
    """What a worker saw of a household's open case: ``case_id.case_version.last_visit_id.last_step_id``.

    An entry conflicts when the case, its version or its latest visit differ now (docs/field.md);
    ``last_step_id`` only serves to list the workflow steps taken since, for the worker to read.
    """

    case_id: int
    case_version: int
    last_visit_id: int
    last_step_id: int

    @property
    def token(self) -> str:
        return f"{self.case_id}.{self.case_version}.{self.last_visit_id}.{self.last_step_id}"

    @classmethod
    def parse(cls, token: str) -> "Version | None":
        parts = (token or "").split(".")
        if len(parts) != 4 or not all(p.isdigit() and len(p) <= 18 for p in parts):
            return None
        return cls(*(int(p) for p in parts))

    def same_record(self, other: "Version") -> bool:
        return (self.case_id, self.case_version, self.last_visit_id) == (
            other.case_id,
            other.case_version,
            other.last_visit_id,
        )


def field_user_check(user: Viewer) -> User:
    """The field app is for the people who visit households: grid workers and village cadres. Returns
    the worker (always with a region)."""
    official = signed_in_with_region(user)
    if official is None or official.role not in FIELD_ROLES:
        raise Forbidden("网格员移动端仅供网格员和村干部使用")
    return official


def case_version_get(case: Case) -> Version:
    visit = Visit.objects.filter(case=case).aggregate(m=Max("id"))["m"] or 0
    step = CaseStep.objects.filter(case=case).aggregate(m=Max("id"))["m"] or 0
    return Version(case.pk, case.version, visit, step)


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, "")) if value else ""


def _case_out(case: Case, version: Version, next_due: dt.date | None) -> dict[str, Any]:
    return {
        "id": case.pk,
        "kind": case.kind,
        "kind_label": _label(CaseKindChoices, case.kind),
        "state": case.state,
        "state_label": _label(CaseStateChoices, case.state),
        "risk_level": case.risk_level,
        "risk_level_label": _label(RiskLevelChoices, case.risk_level),
        "risk_types": list(case.risk_types),
        "risk_labels": [RISK_LABELS.get(r, r) for r in case.risk_types],
        "opened_on": case.opened_on,
        "due_on": case.due_on,
        "overdue": case.overdue,
        "green_channel": case.green_channel,
        "version": case.version,
        "base_version": version.token,
        "next_visit_due": next_due,
        "needs_authorisation": case.kind == CaseKindChoices.IDENTIFICATION,
    }


def field_cards(*, user: Viewer, household_nos: list[str] | None = None) -> tuple[list[dict[str, Any]], bool]:
    """Masked cards for the user's households (or the named ones, still region-scoped), a fixed number
    of queries whatever the count. Returns (cards, truncated)."""
    qs = (
        Household.objects.filter(user_household_q(user))
        .exclude(status=HouseholdStatusChoices.CANCELLED)
        .select_related("village")
        .order_by("group_name", "household_no")
    )
    if household_nos is not None:
        qs = qs.filter(household_no__in=household_nos)
    households = list(qs[: MAX_CARDS + 1])
    truncated = len(households) > MAX_CARDS
    households = households[:MAX_CARDS]
    ids = [h.pk for h in households]

    cases = list(Case.objects.filter(household_id__in=ids, is_open=True).order_by("id"))
    case_ids = [c.pk for c in cases]
    last_visit = dict(
        Visit.objects.filter(case_id__in=case_ids)
        .values_list("case_id")
        .annotate(m=Max("id"))
        .values_list("case_id", "m")
    )
    last_step = dict(
        CaseStep.objects.filter(case_id__in=case_ids)
        .values_list("case_id")
        .annotate(m=Max("id"))
        .values_list("case_id", "m")
    )
    last_visit_on = dict(
        Visit.objects.filter(household_id__in=ids)
        .values_list("household_id")
        .annotate(m=Max("visited_on"))
        .values_list("household_id", "m")
    )
    incomes = {
        (r.household_id, r.period): r
        for r in IncomeRecord.objects.filter(household_id__in=ids).only(
            "household_id", "period", "per_capita_net", *INCOME_FIELDS
        )
    }
    monitored = [c.pk for c in cases if c.state == CaseStateChoices.MONITORING]
    next_due: dict[int, dt.date] = {}
    if monitored:
        # The cases app's own due-date rule (R-ID-06 tier intervals from its parameters).
        horizon = clock.today() + dt.timedelta(days=_ALL_DUE_DAYS)
        next_due = {r["case_id"]: r["due_on"] for r in visit_overdue_list(user=user, today=horizon)}

    by_household: dict[int, list[Case]] = {}
    for c in cases:
        by_household.setdefault(c.household_id, []).append(c)
    # Households without an open identification case get routine visits (常态化走访) on their rhythm.
    with_case = {c.household_id for c in cases if c.kind == CaseKindChoices.IDENTIFICATION}
    routine_due = routine_visit_next_due(
        [h for h in households if h.pk not in with_case], last_visit_on, year=clock.today().year
    )

    # Members of working age with their latest monthly status (R-EMP-02), for the visit form.
    labourers = labourers_by_household(household_ids=ids, month=clock.today().strftime("%Y-%m"))

    cards = []
    for h in households:
        ident = check = None
        for c in by_household.get(h.pk, []):
            version = Version(c.pk, c.version, last_visit.get(c.pk, 0), last_step.get(c.pk, 0))
            out = _case_out(c, version, next_due.get(c.pk))
            if c.kind == CaseKindChoices.IDENTIFICATION:
                ident = out
            if CHECK_STATES.get(c.kind) == c.state:
                check = out
        income = incomes.get((h.pk, h.income_period))
        risks = (ident or check or {}).get("risk_types", [])
        cards.append(
            {
                "household_no": h.household_no,
                "head_name": h.head_name,
                "village_name": h.village.name,
                "group_name": h.group_name,
                "poverty_status": h.poverty_status,
                "poverty_status_label": _label(PovertyStatusChoices, h.poverty_status),
                "category": h.monitoring_category,
                "category_label": _label(MonitoringCategoryChoices, h.monitoring_category),
                "member_count": h.member_count,
                "risk_types": risks,
                "risk_labels": [RISK_LABELS.get(r, r) for r in risks],
                "last_visit_on": last_visit_on.get(h.pk),
                "income": (
                    {
                        "period": income.period,
                        "per_capita_net": income.per_capita_net,
                        **{f: getattr(income, f) for f in INCOME_FIELDS},
                    }
                    if income
                    else None
                ),
                "case": ident,
                "check": check,
                "routine": (
                    {"next_visit_due": routine_due[h.pk], "rhythm_label": ROUTINE_LABELS[routine_rhythm(h)]}
                    if h.pk in routine_due
                    else None
                ),
                "labourers": labourers.get(h.pk, []),
            }
        )
    return cards, truncated


def field_card_get(*, user: Viewer, household_no: str) -> dict[str, Any] | None:
    cards, _ = field_cards(user=user, household_nos=[household_no])
    return cards[0] if cards else None


def field_workload(*, user: Viewer) -> dict[str, Any]:
    """Today's work in the user's grid: visits due, home checks to do, and every household card."""
    worker = field_user_check(user)
    region = worker.region
    assert region is not None  # field_user_check admits only workers with a region
    today = clock.today()
    cards, truncated = field_cards(user=worker)
    horizon = today + dt.timedelta(days=VISIT_HORIZON_DAYS)
    due = []
    checks = []
    for card in cards:
        case = card["case"]
        if case and case["next_visit_due"] is not None and case["next_visit_due"] < horizon:
            due.append(
                {
                    "household_no": card["household_no"],
                    "due_on": case["next_visit_due"],
                    "days_overdue": (today - case["next_visit_due"]).days,
                    "risk_level": case["risk_level"],
                    "kind": "follow_up",
                }
            )
        routine = card["routine"]
        if routine and routine["next_visit_due"] < horizon:
            due.append(
                {
                    "household_no": card["household_no"],
                    "due_on": routine["next_visit_due"],
                    "days_overdue": (today - routine["next_visit_due"]).days,
                    "risk_level": "",
                    "kind": "routine",
                }
            )
        if card["check"]:
            checks.append({"household_no": card["household_no"], "due_on": card["check"]["due_on"]})
    due.sort(key=lambda d: (d["due_on"], d["household_no"]))
    checks.sort(key=lambda c: (c["due_on"] or today, c["household_no"]))
    home_check = move_get(CaseKindChoices.IDENTIFICATION, "home_check")
    return {
        "user": {
            "username": worker.get_username(),
            "name": worker.get_full_name() or worker.get_username(),
            "role": worker.role,
            "role_label": worker.get_role_display(),
            "region_code": worker.region_id,
            "region_name": region.full_name or region.name,
        },
        "today": today,
        "generated_at": timezone.now(),
        "can_home_check": home_check is not None and worker.role in home_check.roles,
        # A clue without a household is scoped by its village (see services._apply_report).
        "can_report_unregistered": region.level == RegionLevelChoices.VILLAGE,
        "visits_due": due,
        "checks": checks,
        "households": cards,
        "truncated": truncated,
        "risk_choices": [{"value": str(r.value), "label": str(r.label)} for r in RECORDABLE_RISKS],
        "risk_levels": [{"value": v, "label": str(lbl)} for v, lbl in RiskLevelChoices.choices],
        "labour_statuses": [{"value": v, "label": str(lbl)} for v, lbl in LabourStatusChoices.choices],
    }


def version_changes(*, case: Case | None, seen: Version | None) -> list[str]:
    """What happened to a case since the worker's ``seen`` version, in Chinese, for the conflict screen."""
    out: list[str] = []
    if case is None:
        out.append("该户已没有办理中的识别案件（案件已办结、不予纳入或风险已消除）")
        return out
    if seen is None or seen.case_id != case.pk:
        out.append(f"该户的案件已变为案件#{case.pk}（{_label(CaseStateChoices, case.state)}）")
        return out
    for v in Visit.objects.filter(case=case, id__gt=seen.last_visit_id).select_related("visitor"):
        who = (v.visitor.get_full_name() or v.visitor.get_username()) if v.visitor else "其他人员"
        note = f"：{v.notes[:40]}" if v.notes else ""
        out.append(f"{v.visited_on} {who} 已登记走访{note}")
    labels = {action: m.label for (kind, action), m in MOVES.items() if kind == case.kind}
    labels["clue_attach"] = "新线索并入案件"
    for s in CaseStep.objects.filter(case=case, id__gt=seen.last_step_id):
        when = timezone.localtime(s.at).strftime("%Y-%m-%d %H:%M")
        out.append(f"{when} {labels.get(s.action, s.action)}（{_label(CaseStateChoices, s.to_state)}）")
    if case.version != seen.case_version and not out:
        out.append(f"案件信息已更新（版本{seen.case_version}→{case.version}）")
    return out
