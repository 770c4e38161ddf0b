"""The workflow steps and the one transition service (STYLE 7).

Each step function checks one action's preconditions and collects its effects; it is bound to the
transition table (``shouwang.cases.transitions``) by ``@step_of``. ``case_transition`` is the only way a
case moves: table lookup, role, region, version, the step, then one history row and one audit row.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, field_changes
from shouwang.cases import clock
from shouwang.cases.choices import (
    CONTINUING_ITEMS,
    CONTINUING_TYPES,
    CaseKindChoices,
    CaseStateChoices,
    DocumentKindChoices,
    MeasureStatusChoices,
    ReviewResultChoices,
    RiskLevelChoices,
)
from shouwang.cases.models import AssistancePlan, Case, CaseStep, Measure, NoticeObjection
from shouwang.cases.parameters import Params, params_get
from shouwang.cases.services._common import (
    CaseConflict,
    household_region,
    refuse,
    risk_types_validate,
    row_error,
    state_label,
)
from shouwang.cases.services.comparison import comparison_gather
from shouwang.cases.services.elimination import elimination_refusals
from shouwang.cases.services.plans import contact_errors, plan_contact_write
from shouwang.cases.transitions import LEVEL_RANK, MOVES, Move, move_get, move_step, responsible_role, step_of
from shouwang.common import crypto
from shouwang.common.errors import RowError
from shouwang.common.jsonable import jsonable
from shouwang.registry.choices import (
    EliminationModeChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)
from shouwang.registry.services import household_update


@dataclass
class StepData:
    """Parses one action's ``data`` and collects every problem (all reasons reported, not the first)."""

    raw: dict[str, Any]
    today: dt.date
    errors: list[RowError] = field(default_factory=list)

    def date(
        self, key: str, *, after: Iterable[tuple[dt.date | None, str]] = (), required: bool = True
    ) -> Any:
        value = self.raw.get(key)
        if value in (None, ""):
            if required:
                self.errors.append(row_error(key, "", "必须填写日期（YYYY-MM-DD）"))
            return None
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            self.errors.append(row_error(key, value, "日期格式应为YYYY-MM-DD"))
            return None
        if day > self.today:
            self.errors.append(row_error(key, day, f"日期不能晚于今天（{self.today}）"))
        for earlier, label in after:
            if earlier is not None and day < earlier:
                self.errors.append(row_error(key, day, f"日期不能早于{label}（{earlier}）"))
        return day

    def integer(self, key: str, *, minimum: int = 0, required: bool = True) -> int | None:
        value: Any = self.raw.get(key)
        if value in (None, ""):
            if required:
                self.errors.append(row_error(key, "", "必须填写"))
            return None
        try:
            number = int(value)
            if isinstance(value, bool) or str(number) != str(value).strip():
                raise ValueError
        except (TypeError, ValueError):
            self.errors.append(row_error(key, value, "应为整数"))
            return None
        if number < minimum:
            self.errors.append(row_error(key, number, f"不能小于{minimum}"))
            return None
        return number

    def text(self, key: str, *, required: bool = False, max_length: int = 255, label: str = "") -> str:
        value = self.raw.get(key)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.errors.append(row_error(key, "", f"必须填写{label}"))
        if len(text) > max_length:
            self.errors.append(row_error(key, text[:20] + "…", f"不能超过{max_length}字"))
        return text[:max_length]

    def choice(self, key: str, choices: Any, *, required: bool = True, default: str = "") -> str:
        value = self.raw.get(key)
        if value in (None, ""):
            if required and not default:
                self.errors.append(
                    row_error(key, "", "必须选择：" + "、".join(str(lbl) for _, lbl in choices.choices))
                )
            return default
        if value not in choices.values:
            self.errors.append(row_error(key, value, "取值无效，可选：" + "、".join(choices.values)))
            return default
        return str(value)

    def risks(self, key: str, *, default: list[str], required: bool = True) -> list[str]:
        value = self.raw.get(key)
        if value in (None, "", []):
            value = default
        return risk_types_validate(value, errors=self.errors, column=key, required=required)


@dataclass
class StepContext:
    case: Case
    actor: User
    data: StepData
    params: Params
    today: dt.date
    updates: dict[str, Any] = field(default_factory=dict)
    household_changes: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # overrides the table's target (e.g. a failed review rejects the case)
    after: list[Callable[[], None]] = field(default_factory=list)


@step_of("home_check")
def _step_home_check(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ctx.updates["home_checked_on"] = d.date("checked_on", after=[(c.opened_on, "首条线索日期")])
    d.text("findings", max_length=2000)
    if c.kind == CaseKindChoices.IDENTIFICATION:
        # R-ID-02 step 1: the household signs the application, pledge and authorisation to query data.
        doc_id = d.integer("authorisation_document_id", minimum=1)
        if (
            doc_id is not None
            and not c.documents.filter(pk=doc_id, kind=DocumentKindChoices.AUTHORISATION).exists()
        ):
            d.errors.append(
                row_error("authorisation_document_id", doc_id, "未找到本案件已上传的《申请及承诺授权查询书》")
            )
        if "risk_types" in d.raw:
            ctx.updates["risk_types"] = d.risks("risk_types", default=c.risk_types)
    if d.raw.get("income_per_capita") not in (None, ""):
        try:
            Decimal(str(d.raw["income_per_capita"]))
        except InvalidOperation:
            d.errors.append(
                row_error("income_per_capita", d.raw["income_per_capita"], "应为金额（元/人·年）")
            )


@step_of("compare")
def _step_compare(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ctx.updates["compared_on"] = d.date("compared_on", after=[(c.home_checked_on, "入户核实日期")])
    result = comparison_gather(c, today=ctx.today)
    note = d.text("conflicts_note", max_length=1000)
    if result["conflicts"] and not note:
        d.errors.append(
            row_error(
                "conflicts_note", "", "比对发现以下不一致，须说明核实情况：" + "；".join(result["conflicts"])
            )
        )
    result["note"] = note
    ctx.updates["comparison"] = result


@step_of("village_review")
def _step_village_review(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    prev = (
        (c.compared_on, "信息比对日期")
        if c.kind == CaseKindChoices.IDENTIFICATION
        else (
            c.home_checked_on,
            "入户核实日期",
        )
    )
    ctx.updates["reviewed_on"] = d.date("reviewed_on", after=[prev])
    attendance = d.integer("attendance", minimum=1)
    votes_for = d.integer("votes_for")
    votes_against = d.integer("votes_against")
    result = d.choice("result", ReviewResultChoices)
    if None not in (attendance, votes_for, votes_against):
        assert attendance is not None and votes_for is not None and votes_against is not None
        if votes_for + votes_against > attendance:
            d.errors.append(
                row_error("votes_for", votes_for + votes_against, f"赞成与反对票合计超过参会人数{attendance}")
            )
        expected = ReviewResultChoices.PASSED if votes_for > votes_against else ReviewResultChoices.FAILED
        if result and result != expected:
            d.errors.append(
                row_error("result", result, f"评议结果与票数不符（赞成{votes_for}，反对{votes_against}）")
            )
    if result == ReviewResultChoices.FAILED:
        ctx.target = CaseStateChoices.REJECTED
        ctx.updates["rejection_reason"] = "民主评议未通过"


@step_of("notice_start")
def _step_notice_start(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ctx.updates["notice_started_on"] = d.date("started_on", after=[(c.reviewed_on, "民主评议日期")])
    d.text("place", max_length=255)


@step_of("objection_record")
def _step_objection_record(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    received = d.date("received_on", after=[(c.notice_started_on, "公示开始日期")])
    content = d.text("content", required=True, max_length=2000, label="异议内容")
    if not d.errors:

        def create() -> None:
            NoticeObjection.objects.create(case=c, received_on=received, content=content)

        ctx.after.append(create)


@step_of("objection_resolve")
def _step_objection_resolve(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    oid = d.integer("objection_id", minimum=1)
    objection = c.objections.filter(pk=oid).first() if oid else None
    if oid and objection is None:
        d.errors.append(row_error("objection_id", oid, "未找到该案件的这条异议"))
    resolved_on = d.date(
        "resolved_on", after=[(objection.received_on if objection else None, "异议收到日期")]
    )
    resolution = d.text("resolution", required=True, max_length=2000, label="处理结果")
    upheld = bool(d.raw.get("upheld", False))
    if objection is not None and objection.resolved_on is not None:
        d.errors.append(row_error("objection_id", oid, "该异议已处理"))
    if not d.errors and objection is not None:
        objection.resolution, objection.resolved_on, objection.upheld = resolution, resolved_on, upheld
        ctx.after.append(lambda: objection.save(update_fields=["resolution", "resolved_on", "upheld"]))


@step_of("township_review")
def _step_township_review(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ended = d.date("notice_ended_on", after=[(c.notice_started_on, "公示开始日期")])
    ctx.updates["notice_ended_on"] = ended
    ctx.updates["township_reviewed_on"] = d.date("reviewed_on", after=[(ended, "公示结束日期")])
    d.text("opinion", max_length=1000)
    if ended and c.notice_started_on:
        days = (ended - c.notice_started_on).days + 1
        if days < ctx.params.notice_days:
            d.errors.append(
                row_error(
                    "notice_ended_on",
                    ended,
                    f"公示期自{c.notice_started_on}至{ended}仅{days}天，不足{ctx.params.notice_days}天（R-ID-03）",
                )
            )
    open_objections = c.objections.filter(resolved_on__isnull=True).count()
    if open_objections:
        d.errors.append(row_error("objections", open_objections, f"还有{open_objections}条公示异议未处理"))
    if c.objections.filter(upheld=True).exists():
        d.errors.append(row_error("objections", "", "有成立的公示异议，应作“不予通过”处理"))


@step_of("county_approve")
def _step_county_approve(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    approved = d.date("approved_on", after=[(c.township_reviewed_on, "乡镇审核日期")])
    ctx.updates["approved_on"] = approved
    if c.kind == CaseKindChoices.IDENTIFICATION:
        category = d.choice("category", MonitoringCategoryChoices)
        # R-OBJ-01: who may hold each category depends on 户类型.
        status = c.household.poverty_status
        if category == MonitoringCategoryChoices.UNSTABLE and status != PovertyStatusChoices.FORMER_POOR:
            d.errors.append(
                row_error("category", category, "脱贫不稳定户只能是脱贫户（R-OBJ-01），该户为一般农户")
            )
        if category == MonitoringCategoryChoices.MARGINAL and status != PovertyStatusChoices.ORDINARY:
            d.errors.append(
                row_error("category", category, "边缘易致贫户只能是一般农户（R-OBJ-01），该户为脱贫户")
            )
        risks = d.risks("risk_types", default=c.risk_types)
        remark = d.text("risk_remark", max_length=255) or c.risk_remark
        if RiskTypeChoices.OTHER in risks and not remark:
            d.errors.append(row_error("risk_remark", "", "风险类型为“其他”时须填写说明（[DQ] 2_11_004）"))
        ctx.updates.update(category=category, risk_types=risks, risk_remark=remark)
        if "risk_level" in d.raw:
            ctx.updates["risk_level"] = d.choice("risk_level", RiskLevelChoices)
    elif approved is not None:
        for e in elimination_refusals(case=c.parent or c, mode=c.elimination_mode, on=approved):
            d.errors.append(e)
        _elimination_contact(ctx)


def _elimination_contact(ctx: StepContext) -> None:
    """R-AID-03, R-ELIM-06 ([DQ] 1_11_011): an eliminated household has a monitoring contact and phone. The
    county may give (or change) it with its approval; without one on the plan the approval is refused."""
    c, d = ctx.case, ctx.data
    name = d.text("contact_name", max_length=64)
    phone = d.text("contact_phone", max_length=32)
    if phone:
        # The step's record keeps the masked number only; the plan keeps it sealed.
        d.raw["contact_phone"] = crypto.mask_phone(phone)
    if name or phone:
        errors = contact_errors(name, phone)
        d.errors.extend(errors)
        if not errors:

            def write() -> None:
                plan_contact_write(household=c.household, actor=ctx.actor, name=name, phone=phone)

            ctx.after.append(write)
        return
    if not AssistancePlan.objects.filter(household=c.household).exclude(contact_name="").exists():
        d.errors.append(
            row_error(
                "contact_name",
                "",
                "须登记风险消除后的监测联系人及联系电话（R-AID-03、R-ELIM-06）",
            )
        )


def _elimination_apply(ctx: StepContext) -> None:
    """R-ELIM-05: mark the household eliminated; end monitoring-only measures, keep time-bound ones."""
    c = ctx.case
    day = c.approved_on or ctx.today
    ctx.updates["decided_on"] = day
    ctx.household_changes.update(risk_eliminated_on=day, elimination_mode=c.elimination_mode)
    parent = c.parent

    def close_parent_and_measures() -> None:
        if parent is not None:
            Case.objects.filter(pk=parent.pk).update(
                state=CaseStateChoices.ELIMINATED, is_open=False, version=parent.version + 1
            )
            audit_record(
                actor=ctx.actor,
                action=AuditActionChoices.TRANSITION,
                object_type="case",
                object_id=str(parent.pk),
                region_code=c.household.village_id,
                changes={"state": [parent.state, CaseStateChoices.ELIMINATED]},
                reason="风险消除，结束本轮监测（R-ELIM-05）",
            )
        stopped = []
        for m in Measure.objects.filter(plan__household=c.household, status=MeasureStatusChoices.ACTIVE):
            if m.measure_type in CONTINUING_TYPES or m.item in CONTINUING_ITEMS:
                continue  # continues until its agreement / school stage ends
            m.status, m.end_on = MeasureStatusChoices.ENDED, min(m.end_on or day, day)
            m.save(update_fields=["status", "end_on"])
            stopped.append(m.pk)
        if stopped:
            audit_record(
                actor=ctx.actor,
                action=AuditActionChoices.UPDATE,
                object_type="measure",
                object_id=",".join(map(str, stopped))[:64],
                region_code=c.household.village_id,
                changes={"ended": stopped},
                reason="风险消除后不再享受仅针对监测对象的措施（R-ELIM-05）",
            )

    ctx.after.append(close_parent_and_measures)


@step_of("announce")
def _step_announce(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    announced = d.date("announced_on", after=[(c.approved_on, "县级审定日期")])
    ctx.updates["announced_on"] = announced
    if c.kind == CaseKindChoices.ELIMINATION and not d.errors:
        _elimination_apply(ctx)


@step_of("enter_monitoring")
def _step_enter_monitoring(ctx: StepContext) -> None:
    c = ctx.case
    ctx.updates["decided_on"] = c.approved_on
    ctx.household_changes.update(
        monitoring_category=c.category,
        identified_on=c.approved_on,
        risk_eliminated_on=None,
        elimination_mode="",
    )


@step_of("set_risk_level")
def _step_set_risk_level(ctx: StepContext) -> None:
    ctx.updates["risk_level"] = ctx.data.choice("risk_level", RiskLevelChoices)


@step_of("reject")
def _step_reject(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    reason = d.text("reason", required=True, max_length=255, label="不予通过的原因（将告知申请人）")
    ctx.updates["rejection_reason"] = reason
    # Only the level whose turn it is, or a higher one, may stop the procedure.
    pending = responsible_role(c.kind, c.state)
    if pending and LEVEL_RANK.get(ctx.actor.role, 0) < LEVEL_RANK.get(pending, 0):
        raise Forbidden("当前环节不由您这一级办理，无权作出不予通过的决定")


@step_of("propose_elimination")
def _step_propose_elimination(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    mode = d.choice("mode", EliminationModeChoices, default=EliminationModeChoices.ASSISTED)
    proposed = d.date("proposed_on", required=False) or ctx.today
    if Case.objects.filter(household=c.household, kind=CaseKindChoices.ELIMINATION, is_open=True).exists():
        d.errors.append(row_error("case", c.pk, "该户已有办理中的风险消除案件"))
    if not d.errors:
        d.errors.extend(elimination_refusals(case=c, mode=mode, on=proposed))
    if not d.errors:

        def create() -> None:
            child = Case.objects.create(
                kind=CaseKindChoices.ELIMINATION,
                household=c.household,
                parent=c,
                state=CaseStateChoices.CANDIDATE,
                opened_on=proposed,
                due_on=None,
                category=c.category,
                risk_types=c.risk_types,
                elimination_mode=mode,
                created_by=ctx.actor,
            )
            audit_record(
                actor=ctx.actor,
                action=AuditActionChoices.CREATE,
                object_type="case",
                object_id=str(child.pk),
                region_code=c.household.village_id,
                changes={"kind": child.kind, "parent": c.pk, "elimination_mode": mode},
                reason="提出风险消除",
            )

        ctx.after.append(create)


@step_of("rollback")
def _step_rollback(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    d.text("reason", required=True, max_length=255, label="回退原因（风险反弹情况）")
    d.date("found_on", after=[(c.approved_on, "消除审定日期")])
    parent = c.parent
    if parent is None:
        d.errors.append(row_error("case", c.pk, "找不到对应的识别案件"))
        return
    if Case.objects.filter(household=c.household, kind=CaseKindChoices.IDENTIFICATION, is_open=True).exists():
        d.errors.append(row_error("case", c.pk, "该户已因新的风险重新识别，不能回退本次消除（R-ELIM-07）"))
    if d.errors:
        return
    ctx.updates["is_open"] = False
    ctx.household_changes.update(risk_eliminated_on=None, elimination_mode="")

    def reopen() -> None:
        Case.objects.filter(pk=parent.pk).update(
            state=CaseStateChoices.MONITORING, is_open=True, version=parent.version + 1
        )
        audit_record(
            actor=ctx.actor,
            action=AuditActionChoices.TRANSITION,
            object_type="case",
            object_id=str(parent.pk),
            region_code=c.household.village_id,
            changes={"state": [parent.state, CaseStateChoices.MONITORING]},
            reason="风险消除回退，恢复监测（R-ELIM-07）",
        )

    ctx.after.append(reopen)


@transaction.atomic
def case_transition(
    *, case: Case, action: str, actor: User, data: dict[str, Any] | None, expected_version: int
) -> Case:
    """The one way a case moves (STYLE 7): table lookup, role, region, version, state and preconditions,
    effects.

    The row is locked (``select_for_update``) and compared with ``expected_version`` so that of two
    officers acting on the same step at once exactly one succeeds; the other gets ``CaseConflict``.
    """
    locked = (
        Case.objects.select_for_update(of=("self",)).select_related("household", "parent").get(pk=case.pk)
    )
    move: Move | None = move_get(locked.kind, action)
    if move is None:
        actions = sorted(a for (k, a) in MOVES if k == locked.kind)
        refuse(action, [row_error("action", action, "不支持的操作，可选：" + "、".join(actions))])
        raise AssertionError  # unreachable: _refuse raised
    # One order for every change of a case (docs/api.md "Concurrency"): who may (403), where (404), then
    # the version (409), then the step's own preconditions (422), which only make sense on the current case.
    if actor.role not in move.roles:
        labels = "、".join(str(dict(RoleChoices.choices)[r]) for r in sorted(move.roles))
        raise Forbidden(f"“{move.label}”须由{labels}办理")
    if not user_can_see_region(actor, household_region(locked.household)):
        raise NotFound(str(locked.pk))
    if locked.version != expected_version:
        raise CaseConflict(case_id=locked.pk, expected=expected_version, actual=locked.version)
    if locked.state not in move.sources:
        need = "、".join(state_label(s) for s in sorted(move.sources))
        refuse(
            move.label,
            [
                row_error(
                    "action",
                    action,
                    f"当前环节为“{state_label(locked.state)}”，“{move.label}”须在“{need}”之后办理",
                )
            ],
        )
    today = clock.today()
    ctx = StepContext(
        case=locked,
        actor=actor,
        data=StepData(raw=dict(data or {}), today=today),
        params=params_get(region_code=locked.household.village_id, year=today.year),
        today=today,
    )
    move_step(move)(ctx)
    refuse(move.label, ctx.data.errors)

    old_state = locked.state
    target = ctx.target or move.target
    updates = {k: v for k, v in ctx.updates.items() if k != "state"}
    before = {k: jsonable(getattr(locked, k)) for k in updates}
    for k, v in updates.items():
        setattr(locked, k, v)
    locked.state = target
    if target in (CaseStateChoices.REJECTED, CaseStateChoices.ELIMINATED, CaseStateChoices.ROLLED_BACK):
        locked.is_open = False
    locked.version += 1
    if locked.overdue and target != old_state and move.step:
        # The late step is done; a later step can become overdue again only past the due date.
        locked.overdue = locked.due_on is not None and today > locked.due_on and locked.is_open
    locked.save()
    for fn in ctx.after:
        fn()
    if ctx.household_changes:
        household_update(
            household=locked.household,
            changes=ctx.household_changes,
            actor=actor,
            reason=f"案件#{locked.pk}{move.label}",
        )
    CaseStep.objects.create(
        case=locked,
        action=action,
        from_state=old_state,
        to_state=target,
        data=jsonable(ctx.data.raw),
        actor=actor,
        actor_role=actor.role,
    )
    changes = field_changes(before, {k: jsonable(v) for k, v in updates.items()})
    changes["state"] = [old_state, target]
    changes["version"] = [expected_version, locked.version]
    audit_record(
        actor=actor,
        action=AuditActionChoices.TRANSITION,
        object_type="case",
        object_id=str(locked.pk),
        region_code=locked.household.village_id,
        changes=changes,
        reason=f"{move.label}（{move.policy}）",
    )
    return locked
