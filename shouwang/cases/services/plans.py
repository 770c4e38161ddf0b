"""Assistance plans (一户一策, R-AID-01…08): measures and helpers, validated as the whole resulting plan."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import (
    DEVELOPMENT_TYPES,
    NOT_DEVELOPMENT_ITEMS,
    RISK_MEASURE_MATCH,
    CaseKindChoices,
    CaseStateChoices,
    MeasureItemChoices,
    MeasureStatusChoices,
    MeasureTypeChoices,
)
from shouwang.cases.models import AssistancePlan, Case, Helper, Measure
from shouwang.cases.services._common import (
    RISK_LABELS,
    CaseConflict,
    age_on,
    counted_members,
    household_has_labour,
    household_region,
    refuse,
    row_error,
    state_label,
)
from shouwang.common import crypto
from shouwang.common.errors import RowError
from shouwang.common.limits import max_length
from shouwang.employment.selectors import WorkFacts, household_work_facts
from shouwang.registry.models import Household, Person
from shouwang.registry.services import household_update

PLAN_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})


@dataclass
class MeasureInput:
    measure_type: str
    start_on: dt.date
    item: str = ""
    description: str = ""
    person_id: int | None = None
    end_on: dt.date | None = None
    amount: Decimal | None = None
    loan_term_months: int | None = None
    subsidised: bool = False


@dataclass
class HelperInput:
    name: str
    unit: str
    start_on: dt.date
    phone: str = ""
    end_on: dt.date | None = None


ITEM_TYPES: dict[str, frozenset[str]] = {
    MeasureItemChoices.SKILL_TRAINING: frozenset({MeasureTypeChoices.EMPLOYMENT}),
    MeasureItemChoices.LABOUR_EXPORT: frozenset({MeasureTypeChoices.EMPLOYMENT}),
    MeasureItemChoices.MIGRANT_SUBSIDY: frozenset({MeasureTypeChoices.EMPLOYMENT}),
    MeasureItemChoices.MICROCREDIT: frozenset({MeasureTypeChoices.FINANCE}),
    MeasureItemChoices.ASSET_INCOME: frozenset({MeasureTypeChoices.INDUSTRY}),
    MeasureItemChoices.RAINBOW_PLAN: frozenset({MeasureTypeChoices.OTHER_EDUCATION}),
    MeasureItemChoices.MEDICAL_PREMIUM_SUBSIDY: frozenset({MeasureTypeChoices.HEALTH}),
    MeasureItemChoices.DIBAO: frozenset({MeasureTypeChoices.SOCIAL_SECURITY}),
    MeasureItemChoices.TEKUN: frozenset({MeasureTypeChoices.SOCIAL_SECURITY}),
    MeasureItemChoices.DISABILITY_ALLOWANCE: frozenset({MeasureTypeChoices.SOCIAL_SECURITY}),
}
MICROCREDIT_SUBSIDISED_MAX = Decimal("50000")  # R-AID-06
MICROCREDIT_MAX = Decimal("100000")
MICROCREDIT_MAX_MONTHS = 36


def _measure_errors(i: int, m: MeasureInput, members: dict[int, Person], today: dt.date) -> list[RowError]:
    col = f"measures[{i}]"
    errors = []
    if m.measure_type not in MeasureTypeChoices.values:
        errors.append(
            row_error(f"{col}.measure_type", m.measure_type, "措施类型无效（须为100A39…100A55之一）")
        )
    if m.item and m.item not in MeasureItemChoices.values:
        errors.append(row_error(f"{col}.item", m.item, "具体项目无效"))
    elif m.item in ITEM_TYPES and m.measure_type not in ITEM_TYPES[m.item]:
        errors.append(row_error(f"{col}.item", m.item, "具体项目与措施类型不符"))
    if m.end_on and m.end_on < m.start_on:
        errors.append(row_error(f"{col}.end_on", m.end_on, "结束日期早于开始日期"))
    if m.amount is not None and m.amount < 0:
        errors.append(row_error(f"{col}.amount", m.amount, "金额不能为负"))
    person = members.get(m.person_id) if m.person_id else None
    if m.person_id and person is None:
        errors.append(row_error(f"{col}.person_id", m.person_id, "不是该户成员"))
    if m.measure_type == MeasureTypeChoices.PUBLIC_WELFARE_JOB:
        if person is None:
            errors.append(row_error(f"{col}.person_id", "", "公益岗位须指定上岗的家庭成员"))
        else:
            age = age_on(person.birth_date, m.start_on)
            if not 16 <= age < 70:
                errors.append(
                    row_error(
                        f"{col}.person_id",
                        f"{person.name}（{age}岁）",
                        f"{person.name}（{age}岁）不能安排公益性岗位：只安排16至69岁人员（R-AID-08）",
                    )
                )
    if m.item == MeasureItemChoices.MICROCREDIT:
        if person is None:
            errors.append(row_error(f"{col}.person_id", "", "小额信贷须指定借款人"))
        else:
            age = age_on(person.birth_date, m.start_on)
            if not 18 <= age <= 65:
                errors.append(
                    row_error(
                        f"{col}.person_id",
                        f"{person.name}（{age}岁）",
                        f"{person.name}（{age}岁）不能作为借款人：小额信贷借款人须为18至65周岁（R-AID-06）",
                    )
                )
        if m.amount is None or m.amount <= 0:
            errors.append(row_error(f"{col}.amount", m.amount, "须填写贷款金额"))
        elif m.amount > MICROCREDIT_MAX:
            errors.append(row_error(f"{col}.amount", m.amount, "小额信贷每户不超过10万元（R-AID-06）"))
        elif m.subsidised and m.amount > MICROCREDIT_SUBSIDISED_MAX:
            errors.append(
                row_error(
                    f"{col}.amount",
                    m.amount,
                    "贴息额度每户不超过5万元，超出部分须单独登记为不贴息贷款（R-AID-06）",
                )
            )
        if m.loan_term_months is None or not 1 <= m.loan_term_months <= MICROCREDIT_MAX_MONTHS:
            errors.append(
                row_error(f"{col}.loan_term_months", m.loan_term_months, "贷款期限须为1至36个月（R-AID-06）")
            )
    return errors


def plan_validate(
    *, household: Household, case: Case, measures: list[Measure]
) -> tuple[list[RowError], list[str]]:
    """Whole-plan rules (R-AID-01, R-AID-02, R-AID-05, R-AID-08): errors, and warnings to show."""
    errors: list[RowError] = []
    warnings: list[str] = []
    active = [m for m in measures if m.status == MeasureStatusChoices.ACTIVE]
    if household_has_labour(household) and not any(
        m.measure_type in DEVELOPMENT_TYPES and m.item not in NOT_DEVELOPMENT_ITEMS for m in active
    ):
        errors.append(
            row_error(
                "measures",
                "",
                "该户有劳动能力，帮扶计划须至少包含一项开发式帮扶措施（产业、就业、金融或公益岗位；"
                "仅“技能培训”或“其他”不算）（R-AID-01）",
            )
        )
    types = {m.measure_type for m in active}
    for risk in case.risk_types:
        need = RISK_MEASURE_MATCH.get(risk)
        if need and not types & need:
            labels = "、".join(str(MeasureTypeChoices(t).label) for t in sorted(need))
            errors.append(
                row_error(
                    "measures",
                    RISK_LABELS.get(risk, risk),
                    f"风险“{RISK_LABELS.get(risk, risk)}”须有匹配措施：{labels}（R-AID-05）",
                )
            )
    jobs: dict[int, int] = {}
    for m in active:
        if m.measure_type == MeasureTypeChoices.PUBLIC_WELFARE_JOB and m.person_id:
            jobs[m.person_id] = jobs.get(m.person_id, 0) + 1
    for pid, n in jobs.items():
        if n >= 3:
            errors.append(row_error("measures", pid, f"同一人登记了{n}个公益岗位（R-AID-08）"))
    if not household_has_labour(household):
        if MeasureTypeChoices.SOCIAL_SECURITY not in types:
            warnings.append("整户无劳动能力，应落实综合保障（兜底）措施（R-AID-02）")
        if not any(p.dibao for p in counted_members(household)):
            warnings.append("整户无劳动能力，须至少有一名成员纳入低保（R-AID-02，[DQ] 5_19_007）")
    for m in active:
        if m.item == MeasureItemChoices.MICROCREDIT and m.amount and m.amount > MICROCREDIT_SUBSIDISED_MAX:
            warnings.append("小额信贷超过5万元的部分不享受贴息和风险补偿（R-AID-06）")
    return errors, warnings


@dataclass
class PlanCheck:
    """What adding ``measures`` and ``helpers`` to a household's plan would do: every refusal, and, when
    there is none, the measure rows to create (unsaved, without their plan) and the plan's warnings."""

    errors: list[RowError]
    new_rows: list[Measure]
    warnings: list[str]


def _plan_actor_check(case: Case, actor: User) -> None:
    if actor.role not in PLAN_ROLES:
        raise Forbidden("您的角色无权制定帮扶计划")
    if not user_can_see_region(actor, household_region(case.household)):
        raise NotFound(str(case.pk))


def _fact_errors(case: Case, measures: list[MeasureInput], members: dict[int, Person]) -> list[RowError]:
    """R-AID-05's "measures must match facts in the household", for the measures being added (a plan
    recorded before the ledger existed is not re-judged): an employment or public-post measure needs
    somebody in work in its start month; 外出务工补贴 an out-of-county worker and a non-zero subsidy;
    劳务输出 an out-of-county episode that started in or after the month the case opened. 技能培训
    prepares for work and needs none ([decision 0513](docs/decisions/0513-measures-match-work-facts.md))."""
    errors: list[RowError] = []
    facts: dict[str, WorkFacts] = {}
    for i, m in enumerate(measures):
        col = f"measures[{i}]"
        needs_work = m.measure_type == MeasureTypeChoices.PUBLIC_WELFARE_JOB or (
            m.measure_type == MeasureTypeChoices.EMPLOYMENT and m.item != MeasureItemChoices.SKILL_TRAINING
        )
        if not needs_work:
            continue
        month = m.start_on.strftime("%Y-%m")
        if month not in facts:
            facts[month] = household_work_facts(household_id=case.household_id, month=month)
        f = facts[month]
        label = str(MeasureTypeChoices(m.measure_type).label)
        if m.item == MeasureItemChoices.MIGRANT_SUBSIDY:
            if not f.out_of_county:
                errors.append(
                    row_error(
                        f"{col}.item",
                        "外出务工补贴",
                        f"{month[:4]}年{month[5:]}月该户没有在县外务工的成员，不能登记外出务工补贴"
                        "（R-AID-05，[DQ] 1111_10、5_17_011）",
                    )
                )
            elif not (m.amount and m.amount > 0) and not f.transport_subsidised & f.out_of_county:
                errors.append(
                    row_error(
                        f"{col}.amount",
                        m.amount,
                        "外出务工补贴须有补助金额：填写本措施金额，或在务工月监测中登记年度交通费补助"
                        "（R-AID-05，[DQ] 5_17_012）",
                    )
                )
            continue
        if m.item == MeasureItemChoices.LABOUR_EXPORT:
            opened = case.opened_on.strftime("%Y-%m")
            if not any(start >= opened for start in f.out_of_county_since.values()):
                errors.append(
                    row_error(
                        f"{col}.item",
                        "劳务输出",
                        f"劳务输出须有{opened[:4]}年{opened[5:]}月（发现风险）以后开始的县外务工记录"
                        "（务工月监测台账），该户没有（R-AID-05，[DQ] 5_17_013）",
                    )
                )
            continue
        if not f.working:
            errors.append(
                row_error(
                    f"{col}.measure_type",
                    label,
                    f"{month[:4]}年{month[5:]}月该户没有在业成员（务工月监测台账、劳动力花名册和户籍务工信息都没有），"
                    f"不能登记{label}；请先登记务工或上岗信息，或登记“技能培训”（R-AID-05，[DQ] 4_11_014）",
                )
            )
        elif (
            m.measure_type == MeasureTypeChoices.PUBLIC_WELFARE_JOB
            and m.person_id in members
            and m.person_id not in f.working
        ):
            errors.append(
                row_error(
                    f"{col}.person_id",
                    members[m.person_id].name,
                    f"{members[m.person_id].name}在{month[:4]}年{month[5:]}月没有上岗记录，不能登记公益岗位帮扶"
                    "（R-AID-05，[DQ] 1111_3）",
                )
            )
    return errors


def _plan_check(case: Case, measures: list[MeasureInput], helpers: list[HelperInput]) -> PlanCheck:
    """The R-AID rules of adding to the plan, reading only: the rows and helpers first; when they hold, the
    whole plan as it would be (R-AID-01/05/08). Both ``plan_measures_add`` and ``plan_measures_check``."""
    today = clock.today()
    errors: list[RowError] = []
    allowed_state = case.kind == CaseKindChoices.IDENTIFICATION and (
        case.state in (CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING)
        or (case.green_channel and case.is_open)
    )
    if not allowed_state:
        errors.append(
            row_error(
                "case",
                state_label(case.state),
                "该户尚未纳入监测：帮扶措施须在公告纳入后制定；突发灾害、意外事故可走绿色通道先行帮扶（R-ID-05）",
            )
        )
    if not measures and not helpers:
        errors.append(row_error("measures", "", "至少填写一项帮扶措施或帮扶责任人"))
    household = case.household
    members = {p.pk: p for p in household.members.all()}
    for i, m in enumerate(measures):
        errors.extend(_measure_errors(i, m, members, today))
        if len(m.description) > (limit := max_length(Measure, "description")):
            errors.append(row_error(f"measures[{i}].description", "", f"不超过{limit}字"))
    for i, h in enumerate(helpers):
        if not h.name.strip() or not h.unit.strip():
            errors.append(row_error(f"helpers[{i}]", h.name, "帮扶责任人须填写姓名和帮扶单位"))
        for column, text in (("name", h.name.strip()), ("unit", h.unit.strip())):
            if len(text) > (limit := max_length(Helper, column)):
                errors.append(row_error(f"helpers[{i}].{column}", "", f"不超过{limit}字"))
        if h.phone and not (h.phone.isdigit() and len(h.phone) == 11 and h.phone.startswith("1")):
            errors.append(
                row_error(f"helpers[{i}].phone", crypto.mask_phone(h.phone), "手机号码应为11位数字")
            )
        if h.end_on and h.end_on < h.start_on:
            errors.append(row_error(f"helpers[{i}].end_on", h.end_on, "结束日期早于开始日期"))
    if not errors:
        errors.extend(_fact_errors(case, measures, members))
    if errors:
        return PlanCheck(errors=errors, new_rows=[], warnings=[])
    plan = AssistancePlan.objects.filter(household=household).first()
    existing = list(plan.measures.all()) if plan is not None else []
    new_rows = [
        Measure(
            case=case,
            measure_type=m.measure_type,
            item=m.item,
            description=m.description,
            person_id=m.person_id,
            start_on=m.start_on,
            end_on=m.end_on,
            amount=m.amount,
            loan_term_months=m.loan_term_months,
            subsidised=m.subsidised,
        )
        for m in measures
    ]
    plan_errors, warnings = plan_validate(household=household, case=case, measures=existing + new_rows)
    return PlanCheck(errors=plan_errors, new_rows=new_rows, warnings=warnings)


def plan_measures_check(
    *, case: Case, actor: User, measures: list[MeasureInput], helpers: list[HelperInput] | None = None
) -> list[RowError]:
    """Dry run of ``plan_measures_add`` (the console checks the form as it is filled in): the same
    refusals, in the same order, and nothing written. Role and region as for adding (Forbidden,
    NotFound); the case version is not compared (adding does that)."""
    _plan_actor_check(case, actor)
    return _plan_check(case, measures, helpers or []).errors


def contact_errors(name: str, phone: str, *, prefix: str = "contact") -> list[RowError]:
    """The monitoring contact's checks (R-AID-03): a name and an 11-digit mobile number, both or neither."""
    errors: list[RowError] = []
    name, phone = name.strip(), phone.strip()
    if bool(name) != bool(phone):
        column = f"{prefix}_phone" if name else f"{prefix}_name"
        errors.append(row_error(column, "", "监测联系人须同时填写姓名和联系电话"))
    if len(name) > (limit := max_length(AssistancePlan, "contact_name")):
        errors.append(row_error(f"{prefix}_name", "", f"不超过{limit}字"))
    if phone and not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        errors.append(row_error(f"{prefix}_phone", crypto.mask_phone(phone), "手机号码应为11位数字"))
    return errors


def plan_contact_write(*, household: Household, actor: User, name: str, phone: str) -> AssistancePlan:
    """Record the household's monitoring contact (监测联系人, R-AID-03, R-ELIM-06) on its plan, audited. The
    caller has checked ``contact_errors`` and holds the transaction."""
    plan, _ = AssistancePlan.objects.get_or_create(household=household)
    before = plan.contact_name
    plan.contact_name = name.strip()
    plan.contact_phone_sealed = crypto.seal(phone.strip())
    plan.contact_phone_index = crypto.blind_index(phone.strip())
    plan.contact_phone_masked = crypto.mask_phone(phone.strip())
    plan.save()
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="plan",
        object_id=str(plan.pk),
        region_code=household.village_id,
        changes={"contact_name": [before, plan.contact_name], "contact_phone": plan.contact_phone_masked},
        reason="登记监测联系人",
    )
    return plan


@transaction.atomic
def plan_contact_set(*, case: Case, actor: User, name: str, phone: str) -> AssistancePlan:
    """Set the household's monitoring contact (监测联系人, R-AID-03) from its case's plan page: the plan roles
    in the case's region; refused with the reasons, and nothing written, when a part is missing or wrong."""
    _plan_actor_check(case, actor)
    errors = contact_errors(name, phone)
    if not name.strip() and not phone.strip():
        errors.append(row_error("contact_name", "", "请填写监测联系人的姓名和联系电话"))
    refuse("登记监测联系人", errors)
    return plan_contact_write(household=case.household, actor=actor, name=name, phone=phone)


@transaction.atomic
def plan_measures_add(
    *,
    case: Case,
    actor: User,
    measures: list[MeasureInput],
    helpers: list[HelperInput] | None = None,
    expected_version: int | None = None,
) -> AssistancePlan:
    """Add measures (and helpers) to the household's one plan (一户一策, R-AID-03), validating the whole
    plan as it will be (``_plan_check``, shared with ``plan_measures_check``). Allowed once the household
    is monitored, or earlier on the green channel (R-ID-05)."""
    if actor.role not in PLAN_ROLES:
        raise Forbidden("您的角色无权制定帮扶计划")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    _plan_actor_check(locked, actor)  # role and region before the version (docs/api.md "Concurrency")
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(case_id=locked.pk, expected=expected_version, actual=locked.version)
    helpers = helpers or []
    check = _plan_check(locked, measures, helpers)
    refuse("制定帮扶计划", check.errors)
    household = locked.household
    plan, _ = AssistancePlan.objects.get_or_create(household=household)
    new_rows = check.new_rows
    for row in new_rows:
        row.plan = plan
    existing = list(plan.measures.all())
    Measure.objects.bulk_create(new_rows)
    for h in helpers:
        Helper.objects.create(
            plan=plan,
            name=h.name.strip(),
            unit=h.unit.strip(),
            phone_sealed=crypto.seal(h.phone) if h.phone else "",
            phone_index=crypto.blind_index(h.phone) if h.phone else "",
            phone_masked=crypto.mask_phone(h.phone) if h.phone else "",
            start_on=h.start_on,
            end_on=h.end_on,
        )
    plan.warnings = check.warnings
    plan.save(update_fields=["warnings", "updated_at"])
    types = {m.measure_type for m in existing + new_rows if m.status == MeasureStatusChoices.ACTIVE}
    if not household_has_labour(household) and MeasureTypeChoices.SOCIAL_SECURITY in types:
        # R-AID-02: whole household without labour, on the safety net.
        household_update(
            household=household,
            changes={"no_labour_safety_net": True},
            actor=actor,
            reason="整户无劳动能力兜底保障户（R-AID-02）",
        )
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="measure",
        object_id=str(locked.pk),
        region_code=household.village_id,
        changes={
            "measures": [f"{m.measure_type}{'/' + m.item if m.item else ''}" for m in new_rows],
            "helpers": [h.name for h in helpers],
        },
        reason="制定帮扶计划（一户一策）",
    )
    return plan


@transaction.atomic
def measure_end(*, case: Case, measure_id: int, actor: User, ended_on: dt.date, reason: str = "") -> Measure:
    """End one measure of the household's plan on ``ended_on`` (the job ended, the aid was paid out…).
    The plan must still hold as it will be (R-AID-01/05/08): a household that can work keeps at least one
    development measure, so the replacement is added first. Audited; bumps the case version."""
    if actor.role not in PLAN_ROLES:
        raise Forbidden("您的角色无权调整帮扶计划")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    if not user_can_see_region(actor, household_region(locked.household)):
        raise NotFound(str(locked.pk))
    measure = Measure.objects.filter(pk=measure_id, plan__household=locked.household).first()
    if measure is None:
        raise NotFound(str(measure_id))
    errors: list[RowError] = []
    if measure.status != MeasureStatusChoices.ACTIVE:
        errors.append(row_error("measure", measure.pk, "该措施已结束"))
    if ended_on < measure.start_on:
        errors.append(row_error("ended_on", ended_on, f"结束日期不能早于措施开始日期（{measure.start_on}）"))
    if ended_on > clock.today():
        errors.append(row_error("ended_on", ended_on, f"结束日期不能晚于今天（{clock.today()}）"))
    if len(reason) > 255:
        errors.append(row_error("reason", "", "原因不超过255字"))
    refuse("结束帮扶措施", errors)
    others = [m for m in measure.plan.measures.all() if m.pk != measure.pk]
    plan_errors, _warnings = plan_validate(household=locked.household, case=locked, measures=others)
    refuse("结束帮扶措施", plan_errors)
    old_end = measure.end_on
    measure.status, measure.end_on = MeasureStatusChoices.ENDED, ended_on
    measure.save(update_fields=["status", "end_on"])
    locked.version += 1
    locked.save(update_fields=["version", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="measure",
        object_id=str(measure.pk),
        region_code=locked.household.village_id,
        changes={
            "status": [MeasureStatusChoices.ACTIVE, MeasureStatusChoices.ENDED],
            "end_on": [old_end.isoformat() if old_end else None, ended_on.isoformat()],
        },
        reason=reason or "结束帮扶措施",
    )
    return measure
