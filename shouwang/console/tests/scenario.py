"""A realistic small county for the browser tests and screenshots, built only through the real paths:
the simulator writes the files, the registry import and the feed import load them, the DuckDB engine
screens each month, and cases move through ``cases.services`` (clues from warnings, every workflow step
with its documents and dates, measures and visits) — then the statistics are refreshed.

The calendar is the real one: the simulated months end with last month, and the workflow's clock is set
back (``cases.clock.today``) while the cases are processed so that each step has its own date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image

from shouwang.accounts.models import User
from shouwang.cases import clock
from shouwang.cases.models import Case
from shouwang.cases.services import (
    IncomeInput,
    MeasureInput,
    case_document_upload,
    case_transition,
    clue_from_warning,
    plan_measures_add,
    visit_record,
)
from shouwang.channels.services import self_report_submit
from shouwang.common.errors import InputRefused
from shouwang.console.household import household_evidence_get
from shouwang.console.stats import stats_refresh
from shouwang.exchange.choices import FEED_KINDS
from shouwang.exchange.registry_import import registry_import
from shouwang.exchange.services import feed_batch_ingest
from shouwang.registry.models import Household
from shouwang.screening.models import Warning
from shouwang.screening.services import screening_run
from shouwang.simulator.services import simulation_run, simulation_validate
from shouwang.testing.builders import make_user


def _jpeg_bytes() -> bytes:
    """A real (decodable) JPEG: uploads are checked by decoding them."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (180, 40, 40)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg_bytes()
COUNTY = "530326"
# The procedure in order: how far each showcase case is taken (R-ID-02).
STAGES = [
    "clue",
    "home_check",
    "compare",
    "village_review",
    "notice_start",
    "township_review",
    "county_approve",
    "announce",
    "enter_monitoring",
]


# Days after the first clue on which each step is done: the whole procedure within 14 days (R-ID-03).
OFFSETS = [
    ("home_check", 1),
    ("compare", 3),
    ("village_review", 5),
    ("notice_start", 6),
    ("township_review", 12),
    ("county_approve", 13),
    ("announce", 14),
    ("enter_monitoring", 14),
]


@dataclass
class Scenario:
    periods: list[str]
    county_user: User
    users: dict[str, User] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    showcase_case: Case | None = None
    showcase_household: Household | None = None


def _month_shift(day: dt.date, months: int) -> str:
    n = day.year * 12 + day.month - 1 + months
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


class _Clock:
    """Set the workflow's "today" (cases.clock) for the steps of one case, then restore it."""

    def __init__(self) -> None:
        self.original = clock.today

    def set(self, day: dt.date) -> None:
        clock.today = lambda: day  # type: ignore[assignment]

    def restore(self) -> None:
        clock.today = self.original  # type: ignore[assignment]


NAMES = [
    "张建华",
    "李春梅",
    "王志强",
    "赵丽萍",
    "刘国平",
    "陈秀英",
    "杨德明",
    "黄晓燕",
    "周文斌",
    "吴玉兰",
    "徐海涛",
    "孙红艳",
    "马建国",
    "朱凤仙",
]


def _user(role: str, code: str, users: dict[str, User]) -> User:
    key = f"{role}:{code}"
    if key not in users:
        name = NAMES[len(users) % len(NAMES)]
        users[key] = make_user(role, code, username=f"{role}_{code}", display_name=name)
    return users[key]


def _step(case: Case, action: str, actor: User, **data: Any) -> Case:

    case.refresh_from_db()
    return case_transition(case=case, action=action, actor=actor, data=data, expected_version=case.version)


def _advance(case: Case, stage: str, day0: dt.date, users: dict[str, User], clk: _Clock) -> Case:
    """Take a case from ``clue`` up to and including ``stage``, each step on its own date."""

    hh = case.household
    village = _user("village", hh.village_id, users)
    township = _user("township", hh.township_code, users)
    county = _user("county", hh.county_code, users)
    risks = [r for r in case.risk_types if r != "low_income"] or ["other"]
    actors = {
        "home_check": village,
        "compare": township,
        "village_review": village,
        "notice_start": village,
        "township_review": township,
        "county_approve": county,
        "announce": township,
        "enter_monitoring": township,
    }
    for action, offset in OFFSETS:
        actor = actors[action]
        if STAGES.index(action) > STAGES.index(stage):
            break
        day = day0 + dt.timedelta(days=offset)
        clk.set(day)
        data: dict[str, Any] = {}
        if action == "home_check":
            doc = case_document_upload(
                case=case,
                actor=actor,
                kind="authorisation",
                filename="申请及承诺授权查询书.jpg",
                content=JPEG,
            )
            data = {
                "checked_on": day,
                "authorisation_document_id": doc.pk,
                "risk_types": risks,
                "findings": "入户核实：家庭收入下降，医疗支出较大，情况属实。",
            }
        elif action == "compare":
            data = {"compared_on": day, "conflicts_note": "已与部门数据逐项核对，收入与入户核实一致。"}
        elif action == "village_review":
            data = {
                "reviewed_on": day,
                "attendance": 23,
                "votes_for": 21,
                "votes_against": 1,
                "result": "passed",
            }
        elif action == "notice_start":
            data = {"started_on": day, "place": "村委会公示栏"}
        elif action == "township_review":
            data = {"notice_ended_on": day - dt.timedelta(days=1), "reviewed_on": day, "opinion": "同意纳入"}
        elif action == "county_approve":
            category = "unstable" if hh.poverty_status == "former_poor" else "marginal"
            data = {
                "approved_on": day,
                "category": category,
                "risk_types": risks,
                "risk_level": "yellow",
                "risk_remark": "其他困难" if "other" in risks else "",
            }
        elif action == "announce":
            data = {"announced_on": day}
        case = _step(case, action, actor, **data)
    return case


def build_county(*, out: Path, households: int = 1000, months: int = 6, seed: int = 5) -> Scenario:
    """Simulate, import, screen every month, process cases, refresh the statistics."""

    today = clock.today()
    start = _month_shift(today, -months)
    params = simulation_validate(
        households=households, months=months, seed=seed, out=out, start=start, force=True
    )
    simulation_run(params=params)
    reg = out / "registry"
    registry_import(
        paths=[reg / "households.csv", reg / "persons.csv", reg / "incomes.csv"], actor="cli:test"
    )
    periods = [_month_shift(today, m) for m in range(-months, 0)]
    for period in periods:
        folder = out / "feeds" / period
        for kind in FEED_KINDS:
            path = folder / f"{kind}.csv"
            if path.exists():
                feed_batch_ingest(kind=kind, path=path, period=period, actor="cli:test")
        screening_run(user=None, period=period)

    users: dict[str, User] = {}
    county_user = _user("county", COUNTY, users)
    # Cases from the month before last were handled during the last screened month (decided in it);
    # cases from the last month's warnings are in progress now, one of them overdue.
    first_of_last = dt.date(int(periods[-1][:4]), int(periods[-1][5:7]), 1)
    done = _pick(periods[-2], 4, members=3)
    ongoing = _pick(periods[-1], 10, exclude={w.household_id for w in done})
    clk = _Clock()
    cases: list[Case] = []
    try:
        for i, warning in enumerate(done):
            day0 = first_of_last + dt.timedelta(days=2 + i)
            case = _open(warning, day0, users, clk)
            case = _advance(case, "enter_monitoring", day0, users, clk)
            _assist(case, day0, today, users, clk)
            cases.append(case)
        for i, warning in enumerate(ongoing):
            stage = STAGES[i % (len(STAGES) - 1)]
            offset = dict(OFFSETS).get(stage, 0)
            # Within the 15-day limit (R-ID-03), except the first one: found three weeks ago, still a clue.
            day0 = today - dt.timedelta(days=21 if i == 0 else offset + 1)
            if stage == "notice_start":
                day0 = today - dt.timedelta(days=12)  # the notice has run its five days: township review next
            case = _open(warning, day0, users, clk)
            cases.append(_advance(case, stage, day0, users, clk))
    finally:
        clk.restore()
    for c in cases:
        c.refresh_from_db()
    if cases:
        village = cases[0].household.village_id
        self_report_submit(
            village_code=village,
            difficulty="medical_bills",
            subject_name="杨秀芬",
            contact_phone="13912345678",
            description="家人住院，自付医疗费用较多，申请帮扶。",
        )
    stats_refresh(reason="测试场景")
    showcase = next((c for c in cases if c.state == "public_notice"), cases[-1] if cases else None)
    return Scenario(
        periods=periods,
        county_user=county_user,
        users=users,
        cases=cases,
        showcase_case=showcase,
        showcase_household=_richest([c.household for c in cases if c.state == "monitoring"]),
    )


def _pick(period: str, n: int, *, members: int = 1, exclude: set[int] | None = None) -> list[Any]:
    """The period's highest-scoring new or persisting warnings, households of at least ``members``."""

    qs = (
        Warning.objects.filter(
            period=period,
            status__in=["new", "persisting"],
            household__isnull=False,
            household__registered_count__gte=members,
        )
        .exclude(household_id__in=exclude or set())
        .select_related("household")
        .order_by("-score", "household_no")
    )
    return list(qs[:n])


def _open(warning: Any, day0: dt.date, users: dict[str, User], clk: _Clock) -> Case:

    clk.set(day0)
    clue = clue_from_warning(warning=warning, actor=_user("village", warning.household.village_id, users))
    assert clue.case is not None
    return clue.case


def _assist(case: Case, day0: dt.date, today: dt.date, users: dict[str, User], clk: _Clock) -> None:
    """Measures (一户一策) once monitored, and two follow-up visits with the yearly income updated."""

    hh = case.household
    township = _user("township", hh.township_code, users)
    village = _user("village", hh.village_id, users)
    start = day0 + dt.timedelta(days=15)
    clk.set(start)
    labour = hh.members.filter(labour__in=["skilled", "ordinary", "weak"]).first()
    measures = [
        MeasureInput(
            measure_type="100A40",
            item="skill_training",
            start_on=start,
            description="务工技能培训",
            person_id=labour.pk if labour else None,
        ),
        MeasureInput(
            measure_type="100A45",
            item="medical_premium_subsidy",
            start_on=start,
            description="城乡居民医保个人缴费补贴",
            amount=Decimal("380"),
        ),
        MeasureInput(
            measure_type="100A39", start_on=start, description="发展中药材种植2亩", amount=Decimal("3000")
        ),
    ]
    with contextlib.suppress(InputRefused):  # a plan the rules refuse for this household is left out
        plan_measures_add(case=case, actor=township, measures=measures)
    latest = hh.incomes.order_by("-period").first()
    base = latest.wage + latest.business if latest else Decimal(6000)
    for days, factor in ((18, None), ((today - day0).days - 1, Decimal("1.18"))):
        on = day0 + dt.timedelta(days=days)
        clk.set(on)
        income = None
        if factor is not None:
            income = IncomeInput(
                period=f"{on.year:04d}-{on.month:02d}",
                wage=(base * factor).quantize(Decimal("1")),
                business=Decimal(2400),
                property=Decimal(0),
                transfer=Decimal(1800),
                business_cost=Decimal(900),
            )
        visit_record(
            case=case,
            actor=village,
            visited_on=on,
            notes="走访：帮扶措施已落实，务工收入稳定，医疗费用已报销。"
            if factor
            else "走访：已推荐县内务工，正在对接。",
            income=income,
        )


def _richest(households: list[Household]) -> Household | None:
    """The monitored household with the most department evidence in the lake (the page has most to show)."""

    if not households:
        return None
    return max(households, key=lambda h: (len(household_evidence_get(household=h)), h.registered_count))
