"""Services of the 帮扶车间 and 以工代赈 rolls (POLICY R-EMP-08). Each is one atomic, audited action;
a refusal raises ``InputRefused`` (every reason, Chinese, naming the field and rule) and changes nothing.

* ``workshop_register``, ``workshop_worker_add``, ``workshop_worker_end``: the roll.
* ``workshop_check_quarter``: the quarterly check of every workshop of the given counties (``shouwang
  workshop-check --quarter 2026Q3``): a workshop with fewer counted 脱贫 workers than the parameter goes to
  监测待处置; still failing when the buffer has run (counted from the first month of the first failing
  quarter, decision 0731) it is 清理; passing again it is 正常运行. Re-running a quarter replaces that
  quarter's result; a quarter earlier than one already checked is refused.
* ``relief_project_create``, ``relief_participant_add``: 以工代赈 projects, refused when the planned
  劳务报酬 is below the minimum share of the central money (decision 0733).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.actors import Actor, actor_user
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, audit_record_many
from shouwang.common.errors import InputRefused, RowError
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Person
from shouwang.workshops.choices import WorkshopKindChoices, WorkshopStatusChoices
from shouwang.workshops.models import (
    ReliefParticipant,
    ReliefProject,
    Workshop,
    WorkshopCheck,
    WorkshopWorker,
)
from shouwang.workshops.parameters import WorkshopParams, workshop_params_get
from shouwang.workshops.periods import (
    is_month,
    is_quarter,
    month_add,
    month_index,
    overlap_months,
    quarter_label,
    quarter_months,
)

# Recognition and 以工代赈 projects are the county's (the joint 人社 + 乡村振兴 document, R-EMP-08); the
# township keeps the workers' roll; the quarterly check runs at county level or above.
REGISTER_ROLES = frozenset({RoleChoices.COUNTY})
WORKER_ROLES = frozenset({RoleChoices.COUNTY, RoleChoices.TOWNSHIP})
CHECK_ROLES = frozenset({RoleChoices.COUNTY, RoleChoices.PREFECTURE, RoleChoices.PROVINCE})
MIN_WORK_AGE = 16  # R-EMP-10 5_16_010
# Households whose workers count for a workshop (R-EMP-08: 脱贫 workers; monitoring objects with them).
COUNTED_POVERTY = "former_poor"


def _refuse(message: str, errors: list[RowError]) -> None:
    if errors:
        raise InputRefused(message, errors)


def _require(actor: User, roles: frozenset[str], message: str) -> None:
    if actor.role not in roles:
        raise Forbidden(message)


# ---------------------------------------------------------------------------------------------------------
# The roll


def workshop_register(
    *,
    actor: User,
    name: str,
    kind: str,
    village_code: str,
    operator: str,
    recognised_on: dt.date,
    recognition_doc: str,
) -> Workshop:
    """A workshop recognised by the county (认定): refused without a name, operator, known kind, a village
    of the county, or the recognition's date and document."""
    _require(actor, REGISTER_ROLES, "只有县级可以认定帮扶车间")
    errors: list[RowError] = []
    name, operator, recognition_doc = name.strip(), operator.strip(), recognition_doc.strip()
    if not name:
        errors.append(RowError(None, "name", "", "车间名称不能为空"))
    if kind not in WorkshopKindChoices.values:
        errors.append(
            RowError(None, "kind", kind, "车间类型应为厂房式、居家式、种养式、贸易流通式或文化旅游式")
        )
    if not operator:
        errors.append(RowError(None, "operator", "", "经营主体不能为空"))
    if not recognition_doc:
        errors.append(RowError(None, "recognition_doc", "", "须填写认定文件（人社、乡村振兴部门联合认定）"))
    if recognised_on > dt.date.today():
        errors.append(RowError(None, "recognised_on", recognised_on.isoformat(), "认定日期不能晚于今天"))
    village = Region.objects.filter(code=village_code, level=RegionLevelChoices.VILLAGE).first()
    if village is None or not user_can_see_region(actor, village_code):
        errors.append(RowError(None, "village", village_code, "所在村不存在或不在本辖区"))
    elif Workshop.objects.filter(village=village, name=name).exists():
        errors.append(RowError(None, "name", name, "本村已有同名帮扶车间"))
    _refuse("帮扶车间认定被拒绝，未作任何修改", errors)
    assert village is not None
    with transaction.atomic():
        workshop = Workshop.objects.create(
            name=name,
            kind=kind,
            village=village,
            county_code=village_code[:6],
            township_code=village_code[:9],
            operator=operator,
            recognised_on=recognised_on,
            recognition_doc=recognition_doc,
        )
        audit_record(
            actor=actor,
            action=AuditActionChoices.CREATE,
            object_type="workshop",
            object_id=str(workshop.pk),
            region_code=village_code,
            changes={"name": name, "kind": kind, "operator": operator, "recognition_doc": recognition_doc},
            reason="认定帮扶车间",
        )
    return workshop


def access_workshop_for_edit(actor: User, workshop_id: int) -> Workshop:
    workshop = Workshop.objects.filter(pk=workshop_id).first()
    if workshop is None or not user_can_see_region(actor, workshop.village_id):
        raise NotFound(str(workshop_id))
    return workshop


def workshop_worker_add(
    *,
    actor: User,
    workshop: Workshop,
    person_id: int,
    from_month: str,
    to_month: str = "",
    monthly_pay: Decimal | None = None,
) -> WorkshopWorker:
    """A person's spell at a workshop. Refused: a person not of the actor's region, months malformed or
    reversed, under 16 at the start (R-EMP-10 5_16_010), a spell overlapping another at any workshop
    (one person, one workplace a month), pay not positive, or a cleared workshop."""
    _require(actor, WORKER_ROLES, "您的角色无权登记车间务工人员")
    workshop = access_workshop_for_edit(actor, workshop.pk)
    errors: list[RowError] = []
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if person is None or not user_can_see_region(actor, person.household.village_id):
        errors.append(RowError(None, "person", str(person_id), "人员不存在或不在本辖区"))
    if workshop.status == WorkshopStatusChoices.CLEARED:
        errors.append(RowError(None, "workshop", workshop.name, "车间已清理，不能再登记务工人员"))
    if not is_month(from_month):
        errors.append(RowError(None, "from_month", from_month, "开始月份格式应为YYYY-MM"))
    if to_month and not is_month(to_month):
        errors.append(RowError(None, "to_month", to_month, "结束月份格式应为YYYY-MM"))
    elif to_month and is_month(from_month) and to_month < from_month:
        errors.append(RowError(None, "to_month", to_month, "结束月份早于开始月份"))
    if monthly_pay is not None and monthly_pay <= 0:
        errors.append(RowError(None, "monthly_pay", str(monthly_pay), "月工资应大于0"))
    if person is not None and is_month(from_month):
        born = person.birth_date
        age = int(from_month[:4]) - born.year - (int(from_month[5:]) < born.month)
        if age < MIN_WORK_AGE:
            errors.append(
                RowError(None, "from_month", from_month, "开始务工时未满16周岁（R-EMP-10，5_16_010）")
            )
        clash = _overlapping_spell(person.pk, from_month, to_month)
        if clash is not None:
            errors.append(
                RowError(
                    None,
                    "from_month",
                    from_month,
                    f"与该人在“{clash.workshop.name}”的务工时间（{clash.from_month}起）重叠",
                )
            )
    _refuse("车间务工人员登记被拒绝，未作任何修改", errors)
    assert person is not None
    with transaction.atomic():
        worker = WorkshopWorker.objects.create(
            workshop=workshop,
            person=person,
            household=person.household,
            county_code=workshop.county_code,
            from_month=from_month,
            to_month=to_month,
            monthly_pay=monthly_pay,
        )
        audit_record(
            actor=actor,
            action=AuditActionChoices.CREATE,
            object_type="workshop_worker",
            object_id=str(worker.pk),
            region_code=workshop.village_id,
            changes={
                "workshop": workshop.pk,
                "person": person.pk,
                "from_month": from_month,
                "to_month": to_month,
                "monthly_pay": str(monthly_pay) if monthly_pay is not None else None,
            },
            reason="登记帮扶车间务工人员",
        )
    return worker


def _overlapping_spell(person_id: int, start: str, end: str) -> WorkshopWorker | None:
    for spell in WorkshopWorker.objects.filter(person_id=person_id).select_related("workshop"):
        if spell.from_month <= (end or "9999-12") and start <= (spell.to_month or "9999-12"):
            return spell
    return None


def workshop_worker_end(*, actor: User, worker: WorkshopWorker, to_month: str) -> WorkshopWorker:
    _require(actor, WORKER_ROLES, "您的角色无权登记车间务工人员")
    access_workshop_for_edit(actor, worker.workshop_id)
    if not is_month(to_month) or to_month < worker.from_month:
        raise InputRefused(
            "车间务工人员离岗登记被拒绝，未作任何修改",
            [RowError(None, "to_month", to_month, "结束月份格式应为YYYY-MM，且不早于开始月份")],
        )
    with transaction.atomic():
        locked = WorkshopWorker.objects.select_for_update().get(pk=worker.pk)
        old = locked.to_month
        locked.to_month = to_month
        locked.save(update_fields=["to_month", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditActionChoices.UPDATE,
            object_type="workshop_worker",
            object_id=str(locked.pk),
            region_code=locked.county_code,
            changes={"to_month": [old, to_month]},
            reason="帮扶车间务工人员离岗",
        )
    return locked


# ---------------------------------------------------------------------------------------------------------
# The quarterly check


@dataclass(frozen=True)
class Spell:
    """What the check reads of one worker's spell (pure input, for tests with literal rows)."""

    person_id: int
    from_month: str
    to_month: str
    monthly_pay: Decimal | None
    counted_household: bool  # a 脱贫 household or a monitoring object's


@dataclass(frozen=True)
class Evaluation:
    workers: int
    counted: int
    passed: bool
    reasons: list[str]


def workshop_evaluate(spells: list[Spell], *, quarter: str, params: WorkshopParams) -> Evaluation:
    """R-EMP-08's test for one quarter (pure). Workers: people with a spell in the quarter. Counted: those
    of 脱贫 or monitored households whose months at the workshop in the twelve months ending with the
    quarter reach ``worker_min_months``, or whose pay there in those months reaches ``worker_min_pay``
    (decision 0730). Passes with at least ``min_workers`` counted."""
    first, last = quarter_months(quarter)
    year_first = month_add(last, -11)
    active: set[int] = set()
    months: dict[int, int] = {}
    pay: dict[int, Decimal] = {}
    for s in spells:
        if overlap_months(s.from_month, s.to_month, first, last) > 0:
            active.add(s.person_id)
        if not s.counted_household:
            continue
        n = overlap_months(s.from_month, s.to_month, year_first, last)
        months[s.person_id] = months.get(s.person_id, 0) + n
        pay[s.person_id] = pay.get(s.person_id, Decimal(0)) + (s.monthly_pay or Decimal(0)) * n
    counted = {
        p
        for p in active
        if months.get(p, 0) >= params.worker_min_months or pay.get(p, Decimal(0)) >= params.worker_min_pay
    }
    reasons: list[str] = []
    if not active:
        reasons.append("本季度无在岗务工人员")
    if len(counted) < params.min_workers:
        reasons.append(
            f"吸纳脱贫劳动力{len(counted)}人，少于{params.min_workers}人"
            f"（在岗满{params.worker_min_months}个月或年务工收入满{params.worker_min_pay:,.0f}元的计入）"
        )
    return Evaluation(workers=len(active), counted=len(counted), passed=not reasons, reasons=reasons)


def workshop_next_status(
    *, status: str, failing_since: str, passed: bool, quarter: str, buffer_months: int
) -> tuple[str, str]:
    """(status, failing_since) after a check (pure): passing → 正常运行; failing → 监测待处置 until the
    failing months, from the first month of the first failing quarter to the end of this one, reach the
    buffer → 清理 (decision 0731). A cleared workshop stays cleared (a new recognition is a new workshop)."""
    if status == WorkshopStatusChoices.CLEARED:
        return status, failing_since
    if passed:
        return WorkshopStatusChoices.NORMAL, ""
    since = failing_since or quarter
    failing = month_index(quarter_months(quarter)[1]) - month_index(quarter_months(since)[0]) + 1
    if failing >= buffer_months:
        return WorkshopStatusChoices.CLEARED, since
    return WorkshopStatusChoices.PENDING, since


@dataclass
class QuarterCheckResult:
    quarter: str
    checked: int = 0
    passed: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (workshop, before, after)


def workshop_check_quarter(
    *,
    quarter: str,
    actor: Actor,
    county_codes: list[str] | None = None,
    today: dt.date | None = None,
) -> QuarterCheckResult:
    """The quarterly check of the workshops of ``county_codes`` (an official's own region when None and
    the actor is one; every county for the command line without ``--county``). Module doc."""
    today = today or dt.date.today()
    official = actor_user(actor)
    if official is not None:
        _require(official, CHECK_ROLES, "只有县级及以上可以开展车间季度检查")
    errors: list[RowError] = []
    if not is_quarter(quarter):
        raise InputRefused("季度检查被拒绝", [RowError(None, "quarter", quarter, "季度格式应为2026Q3")])
    first, last = quarter_months(quarter)
    if first > today.strftime("%Y-%m"):
        errors.append(RowError(None, "quarter", quarter, f"{quarter_label(quarter)}尚未开始，不能检查"))
    codes = county_codes or ([official.region_code] if official is not None else [])
    if official is not None:
        errors += [
            RowError(None, "county", c, "不在本辖区") for c in codes if not user_can_see_region(official, c)
        ]
    _refuse("车间季度检查被拒绝，未作任何修改", errors)
    result = QuarterCheckResult(quarter=quarter)
    with transaction.atomic():
        qs = Workshop.objects.select_for_update().filter(recognised_on__lte=_month_end(last))
        if codes:
            cond = Q()
            for code in codes:
                cond |= Q(village__code__startswith=code)
            qs = qs.filter(cond)
        workshops = list(qs.order_by("pk"))
        later = [w for w in workshops if w.last_checked and w.last_checked > quarter]
        if later:
            raise InputRefused(
                "车间季度检查被拒绝，未作任何修改",
                [
                    RowError(
                        None,
                        "quarter",
                        quarter,
                        f"“{w.name}”已检查到{quarter_label(w.last_checked)}，不能补查更早的季度",
                    )
                    for w in later
                ],
            )
        spells = _spells_by_workshop([w.pk for w in workshops])
        previous = {
            c.workshop_id: c for c in WorkshopCheck.objects.filter(workshop__in=workshops, quarter=quarter)
        }
        entries = []
        label = official.get_username() if official is not None else str(actor)
        for w in workshops:
            prior = previous.get(w.pk)
            # A re-run of the quarter starts from the status the workshop had before that quarter's check.
            before = prior.status_before if prior else w.status
            since_before = prior.failing_since_before if prior else w.failing_since
            if before == WorkshopStatusChoices.CLEARED:
                continue
            params = workshop_params_get(region_code=w.village_id, year=int(quarter[:4]))
            ev = workshop_evaluate(spells.get(w.pk, []), quarter=quarter, params=params)
            after, since = workshop_next_status(
                status=before,
                failing_since=since_before,
                passed=ev.passed,
                quarter=quarter,
                buffer_months=params.buffer_months,
            )
            WorkshopCheck.objects.update_or_create(
                workshop=w,
                quarter=quarter,
                defaults={
                    "workers": ev.workers,
                    "counted": ev.counted,
                    "passed": ev.passed,
                    "reasons": ev.reasons,
                    "status_before": before,
                    "status_after": after,
                    "failing_since_before": since_before,
                    "parameters": params.source[:64],
                    "actor_label": label,
                },
            )
            old = (w.status, w.failing_since, w.last_checked)
            w.status, w.failing_since, w.last_checked = after, since, quarter
            w.cleared_on = quarter if after == WorkshopStatusChoices.CLEARED else ""
            w.save(update_fields=["status", "failing_since", "last_checked", "cleared_on", "updated_at"])
            result.checked += 1
            result.passed += int(ev.passed)
            result.by_status[after] = result.by_status.get(after, 0) + 1
            if before != after:
                result.changed.append((w.name, before, after))
            entries.append(
                {
                    "action": AuditActionChoices.TRANSITION,
                    "object_type": "workshop",
                    "object_id": str(w.pk),
                    "region_code": w.village_id,
                    "changes": {
                        "quarter": quarter,
                        "status": [old[0], after],
                        "failing_since": [old[1], since],
                        "counted": ev.counted,
                        "workers": ev.workers,
                        "reasons": ev.reasons,
                    },
                    "reason": f"帮扶车间季度检查（{quarter_label(quarter)}）",
                }
            )
        audit_record_many(actor=actor, entries=entries)
    return result


def _month_end(month: str) -> dt.date:
    nxt = month_add(month, 1)
    return dt.date(int(nxt[:4]), int(nxt[5:]), 1) - dt.timedelta(days=1)


def _spells_by_workshop(workshop_ids: list[int]) -> dict[int, list[Spell]]:
    rows = WorkshopWorker.objects.filter(workshop_id__in=workshop_ids).values_list(
        "workshop_id",
        "person_id",
        "from_month",
        "to_month",
        "monthly_pay",
        "household__poverty_status",
        "household__monitoring_category",
    )
    out: dict[int, list[Spell]] = {}
    for wid, pid, start, end, pay, poverty, category in rows:
        counted = poverty == COUNTED_POVERTY or bool(category)
        out.setdefault(wid, []).append(Spell(pid, start, end, pay, counted))
    return out


# ---------------------------------------------------------------------------------------------------------
# 以工代赈


def share_percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal(0)


def relief_project_create(
    *,
    actor: User,
    name: str,
    county_code: str,
    year: int,
    central_investment: Decimal,
    total_investment: Decimal,
    planned_remuneration: Decimal,
) -> ReliefProject:
    """A 以工代赈 project. Refused: amounts not positive, central money above the total, planned 劳务报酬
    above the central money or below the minimum share of it in force for the county and year
    (R-EMP-08: ≥ 30 % from 2023; a parameter, decision 0733), a county outside the actor's region."""
    _require(actor, REGISTER_ROLES, "只有县级可以登记以工代赈项目")
    errors: list[RowError] = []
    name = name.strip()
    if not name:
        errors.append(RowError(None, "name", "", "项目名称不能为空"))
    county = Region.objects.filter(code=county_code, level=RegionLevelChoices.COUNTY).first()
    if county is None or not user_can_see_region(actor, county_code):
        errors.append(RowError(None, "county", county_code, "所在县不存在或不在本辖区"))
    elif ReliefProject.objects.filter(county=county, year=year, name=name).exists():
        errors.append(RowError(None, "name", name, "本县本年度已有同名以工代赈项目"))
    for column, value, label in (
        ("central_investment", central_investment, "中央资金"),
        ("total_investment", total_investment, "总投资"),
        ("planned_remuneration", planned_remuneration, "计划劳务报酬"),
    ):
        if value <= 0:
            errors.append(RowError(None, column, str(value), f"{label}应大于0"))
    params = workshop_params_get(region_code=county_code, year=year)
    if central_investment > 0 and total_investment > 0 and central_investment > total_investment:
        errors.append(RowError(None, "central_investment", str(central_investment), "中央资金不能超过总投资"))
    if central_investment > 0 and planned_remuneration > 0:
        share = share_percent(planned_remuneration, central_investment)
        if planned_remuneration > central_investment:
            errors.append(
                RowError(None, "planned_remuneration", str(planned_remuneration), "计划劳务报酬超过中央资金")
            )
        elif share < params.relief_min_share:
            errors.append(
                RowError(
                    None,
                    "planned_remuneration",
                    str(planned_remuneration),
                    f"计划劳务报酬占中央资金{share}%，低于{params.relief_min_share.normalize():f}%的最低比例"
                    "（R-EMP-08）",
                )
            )
    _refuse("以工代赈项目登记被拒绝，未作任何修改", errors)
    assert county is not None
    with transaction.atomic():
        project = ReliefProject.objects.create(
            name=name,
            county=county,
            year=year,
            central_investment=central_investment,
            total_investment=total_investment,
            planned_remuneration=planned_remuneration,
            required_share=params.relief_min_share,
            required_source=params.source[:64],
        )
        audit_record(
            actor=actor,
            action=AuditActionChoices.CREATE,
            object_type="relief_project",
            object_id=str(project.pk),
            region_code=county_code,
            changes={
                "name": name,
                "year": year,
                "central_investment": str(central_investment),
                "total_investment": str(total_investment),
                "planned_remuneration": str(planned_remuneration),
                "required_share": str(params.relief_min_share),
            },
            reason="登记以工代赈项目",
        )
    return project


def relief_participant_add(
    *,
    actor: User,
    project: ReliefProject,
    person_id: int,
    from_month: str,
    to_month: str,
    pay: Decimal,
    paid_on: dt.date | None = None,
) -> ReliefParticipant:
    """A person paid 劳务报酬 by a project: refused for a person outside the project's county or the
    actor's region, malformed or reversed months, months outside the project's year, pay not positive,
    or a payment that would take the paid total above the central money."""
    _require(actor, REGISTER_ROLES | WORKER_ROLES, "您的角色无权登记以工代赈务工人员")
    if not user_can_see_region(actor, project.county_id):
        raise NotFound(str(project.pk))
    errors: list[RowError] = []
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if (
        person is None
        or not user_can_see_region(actor, person.household.village_id)
        or person.household.county_code != project.county_id
    ):
        errors.append(RowError(None, "person", str(person_id), "人员不存在或不在项目所在县"))
    for column, value in (("from_month", from_month), ("to_month", to_month)):
        if not is_month(value):
            errors.append(RowError(None, column, value, "月份格式应为YYYY-MM"))
        elif int(value[:4]) != project.year:
            errors.append(RowError(None, column, value, f"务工月份应在项目年度{project.year}年内"))
    if is_month(from_month) and is_month(to_month) and to_month < from_month:
        errors.append(RowError(None, "to_month", to_month, "结束月份早于开始月份"))
    if pay <= 0:
        errors.append(RowError(None, "pay", str(pay), "劳务报酬应大于0"))
    with transaction.atomic():
        locked = ReliefProject.objects.select_for_update().get(pk=project.pk)
        paid = sum((p.pay for p in locked.participants.all()), Decimal(0))
        if pay > 0 and paid + pay > locked.central_investment:
            errors.append(RowError(None, "pay", str(pay), "累计劳务报酬将超过中央资金"))
        _refuse("以工代赈务工人员登记被拒绝，未作任何修改", errors)
        assert person is not None
        participant = ReliefParticipant.objects.create(
            project=locked,
            person=person,
            household=person.household,
            county_code=locked.county_id,
            from_month=from_month,
            to_month=to_month,
            pay=pay,
            paid_on=paid_on,
        )
        audit_record(
            actor=actor,
            action=AuditActionChoices.CREATE,
            object_type="relief_participant",
            object_id=str(participant.pk),
            region_code=person.household.village_id,
            changes={
                "project": locked.pk,
                "person": person.pk,
                "from_month": from_month,
                "to_month": to_month,
                "pay": str(pay),
            },
            reason="登记以工代赈务工人员及劳务报酬",
        )
    return participant
