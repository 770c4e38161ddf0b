"""Two years of monitoring and assistance work in the demo county, driven through the real services
(docs/demo.md, decision 0410).

``shouwang demo`` calls ``CountyActivity.month(period)`` right after it has imported and screened
``period``: the staff then work that month's warnings during the following month (the "work month"),
with the workflow's clock (``cases.clock.today``) set to the day of each action, so every step, plan,
visit and decision carries a plausible date and the registry holds only what was known that day.

What happens is decided by ``random.Random(seed)`` and stable orderings (household numbers, primary
keys), so the same seed gives the same county. Every action goes through the service an official
would use from the console (``cases.services``, ``channels.services``); a refusal is counted and
reported, never worked around. The actors are real accounts: the demo's own (xian, xiang, cun,
wangge) and one township and one village account for each village of the work area.
"""

import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count
from PIL import Image

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.accounts.services import user_create
from shouwang.cases import clock
from shouwang.cases.choices import CaseKindChoices, CaseStateChoices
from shouwang.cases.models import AssistancePlan, Case, Clue, Helper, Measure, Visit
from shouwang.cases.parameters import params_get
from shouwang.cases.selectors import routine_rhythm
from shouwang.cases.services import (
    CaseConflict,
    HelperInput,
    IncomeInput,
    MeasureInput,
    case_document_upload,
    case_escalate_overdue,
    case_transition,
    clue_from_warning,
    clue_household_resolve,
    clue_submit,
    elimination_refusals,
    household_visit_record,
    plan_contact_set,
    plan_measures_add,
    visit_record,
)
from shouwang.channels.choices import DepartmentItemChoices, FilingModeChoices, HotlineKindChoices
from shouwang.channels.models import HotlineCall, SelfReport
from shouwang.channels.services import (
    hotline_call_close,
    hotline_call_record,
    self_report_confirm,
    self_report_escalate_overdue,
    self_report_record,
    self_report_respond,
    self_report_validate,
)
from shouwang.common import crypto
from shouwang.common.errors import InputRefused
from shouwang.employment.selectors import household_work_facts
from shouwang.regions.models import Region
from shouwang.registry.choices import CAPABLE_LABOUR, COUNTED_RESIDENCE, EliminationModeChoices
from shouwang.registry.models import Household, IncomeRecord
from shouwang.screening.models import Warning

# Days after the first clue on which each identification step is done (R-ID-02 within the 15 days of
# R-ID-03; the notice runs five calendar days, days 6–10).
ID_STEPS = [
    ("home_check", 1),
    ("compare", 3),
    ("village_review", 5),
    ("notice_start", 6),
    ("township_review", 11),
    ("county_approve", 12),
    ("announce", 13),
    ("enter_monitoring", 13),
]
# The elimination procedure (R-ELIM-04), days after the proposal.
ELIM_STEPS = [
    ("home_check", 2),
    ("village_review", 4),
    ("notice_start", 5),
    ("township_review", 10),
    ("county_approve", 11),
    ("announce", 12),
]
EXIT_ROTATION = ["assisted", "", "assisted", "natural", "", "assisted", ""]
STALL_DAYS = 19  # a stalled case's first step comes after the 15-day limit: overdue and escalated
WORK_VILLAGES = 8  # villages of the work area besides the demo village cadre's own (in two townships)
HELPER_UNITS = [
    "会泽县农业农村局",
    "会泽县人力资源和社会保障局",
    "会泽县教育体育局",
    "会泽县卫生健康局",
    "会泽县住房和城乡建设局",
    "会泽县水务局",
    "曲靖市驻村工作队",
    "会泽县供销合作社",
]
ROUTINE_NOTES = [
    "常态化走访：家庭生产生活正常，无新增风险。",
    "常态化走访：了解务工和收入情况，宣传防返贫政策和申报渠道。",
    "常态化走访：老人身体状况稳定，子女按时上学。",
    "常态化走访：住房、饮水安全，医保已参保缴费。",
]
HELPER_NAMES = ["李文华", "张永红", "王建平", "赵春燕", "刘志刚", "陈丽芬", "杨开明", "周云秀", "马国富"]
REPORT_ITEMS = {
    "生活困难": DepartmentItemChoices.BASIC_LIVING,
    "就业困难": DepartmentItemChoices.UNEMPLOYMENT,
    "教育困难": DepartmentItemChoices.EDUCATION_FEES,
    "医疗困难": DepartmentItemChoices.MEDICAL_BILLS,
    "住房困难": DepartmentItemChoices.UNSAFE_HOUSE,
    "饮水困难": DepartmentItemChoices.WATER_OUTAGE,
}
REJECT_REASONS = [
    "入户核实：家庭经营收入稳定，人均纯收入高于监测范围，不符合纳入条件",
    "入户核实：预警所涉医疗费用已由医保和大病保险报销，家庭无返贫致贫风险",
    "入户核实：子女已稳定就业，家庭收入足以保障基本生活",
]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 180, 150)).save(buf, "JPEG")
    return buf.getvalue()


def _add_months(period: str, n: int) -> str:
    k = int(period[:4]) * 12 + int(period[5:7]) - 1 + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def _day(period: str, day: int) -> dt.date:
    return dt.date(int(period[:4]), int(period[5:7]), day)


@dataclass
class Track:
    """The demo's plan for one monitored household: when it is visited, whether its income recovers."""

    case_id: int
    exit_mode: str  # "assisted", "natural" or "" (stays monitored)
    next_visit: dt.date
    visits: int = 0
    green_after: int = 3  # visits before the tier drops to green (quarterly)


class CountyActivity:
    def __init__(self, *, seed: int, last_period: str, sim_channels: Any = None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.last_period = last_period
        self.sim_channels = sim_channels  # Path of the simulator's channels/ folder, or None
        self.jpeg = _jpeg()
        self.refusals: list[str] = []
        self.tracks: dict[int, Track] = {}
        self.handled: set[int] = set()
        self.rolled_back = False
        self.users: dict[str, User] = {}
        self.created_users = 0
        self.villages: list[str] = []
        self.original_today = clock.today

    # ------------------------------------------------------------------ set-up
    def prepare(
        self,
        *,
        county: str,
        county_user: str,
        demo_village_user: str,
        demo_township_user: str,
        password: str,
    ) -> None:
        """The work area: the demo village cadre's village and the county's most populous villages, each
        with its village and township staff accounts (created like the demo's own)."""
        self.password = password
        self.county = User.objects.get(username=county_user)
        cun = User.objects.get(username=demo_village_user)
        village_code = cun.region_code
        xiang = User.objects.get(username=demo_township_user)
        self.users[f"village:{village_code}"] = cun
        self.users[f"township:{xiang.region_code}"] = xiang
        # Two townships (the demo's own and the most populous), so that few accounts cover many households.
        township = (
            Household.objects.filter(county_code=county)
            .values("township_code")
            .annotate(n=Count("id"))
            .order_by("-n", "township_code")
            .values_list("township_code", flat=True)
            .first()
        )
        busiest = (
            Household.objects.filter(township_code__in=[xiang.region_code, township or ""])
            .values("village_id")
            .annotate(n=Count("id"))
            .order_by("-n", "village_id")
            .values_list("village_id", flat=True)[:WORK_VILLAGES]
        )
        self.villages = sorted({village_code, *busiest})
        self.grid = User.objects.filter(role=RoleChoices.GRID, region__code__startswith=village_code).first()
        for v in self.villages:
            self._staff(RoleChoices.VILLAGE, v)
            self._staff(RoleChoices.TOWNSHIP, v[:9])

    def _staff(self, role: str, code: str) -> User:
        key = f"{role}:{code}"
        if key in self.users:
            return self.users[key]
        prefix = "cun" if role == RoleChoices.VILLAGE else "xiang"
        username = f"{prefix}-{code}"
        user = User.objects.filter(username=username).first()
        if user is None:
            name = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
            label = "村干部" if role == RoleChoices.VILLAGE else "乡镇工作人员"
            user = user_create(
                actor="demo",
                username=username,
                role=role,
                region_code=code,
                password=self.password,
                display_name=f"{label}（{name}）",
            )
            self.created_users += 1
        self.users[key] = user
        return user

    def village_user(self, hh: Household) -> User:
        return self.users[f"village:{hh.village_id}"]

    def township_user(self, hh: Household) -> User:
        return self.users[f"township:{hh.township_code}"]

    def visitor(self, hh: Household) -> User:
        if self.grid is not None and hh.group_id and hh.group_id.startswith(self.grid.region_code):
            return self.grid
        return self.village_user(hh)

    # ------------------------------------------------------------------ helpers
    def at(self, day: dt.date) -> None:
        clock.today = lambda: day  # type: ignore[assignment]

    def restore(self) -> None:
        clock.today = self.original_today  # type: ignore[assignment]

    def attempt(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one service call; a refusal is recorded (the demo must not work around the rules)."""
        try:
            return fn(*args, **kwargs)
        except (InputRefused, Forbidden, NotFound, CaseConflict) as exc:
            self.refusals.append(f"{what}：{exc}")
            return None

    def step(self, case: Case, action: str, actor: User, day: dt.date, **data: Any) -> Case | None:
        self.at(day)
        case.refresh_from_db()
        return self.attempt(
            f"案件#{case.pk} {action}",
            case_transition,
            case=case,
            action=action,
            actor=actor,
            data=data,
            expected_version=case.version,
        )

    def in_area(self, hh: Household | None) -> bool:
        return hh is not None and hh.village_id in self.villages

    # ------------------------------------------------------------------ one month
    def month(self, period: str) -> None:
        """Work the warnings of ``period`` (just screened) during the following month."""
        work = _add_months(period, 1)
        final = period == self.last_period
        # One transaction per month: each service's own atomic block becomes a savepoint (a refusal still
        # rolls back just that action), and the month is committed once instead of a few hundred times.
        try:
            with transaction.atomic():
                self.self_reports(period)
                opened = self.intake(period, work, final)
                self.follow_up(work, final)
                self.routine_visits(work)
                self.answer_reports(period, work)
                self.hotline(work)
                for case, day0, plan in self.fates(opened, final):
                    self.identify(case, day0, plan)
                self.at(_day(work, 28))
                self.attempt("督办", case_escalate_overdue, today=_day(work, 28))
                self.attempt("申报督办", self_report_escalate_overdue, today=_day(work, 28))
        finally:
            self.restore()

    def intake(self, period: str, work: str, final: bool) -> list[tuple[Case, dt.date]]:
        """Verify most of the month's new warnings in the work area (R-WARN-02 → R-ID-01), plus clues
        from the cadres' own rounds (in the last month enough of them for a case at every step)."""
        warnings = list(
            Warning.objects.filter(period=period, status="new", village_code__in=self.villages)
            .exclude(household__isnull=True)
            .select_related("household")
            .order_by("-score", "household_no")
        )
        chosen = [w for w in warnings if self.rng.random() < 0.8]
        opened: list[tuple[Case, dt.date]] = []
        for i, w in enumerate(chosen):
            hh = w.household
            assert hh is not None
            if Case.objects.filter(household=hh, is_open=True).exists():
                continue
            day0 = _day(work, 2 + (i * 3) % 13)
            self.at(day0)
            clue = self.attempt(
                f"预警{w.household_no}转线索",
                clue_from_warning,
                warning=w,
                actor=self.village_user(hh),
            )
            if clue is not None and clue.case is not None:
                opened.append((clue.case, day0))
        # Clues from the cadres' own rounds (基层干部排查, "政府找"); on the green channel when a sudden
        # disaster or accident hit (R-ID-05).
        extra = 1 + (self.rng.random() < 0.5) + (10 if final else 0)
        for hh in self.free_households(extra):
            green = self.rng.random() < 0.25 and not final
            day0 = _day(work, 1 + self.rng.randrange(12))
            self.at(day0)
            risks = (
                ["disaster"] if green else [self.rng.choice(["illness", "unstable_employment", "education"])]
            )
            clue = self.attempt(
                f"排查线索{hh.household_no}",
                clue_submit,
                actor=self.village_user(hh),
                channel="cadre_visit",
                household=hh,
                risk_types=risks,
                description="暴雨致房屋受损，庄稼绝收" if green else "入户排查发现家庭收入明显下降",
                reported_on=day0,
                green_channel=green,
            )
            if clue is not None and clue.case is not None:
                if green:
                    self.green_plan(clue.case, day0)
                opened.append((clue.case, day0))
        opened.sort(key=lambda x: (x[1], x[0].pk))
        return opened

    def fates(self, opened: list[tuple[Case, dt.date]], final: bool) -> list[tuple[Case, dt.date, str]]:
        """How far each case not yet worked goes. In the last month, the work in hand when the demo stops:
        a case at every step, one stalled past the limit."""
        out = []
        stages = ["clue-stalled", "clue", *(s for s, _ in ID_STEPS)]
        pending = [(c, d) for c, d in opened if c.pk not in self.handled]
        for i, (case, day0) in enumerate(pending):
            r = self.rng.random()
            if final:
                plan = stages[i % len(stages)]
            elif r < 0.10:
                plan = "reject-home"
            elif r < 0.15:
                plan = "reject-review"
            elif r < 0.25:
                plan = "stalled"
            else:
                plan = "monitor"
            out.append((case, day0, plan))
        return out

    def free_households(self, n: int) -> list[Household]:
        """Households of the work area with no case yet, in a seeded order."""
        qs = (
            Household.objects.filter(village_id__in=self.villages, cases__isnull=True)
            .order_by("household_no")
            .values_list("pk", flat=True)
        )
        pks = list(qs)
        self.rng.shuffle(pks)
        return list(Household.objects.filter(pk__in=pks[:n]).order_by("household_no"))

    # ------------------------------------------------------------------ identification
    def identify(self, case: Case, day0: dt.date, plan: str) -> None:
        if case.pk in self.handled:
            return  # a second clue joined the case (R-ID-01): it is worked once
        self.handled.add(case.pk)
        hh = case.household
        village, township = self.village_user(hh), self.township_user(hh)
        shift = 0
        if plan in ("stalled", "clue-stalled"):
            self.at(case.due_on + dt.timedelta(days=1) if case.due_on else day0)
            self.attempt("督办", case_escalate_overdue, today=clock.today())
            if plan == "clue-stalled":
                return
            shift = STALL_DAYS - 1
        if plan == "clue":
            return
        risks = [r for r in case.risk_types if r != "low_income"] or ["other"]
        last = plan if plan in dict(ID_STEPS) else "enter_monitoring"
        for action, offset in ID_STEPS:
            day = day0 + dt.timedelta(days=offset + shift)
            actor = {"home_check": village, "village_review": village, "notice_start": village}.get(
                action, self.county if action == "county_approve" else township
            )
            if action == "home_check":
                self.at(day)
                doc = self.attempt(
                    "上传授权书",
                    case_document_upload,
                    case=case,
                    actor=village,
                    kind="authorisation",
                    filename="申请及承诺授权查询书.jpg",
                    content=self.jpeg,
                )
                if plan == "reject-home":
                    self.step(case, "reject", village, day, reason=self.rng.choice(REJECT_REASONS))
                    return
                data: dict[str, Any] = {
                    "checked_on": day,
                    "authorisation_document_id": doc.pk if doc else None,
                    "risk_types": risks,
                    "findings": "入户核实：情况属实，家庭收入下降，支出增加。",
                }
            elif action == "compare":
                data = {"compared_on": day, "conflicts_note": "已与部门数据逐项核对，以入户核实情况为准。"}
            elif action == "village_review":
                against = 15 if plan == "reject-review" else self.rng.randrange(0, 3)
                votes_for = 6 if plan == "reject-review" else 18 + self.rng.randrange(6)
                data = {
                    "reviewed_on": day,
                    "attendance": votes_for + against + 1,
                    "votes_for": votes_for,
                    "votes_against": against,
                    "result": "failed" if plan == "reject-review" else "passed",
                }
            elif action == "notice_start":
                data = {"started_on": day, "place": "村委会公示栏"}
            elif action == "township_review":
                data = {
                    "notice_ended_on": day - dt.timedelta(days=1),
                    "reviewed_on": day,
                    "opinion": "同意纳入监测",
                }
            elif action == "county_approve":
                data = {
                    "approved_on": day,
                    "category": "unstable" if hh.poverty_status == "former_poor" else "marginal",
                    "risk_types": risks,
                    "risk_remark": "其他困难" if "other" in risks else "",
                }
            elif action == "announce":
                data = {"announced_on": day}
            else:
                data = {}
            moved = self.step(case, action, actor, day, **data)
            if moved is None or moved.state == CaseStateChoices.REJECTED or action == last:
                if moved is not None and moved.state == CaseStateChoices.MONITORING:
                    self.monitored(moved, day)
                return
            case = moved

    def monitored(self, case: Case, day: dt.date) -> None:
        """A household entered monitoring: its plan (一户一策) and the demo's plan for its future."""
        if not case.green_channel:
            self.plan(case, day + dt.timedelta(days=1))
        # Most households recover with the help (帮扶消除 after six months), a few on their own (自然消除),
        # the rest stay monitored: a fixed rotation, so even a small county shows each outcome.
        mode = EXIT_ROTATION[len(self.tracks) % len(EXIT_ROTATION)]
        self.tracks[case.pk] = Track(
            case_id=case.pk,
            exit_mode=mode,
            next_visit=day + dt.timedelta(days=7 if case.risk_level == "red" else 20),
            green_after=2 + self.rng.randrange(3),
        )

    def measures(self, case: Case, day: dt.date) -> list[MeasureInput]:
        """Measures by national code (R-AID-04) that the plan checks accept: a development measure when
        somebody can work (R-AID-01), a matching measure for every recorded risk (R-AID-05)."""
        hh = case.household
        members = [p for p in hh.members.all() if p.residence in COUNTED_RESIDENCE]
        workers = [p for p in members if p.labour in CAPABLE_LABOUR]
        out: list[MeasureInput] = []
        if workers:
            w = workers[0]
            age = (day - w.birth_date).days // 365
            # R-AID-05: employment and post measures only where the facts show work (decision 0513).
            facts = household_work_facts(household_id=hh.pk, month=day.strftime("%Y-%m"))
            pick = self.rng.random()
            if pick < 0.2 and 16 <= age < 70 and w.pk in facts.working and w.pk not in facts.out_of_county:
                out.append(
                    MeasureInput(
                        "100A42",
                        day,
                        description="村级公益性岗位（护林员）",
                        person_id=w.pk,
                        amount=Decimal(6000),
                    )
                )
            elif pick < 0.35 and 18 <= age <= 65:
                out.append(
                    MeasureInput(
                        "100A41",
                        day,
                        item="microcredit",
                        description="脱贫人口小额信贷",
                        person_id=w.pk,
                        amount=Decimal(40000),
                        loan_term_months=36,
                        subsidised=True,
                    )
                )
            elif pick < 0.55 or not facts.working:
                out.append(MeasureInput("100A39", day, description="发展中药材种植", amount=Decimal(3000)))
                if pick >= 0.55:
                    out.append(MeasureInput("100A40", day, item="skill_training", description="务工技能培训"))
            elif facts.out_of_county:
                out.append(
                    MeasureInput(
                        "100A40",
                        day,
                        item="migrant_subsidy",
                        description="外出务工交通补助",
                        person_id=min(facts.out_of_county),
                        amount=Decimal(500),
                    )
                )
            else:
                out.append(
                    MeasureInput("100A40", day, description="稳岗就业服务", person_id=min(facts.working))
                )
        else:
            out.append(MeasureInput("100A48", day, item="dibao", description="纳入农村低保"))
        by_risk = {
            "illness": MeasureInput(
                "100A45",
                day,
                item="medical_premium_subsidy",
                description="医保个人缴费补贴",
                amount=Decimal(380),
            ),
            "education": MeasureInput("100A46", day, description="义务教育阶段控辍保学、生活补助"),
            "disability": MeasureInput(
                "100A48", day, item="disability_allowance", description="残疾人两项补贴"
            ),
            "housing": MeasureInput("100A50", day, description="农村危房改造"),
            "water": MeasureInput("100A51", day, description="农村供水保障工程入户"),
            "disaster": MeasureInput("100A52", day, description="受灾临时救助"),
            "accident": MeasureInput("100A52", day, description="意外事故临时救助"),
        }
        for risk in case.risk_types:
            if risk in by_risk and all(m.measure_type != by_risk[risk].measure_type for m in out):
                out.append(by_risk[risk])
        return out

    def helper(self, day: dt.date) -> HelperInput:
        phone = "13" + "".join(str(self.rng.randrange(10)) for _ in range(9))
        return HelperInput(
            name=self.rng.choice(HELPER_NAMES),
            unit=self.rng.choice(HELPER_UNITS),
            start_on=day,
            phone=phone,
        )

    def plan(self, case: Case, day: dt.date) -> None:
        self.at(day)
        actor = self.township_user(case.household)
        helper = self.helper(day)
        added = self.attempt(
            f"案件#{case.pk}帮扶计划",
            plan_measures_add,
            case=case,
            actor=actor,
            measures=self.measures(case, day),
            helpers=[helper],
        )
        if added is not None and self.rng.random() < 0.6:
            # Most townships name the monitoring contact (监测联系人) with the plan; the others at the
            # elimination's county approval (R-AID-03, R-ELIM-06).
            self.attempt(
                f"案件#{case.pk}监测联系人",
                plan_contact_set,
                case=case,
                actor=actor,
                name=helper.name,
                phone=helper.phone,
            )

    def green_plan(self, case: Case, day: dt.date) -> None:
        """R-ID-05: measures first, the procedure after."""
        self.plan(case, day)

    # ------------------------------------------------------------------ follow-up and elimination
    def follow_up(self, work: str, final: bool) -> None:
        start, end = _day(work, 1), _day(work, 28)
        for case_id in sorted(self.tracks):
            track = self.tracks[case_id]
            case = Case.objects.select_related("household").get(pk=case_id)
            if case.state != CaseStateChoices.MONITORING or not case.is_open:
                continue
            while track.next_visit <= end:
                day = max(track.next_visit, start)
                self.visit(case, track, day)
                case.refresh_from_db()
                track.next_visit = day + dt.timedelta(
                    days=params_get(region_code=case.household.village_id, year=day.year).visit_days(
                        case.risk_level
                    )
                )
            self.maybe_eliminate(case, track, _day(work, 3 + case_id % 9), final)
        self.maybe_rollback(work)

    def income(self, case: Case, track: Track, day: dt.date) -> IncomeInput | None:
        """The 12-month income as the visit finds it: recovering households above the line (R-ELIM-01)."""
        hh = case.household
        latest = IncomeRecord.objects.filter(household=hh).order_by("-period").first()
        if latest is None:
            return None
        threshold = params_get(region_code=hh.village_id, year=day.year).income_threshold or Decimal(8700)
        members = max(latest.members_counted or 1, 1)
        other = latest.business + latest.property + latest.transfer - latest.business_cost
        if track.exit_mode and track.visits >= (1 if track.exit_mode == "natural" else 3):
            target = threshold * Decimal("1.25") * members
            wage = max(latest.wage, target - other).quantize(Decimal(1))
        else:
            wage = (latest.wage * Decimal("1.03")).quantize(Decimal(1))
        return IncomeInput(
            period=day.strftime("%Y-%m"),
            wage=wage,
            business=latest.business,
            property=latest.property,
            transfer=latest.transfer,
            business_cost=latest.business_cost,
            compliant_self_pay=latest.compliant_self_pay,
            insurance_claims=latest.insurance_claims,
        )

    def visit(self, case: Case, track: Track, day: dt.date) -> None:
        self.at(day)
        track.visits += 1
        level = ""
        if case.risk_level == "red" and track.visits >= 4:
            level = "yellow"
        elif case.risk_level == "yellow" and not track.exit_mode and track.visits >= track.green_after:
            level = "green"
        with_income = (track.exit_mode != "" and track.visits >= 1) or track.visits % 4 == 0
        income = self.income(case, track, day) if with_income else None
        actor = self.visitor(case.household)
        self.attempt(
            f"案件#{case.pk}走访",
            visit_record,
            case=case,
            actor=actor,
            visited_on=day,
            notes="走访：帮扶措施落实到位，家庭生产生活正常。" if income else "走访：了解近况，宣传政策。",
            risk_level=level,
            income=income,
        )

    def maybe_eliminate(self, case: Case, track: Track, day: dt.date, final: bool) -> None:
        if not track.exit_mode or case.household.risk_eliminated_on:
            return
        if Case.objects.filter(
            household=case.household, kind=CaseKindChoices.ELIMINATION, is_open=True
        ).exists():
            return
        if elimination_refusals(case=case, mode=track.exit_mode, on=day):
            return  # not (yet) eligible: the next month's visits may change that
        township, village = self.township_user(case.household), self.village_user(case.household)
        moved = self.step(case, "propose_elimination", township, day, mode=track.exit_mode, proposed_on=day)
        if moved is None:
            return
        child = Case.objects.get(household=case.household, kind=CaseKindChoices.ELIMINATION, is_open=True)
        stop = self.rng.randrange(len(ELIM_STEPS) + 1) if final else len(ELIM_STEPS)
        for action, offset in ELIM_STEPS[:stop]:
            d = day + dt.timedelta(days=offset)
            by_action: dict[str, dict[str, Any]] = {
                "home_check": {
                    "checked_on": d,
                    "findings": "入户核实：收入稳定超过监测范围，两不愁三保障巩固。",
                },
                "village_review": {
                    "reviewed_on": d,
                    "attendance": 21,
                    "votes_for": 20,
                    "votes_against": 0,
                    "result": "passed",
                },
                "notice_start": {"started_on": d, "place": "村委会公示栏"},
                "township_review": {
                    "notice_ended_on": d - dt.timedelta(days=1),
                    "reviewed_on": d,
                    "opinion": "同意标注风险消除",
                },
                "county_approve": {"approved_on": d, **self.contact_for(case.household)},
                "announce": {"announced_on": d},
            }
            data = by_action[action]
            actor = (
                village
                if action in ("home_check", "village_review", "notice_start")
                else (self.county if action == "county_approve" else township)
            )
            moved = self.step(child, action, actor, d, **data)
            if moved is None:
                return
            child = moved

    def contact_for(self, hh: Household) -> dict[str, str]:
        """The monitoring contact the county names with its approval when the plan has none (R-ELIM-06)."""
        if AssistancePlan.objects.filter(household=hh).exclude(contact_name="").exists():
            return {}
        phone = "13" + "".join(str(self.rng.randrange(10)) for _ in range(9))
        return {"contact_name": self.rng.choice(HELPER_NAMES), "contact_phone": phone}

    def routine_visits(self, work: str) -> None:
        """常态化走访 (R-ID-06, R-NRM-06) in the last four work months: the grid worker and the village cadres
        visit the area's households without an open case — 脱贫户 and formerly monitored households about once
        a quarter, the others about half of them in these months — so the console's routine lists hold
        recent visits, visits falling due and a few overdue ones."""
        months = [_add_months(self.last_period, k) for k in (-2, -1, 0, 1)]
        if work not in months:
            return
        open_case = Case.objects.filter(kind=CaseKindChoices.IDENTIFICATION, is_open=True).values(
            "household_id"
        )
        households = (
            Household.objects.filter(village_id__in=self.villages)
            .exclude(pk__in=open_case)
            .order_by("household_no")
        )
        for hh in households:
            # A stable draw per household (not the shared stream): which month, which day, or not at all.
            draw = random.Random(f"{self.seed}:{hh.household_no}")
            green = routine_rhythm(hh) == "green"
            if draw.random() > (0.9 if green else 0.5):
                continue
            month = months[draw.randrange(1, 4) if green else draw.randrange(4)]
            if month != work:
                continue
            day = _day(work, draw.randrange(2, 27))
            self.at(day)
            self.attempt(
                f"{hh.household_no}常态化走访",
                household_visit_record,
                household=hh,
                actor=self.visitor(hh),
                visited_on=day,
                notes=draw.choice(ROUTINE_NOTES),
            )

    def maybe_rollback(self, work: str) -> None:
        """R-ELIM-07: once, a household eliminated at least a month ago falls back (a new serious illness)."""
        if self.rolled_back:
            return
        cutoff = _day(work, 1) - dt.timedelta(days=30)
        child = (
            Case.objects.filter(
                kind=CaseKindChoices.ELIMINATION,
                state=CaseStateChoices.ELIMINATED,
                approved_on__lte=cutoff,
                household__village_id__in=self.villages,
            )
            # A household re-identified under a new risk cannot have its elimination rolled back (R-ELIM-07).
            .exclude(
                household__in=Case.objects.filter(kind=CaseKindChoices.IDENTIFICATION, is_open=True).values(
                    "household_id"
                )
            )
            .select_related("household")
            .order_by("approved_on", "pk")
            .first()
        )
        if child is None:
            return
        day = _day(work, 16)
        moved = self.step(
            child,
            "rollback",
            self.township_user(child.household),
            day,
            reason="风险反弹：家庭成员突发重病，医疗支出大幅增加",
            found_on=day,
        )
        if moved is not None:
            self.rolled_back = True
            parent = Case.objects.get(pk=moved.parent_id or 0)
            self.tracks[parent.pk] = Track(
                case_id=parent.pk, exit_mode="", next_visit=day + dt.timedelta(days=7)
            )

    # ------------------------------------------------------------------ channels
    def self_reports(self, period: str) -> None:
        """The month's requests from the simulator's channel file, those of the work area, received on
        their day (R-ID-07); plus a neighbour's report without an ID now and then (他人代举)."""
        rows: list[dict[str, str]] = []
        path = self.sim_channels / period / "self_reports.csv" if self.sim_channels else None
        if path is not None and path.exists():
            import csv

            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if r.get("village_code") in self.villages]
        if self.rng.random() < 0.6:
            for hh in self.free_households(1):
                # A neighbour who knows only the name (他人代举), or the head with the ID card at hand.
                by_neighbour = self.rng.random() < 0.5
                head = hh.members.filter(relation="head").first()
                rows.append(
                    {
                        "reported_on": _day(period, 10 + self.rng.randrange(15)).isoformat(),
                        "village_code": hh.village_id,
                        "subject_name": hh.head_name,
                        "reporter_name": "邻居" if by_neighbour else hh.head_name,
                        "reporter_relation": "proxy" if by_neighbour else "self",
                        "difficulty": self.rng.choice(list(REPORT_ITEMS)),
                        "description": "家里有人生病，收入减少，生活困难",
                        "contact_phone": "139" + "".join(str(self.rng.randrange(10)) for _ in range(8)),
                        "id_number": "" if by_neighbour or head is None else crypto.unseal(head.id_sealed),
                    }
                )
        for row in sorted(rows, key=lambda r: (r["reported_on"], r["subject_name"])):
            day = dt.date.fromisoformat(row["reported_on"])
            proxy = row.get("reporter_relation") not in ("self", "本人", "")
            valid, _errors = self_report_validate(
                village_code=row["village_code"],
                difficulty=REPORT_ITEMS.get(row["difficulty"], DepartmentItemChoices.BASIC_LIVING),
                subject_name=row["subject_name"],
                contact_phone=row["contact_phone"],
                filing_mode=FilingModeChoices.PROXY if proxy else FilingModeChoices.SELF,
                reporter_name=row.get("reporter_name", "") if proxy else "",
                subject_id_number=row.get("id_number", ""),
                description=row.get("description", ""),
            )
            if valid is None:
                self.refusals.append(f"自主申报{row['reported_on']}：{'；'.join(e.reason for e in _errors)}")
                continue
            self.at(day)
            self.attempt("自主申报", self_report_record, valid, submitted_on=day)

    def answer_reports(self, period: str, work: str) -> None:
        """Staff match the reports filed without an ID, and answer; most citizens sign off (群众签单)."""
        reports = (
            SelfReport.objects.filter(
                submitted_on__gte=_day(period, 1),
                submitted_on__lte=_day(work, 1),
                village_id__in=self.villages,
            )
            .select_related("clue")
            .order_by("submitted_on", "pk")
        )
        for i, report in enumerate(reports):
            day = _day(work, 4 + i % 10)
            self.at(day)
            village_user = self.users[f"village:{report.village_id}"]
            clue = report.clue
            if clue is not None and clue.household_id is None:
                hh = (
                    Household.objects.filter(village_id=report.village_id, head_name=report.subject_name)
                    .order_by("household_no")
                    .first()
                )
                if hh is not None:
                    self.attempt(
                        "申报匹配农户", clue_household_resolve, clue=clue, household=hh, actor=village_user
                    )
            if self.rng.random() < 0.85:
                self.attempt(
                    "答复申报",
                    self_report_respond,
                    report=report,
                    actor=village_user,
                    response="已受理，村组干部已入户核实，正按程序办理，如有困难请随时联系村委会。",
                )
                if self.rng.random() < 0.75:
                    self.attempt(
                        "群众签单",
                        self_report_confirm,
                        tracking_code=report.tracking_code,
                        satisfied=self.rng.random() < 0.9,
                    )
            if clue is not None:
                clue.refresh_from_db()
                case = Case.objects.filter(pk=clue.case_id or 0, state=CaseStateChoices.CLUE).first()
                if case is not None:
                    self.identify(
                        case,
                        max(day, case.opened_on),
                        "monitor" if self.rng.random() < 0.7 else "reject-home",
                    )

    def hotline(self, work: str) -> None:
        """12317 calls taken by township staff: policy questions answered at once, complaints closed
        later, and now and then a request for help that becomes a clue."""
        xiang = next(u for k, u in sorted(self.users.items()) if k.startswith("township:"))
        day = _day(work, 5 + self.rng.randrange(18))
        self.at(day)
        self.attempt(
            "热线咨询",
            hotline_call_record,
            actor=xiang,
            kind=HotlineKindChoices.POLICY_QUESTION,
            caller_name="来电群众",
            caller_phone="138" + "".join(str(self.rng.randrange(10)) for _ in range(8)),
            content="咨询防止返贫监测对象的认定标准和申报方式",
            answer="已解答：可通过村委会或“找政府”小程序申报，村组干部将入户核实。",
        )
        for call in HotlineCall.objects.filter(status="open").order_by("pk"):
            self.attempt(
                "热线办结",
                hotline_call_close,
                call=call,
                actor=xiang,
                answer="已协调解决并回访来电人",
            )
        if self.rng.random() < 0.5:
            self.attempt(
                "热线投诉",
                hotline_call_record,
                actor=xiang,
                kind=HotlineKindChoices.COMPLAINT,
                caller_name="来电群众",
                content="反映帮扶资金发放不及时",
            )
        if self.rng.random() < 0.4:
            for hh in self.free_households(1):
                township = self.township_user(hh)
                call = self.attempt(
                    "热线求助",
                    hotline_call_record,
                    actor=township,
                    kind=HotlineKindChoices.HELP_REQUEST,
                    household=hh,
                    caller_name=hh.head_name,
                    risk_types=["illness"],
                    content="家人住院，医疗费用负担重，请求帮助",
                )
                clue = Clue.objects.filter(pk=call.clue_id).first() if call is not None else None
                if clue is not None and clue.case is not None:
                    self.identify(clue.case, day, "monitor")

    # ------------------------------------------------------------------ summary
    def cases_opened(self) -> int:
        return Case.objects.filter(kind=CaseKindChoices.IDENTIFICATION).count()

    def summary(self) -> dict[str, int]:
        return activity_counts()


def county_has_cases(county: str) -> bool:
    return Case.objects.filter(household__county_code=county).exists()


def activity_counts() -> dict[str, int]:
    """What the county holds after the activity: the fingerprint the test compares between runs."""
    cases = Case.objects.all()
    out: dict[str, int] = {}
    for (kind, state), n in Counter(cases.values_list("kind", "state")).items():
        out[f"case:{kind}:{state}"] = n
    out["case:overdue"] = cases.filter(overdue=True).count()
    out["case:escalated"] = cases.exclude(escalated_to="").count()
    out["case:green_channel"] = cases.filter(green_channel=True).count()
    out["case:rejected_with_reason"] = cases.filter(state="rejected").exclude(rejection_reason="").count()
    for mode in EliminationModeChoices.values:
        out[f"eliminated:{mode}"] = cases.filter(
            kind=CaseKindChoices.ELIMINATION, state__in=["eliminated", "rolled_back"], elimination_mode=mode
        ).count()
    out["clue:warning"] = Clue.objects.filter(channel="warning").count()
    for channel in ("self_report", "hotline", "cadre_visit"):
        out[f"clue:{channel}"] = Clue.objects.filter(channel=channel).count()
    out["plans"] = AssistancePlan.objects.count()
    out["plans:with_contact"] = AssistancePlan.objects.exclude(contact_name="").count()
    out["measures"] = Measure.objects.count()
    out["measure_types"] = Measure.objects.values("measure_type").distinct().count()
    out["helpers"] = Helper.objects.count()
    out["visits"] = Visit.objects.count()
    out["visits_with_income"] = Visit.objects.exclude(income_period="").count()
    out["visits:routine"] = Visit.objects.filter(case__isnull=True).count()
    out["self_reports"] = SelfReport.objects.count()
    out["self_reports:with_id"] = SelfReport.objects.exclude(subject_id_index="").count()
    out["self_reports:without_id"] = SelfReport.objects.filter(subject_id_index="").count()
    out["self_reports:matched"] = SelfReport.objects.filter(clue__household__isnull=False).count()
    for status in ("submitted", "answered", "confirmed"):
        out[f"self_reports:{status}"] = SelfReport.objects.filter(status=status).count()
    for kind in HotlineKindChoices.values:
        out[f"hotline:{kind}"] = HotlineCall.objects.filter(kind=kind).count()
    return dict(sorted(out.items()))
