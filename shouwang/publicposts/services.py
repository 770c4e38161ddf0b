"""State changes of public-welfare posts (R-EMP-07). Each is one atomic action with its audit row; a
refusal raises ``InputRefused`` (every reason, in Chinese, naming the rule) and changes nothing; an actor
outside the post's region gets ``NotFound`` (as if it did not exist), a role with no part in the step
``Forbidden``.

* ``post_create``: a post in a village (拟设岗位).
* ``post_transition``: one recruitment step of transitions.POST_MOVES (公告 → 截止报名 → 公示 → 聘用,
  重新招聘, 撤销); a step that is not next is refused, naming the step that is.
* ``post_apply``: an application (申报) while the post is announced, refused up front when the applicant
  is not eligible (eligibility.py); ``application_review``: 审核 of one application.
* ``holder_dismiss``: a holder leaves, with a coded reason (清退 or 聘期届满); ``holder_renew``: 续聘.
* ``post_month_record``: a month's attendance and subsidy payments of a post's holders.
* ``post_parameter_set``: a new version of a province's (or county's) hiring rules.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from shouwang.accounts.access import Forbidden, NotFound, signed_in_with_region
from shouwang.accounts.actors import Actor
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.common.errors import InputRefused, RowError
from shouwang.publicposts import clock
from shouwang.publicposts.choices import (
    ApplicationStatusChoices,
    ExitReasonChoices,
    FundingSourceChoices,
    HolderStatusChoices,
    InsuranceChoices,
    PostClassChoices,
    PostStageChoices,
)
from shouwang.publicposts.eligibility import Refusal, eligibility_check
from shouwang.publicposts.models import (
    PostApplication,
    PostHolder,
    PostMonthRecord,
    PostParameter,
    PublicPost,
)
from shouwang.publicposts.parameters import PostParams, post_params_get
from shouwang.publicposts.transitions import (
    APPLYING_STAGES,
    LOCAL,
    MANAGERS,
    REVIEW_STAGES,
    next_step,
    post_move_get,
)
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Person

STAGE_LABELS = dict(PostStageChoices.choices)
MAX_SUBSIDY = Decimal("5000")  # 元/月: far above any county's post subsidy; a typo guard, not a policy


def _refused(message: str, errors: list[RowError]) -> InputRefused:
    return InputRefused(message, errors)


def _official(actor: Actor, region_code: str, roles: frozenset[str], what: str) -> Any:
    """The signed-in official acting on something in ``region_code``: ``NotFound`` outside their region,
    ``Forbidden`` for a role with no part in ``what``."""
    official = signed_in_with_region(actor) if not isinstance(actor, str) else None
    if official is None or not region_code.startswith(official.region_code):
        raise NotFound(region_code)
    if official.role not in roles:
        raise Forbidden(f"您的角色无权{what}")
    return official


def _audit(actor: Actor, post: PublicPost, action: str, changes: dict[str, Any], reason: str) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="public_post",
        object_id=str(post.pk),
        region_code=post.village_id,
        changes=changes,
        reason=reason,
    )


def _refusal_rows(refusals: list[Refusal], column: str = "person") -> list[RowError]:
    return [RowError(None, column, r.code, f"{r.reason}（{r.rule}）") for r in refusals]


# ----------------------------------------------------------------------------------------------- posts


@dataclass(frozen=True)
class PostInput:
    village_code: str
    name: str
    post_class: str
    funding: str
    monthly_subsidy: Decimal
    insurance: str
    places: int = 1
    term_months: int = 12
    department: str = ""


def _post_errors(data: PostInput) -> list[RowError]:
    errors: list[RowError] = []
    if not data.name.strip():
        errors.append(RowError(None, "name", "", "请填写岗位名称"))
    if data.post_class not in PostClassChoices.values:
        errors.append(RowError(None, "post_class", data.post_class, "岗位类别不在可选范围内"))
    if data.funding not in FundingSourceChoices.values:
        errors.append(RowError(None, "funding", data.funding, "资金来源不在可选范围内"))
    if data.insurance not in InsuranceChoices.values:
        errors.append(RowError(None, "insurance", data.insurance, "保险不在可选范围内"))
    if not Decimal(0) < data.monthly_subsidy <= MAX_SUBSIDY:
        errors.append(
            RowError(
                None, "monthly_subsidy", str(data.monthly_subsidy), f"月补贴应大于0且不超过{MAX_SUBSIDY}元"
            )
        )
    if not 1 <= data.places <= 50:
        errors.append(RowError(None, "places", str(data.places), "岗位数应为1–50"))
    if not 1 <= data.term_months <= 36:
        errors.append(
            RowError(None, "term_months", str(data.term_months), "聘期应为1–36个月（公益性岗位为临时性岗位）")
        )
    return errors


@transaction.atomic
def post_create(*, actor: Actor, data: PostInput) -> PublicPost:
    official = _official(actor, data.village_code, MANAGERS, "设立公益性岗位")
    village = Region.objects.filter(code=data.village_code, level=RegionLevelChoices.VILLAGE).first()
    errors = _post_errors(data)
    if village is None:
        errors.insert(0, RowError(None, "village_code", data.village_code, "行政村不存在"))
    if errors:
        raise _refused("岗位未设立", errors)
    assert village is not None
    post = PublicPost.objects.create(
        name=data.name.strip(),
        village=village,
        county_code=village.code[:6],
        township_code=village.code[:9],
        post_class=data.post_class,
        department=data.department.strip(),
        funding=data.funding,
        monthly_subsidy=data.monthly_subsidy,
        insurance=data.insurance,
        places=data.places,
        term_months=data.term_months,
        created_by=official,
    )
    _audit(
        actor,
        post,
        AuditActionChoices.CREATE,
        {k: str(v) for k, v in data.__dict__.items()},
        "设立公益性岗位",
    )
    return post


def _active_holders(post: PublicPost) -> int:
    return PostHolder.objects.filter(post=post, status=HolderStatusChoices.ACTIVE).count()


def _step_refused(post: PublicPost, label: str) -> InputRefused:
    stage = STAGE_LABELS[post.stage]
    following = next_step(post.stage)
    hint = f"下一步应为“{following.label}”" if following else "该岗位已撤销"
    reason = f"岗位当前处于“{stage}”环节，不能办理“{label}”；招聘环节不能跳过，{hint}"
    return _refused("操作被拒绝", [RowError(None, "action", label, f"{reason}（R-EMP-07）")])


def _move_errors(post: PublicPost, action: str, on: dt.date) -> list[RowError]:
    """The preconditions of one step (R-EMP-07), every problem at once."""
    errors: list[RowError] = []
    apps = PostApplication.objects.filter(post=post, round=post.round)
    if action == "announce" and post.insurance == InsuranceChoices.NONE:
        errors.append(RowError(None, "insurance", "", "岗位未购买意外伤害保险，不能发布招聘公告（R-EMP-07）"))
    elif action == "close_applications" and not apps.exists():
        errors.append(RowError(None, "applications", "0", "尚无人报名，不能进入资格审核"))
    elif action == "notice_start":
        pending = apps.filter(status=ApplicationStatusChoices.SUBMITTED).count()
        if pending:
            errors.append(RowError(None, "applications", str(pending), f"还有{pending}份报名未审核"))
        if not apps.filter(status=ApplicationStatusChoices.APPROVED).exists():
            errors.append(RowError(None, "applications", "0", "没有审核通过的人员，不能公示"))
    elif action == "hire":
        params = post_params_get(region_code=post.village_id, year=on.year)
        assert post.notice_started_on is not None
        days = (on - post.notice_started_on).days
        if days < params.notice_days:
            errors.append(
                RowError(
                    None,
                    "notice",
                    str(days),
                    f"拟聘公示自{post.notice_started_on.isoformat()}起仅{days}天，"
                    f"须满{params.notice_days}天后方可聘用（R-EMP-07）",
                )
            )
        if not apps.filter(status=ApplicationStatusChoices.APPROVED).exists():
            errors.append(RowError(None, "applications", "0", "没有审核通过的拟聘人员"))
    elif action == "reopen" and _active_holders(post) >= post.places:
        errors.append(RowError(None, "places", str(post.places), "岗位没有空缺，不能重新招聘"))
    elif action == "close" and _active_holders(post):
        errors.append(RowError(None, "holders", str(_active_holders(post)), "岗位还有在岗人员，须先办理离岗"))
    return errors


def _hire(post: PublicPost, actor: Actor, on: dt.date) -> list[PostHolder]:
    """Hire the approved applicants, in the order they applied, up to the vacant places; each is checked
    again on the hire date (eligibility may have changed during the notice). Any refusal refuses all."""
    vacant = post.places - _active_holders(post)
    approved = list(
        PostApplication.objects.filter(post=post, round=post.round, status=ApplicationStatusChoices.APPROVED)
        .select_related("person", "person__household")
        .order_by("applied_on", "pk")
    )
    errors: list[RowError] = []
    hired: list[PostHolder] = []
    for app in approved[: max(vacant, 0)]:
        refusals = eligibility_check(
            person=app.person,
            post=post,
            on=on,
            health_checked=app.health_checked,
            cadre_relative=app.cadre_relative,
        )
        if refusals:
            errors += [
                RowError(None, app.person.name, r.code, f"{app.person.name}：{r.reason}（{r.rule}）")
                for r in refusals
            ]
            continue
        hired.append(
            PostHolder.objects.create(
                post=post,
                person=app.person,
                household=app.household,
                application=app,
                county_code=post.county_code,
                township_code=post.township_code,
                start_on=on,
                term_end_on=_months_later(on, post.term_months),
            )
        )
    if errors:
        raise _refused("聘用被拒绝：拟聘人员不符合条件，请在审核中改为不通过后再聘用", errors)
    hired_ids = {h.application_id for h in hired}
    for app in approved:
        app.status = (
            ApplicationStatusChoices.HIRED if app.pk in hired_ids else ApplicationStatusChoices.NOT_HIRED
        )
        app.save(update_fields=["status"])
    return hired


def _months_later(on: dt.date, months: int) -> dt.date:
    """The last day of a term of ``months`` starting ``on`` (2025-03-20 + 12 → 2026-03-19)."""
    m = on.month - 1 + months
    year, month = on.year + m // 12, m % 12 + 1
    day = min(on.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) - dt.timedelta(days=1)


@transaction.atomic
def post_transition(
    *, post: PublicPost, action: str, actor: Actor, expected_version: int | None = None
) -> PublicPost:
    """One recruitment step (transitions.POST_MOVES); the post is re-read under a row lock."""
    move = post_move_get(action)
    if move is None:
        raise _refused("操作被拒绝", [RowError(None, "action", action, "没有这个招聘操作")])
    locked = PublicPost.objects.select_for_update().get(pk=post.pk)
    _official(actor, locked.village_id, move.roles, move.label)
    if expected_version is not None and expected_version != locked.version:
        raise _refused(
            "岗位已被他人更新，请刷新后重试", [RowError(None, "version", str(expected_version), "版本已变化")]
        )
    if locked.stage not in move.sources:
        raise _step_refused(locked, move.label)
    on = clock.today()
    errors = _move_errors(locked, action, on)
    if errors:
        raise _refused(f"“{move.label}”被拒绝", errors)
    before = locked.stage
    changes: dict[str, Any] = {"stage": [before, move.target]}
    if action == "hire":
        hired = _hire(locked, actor, on)
        locked.hired_on = on
        changes["hired"] = [h.person_id for h in hired]
    elif action == "announce":
        locked.announced_on = on
    elif action == "close_applications":
        locked.review_started_on = on
    elif action == "notice_start":
        locked.notice_started_on = on
    elif action == "reopen":
        locked.round += 1
        locked.announced_on, locked.review_started_on, locked.notice_started_on = on, None, None
        changes["round"] = locked.round
    locked.stage = move.target
    locked.version += 1
    locked.save()
    _audit(actor, locked, AuditActionChoices.TRANSITION, changes, move.label)
    return locked


# -------------------------------------------------------------------------------------------- applicants


@transaction.atomic
def post_apply(
    *,
    post: PublicPost,
    person_id: int,
    actor: Actor,
    health_checked: bool = False,
    cadre_relative: bool = False,
) -> PostApplication:
    """An application to the post's current round, refused up front (every reason) when the applicant is
    not eligible on today's date (R-EMP-07)."""
    locked = PublicPost.objects.select_for_update().get(pk=post.pk)
    _official(actor, locked.village_id, LOCAL, "登记岗位报名")
    if locked.stage not in APPLYING_STAGES:
        raise _refused(
            "报名被拒绝",
            [
                RowError(
                    None, "stage", locked.stage, f"岗位当前处于“{STAGE_LABELS[locked.stage]}”环节，不接受报名"
                )
            ],
        )
    person = Person.objects.select_related("household").filter(pk=person_id).first()
    if person is None or not person.household.village_id.startswith(_region_of(actor)):
        raise _refused("报名被拒绝", [RowError(None, "person", str(person_id), "申请人不存在或不在您的辖区")])
    if PostApplication.objects.filter(post=locked, round=locked.round, person=person).exists():
        raise _refused("报名被拒绝", [RowError(None, "person", person.name, "申请人已报名本岗位本轮招聘")])
    today = clock.today()
    refusals = eligibility_check(
        person=person, post=locked, on=today, health_checked=health_checked, cadre_relative=cadre_relative
    )
    if refusals:
        raise _refused(f"{person.name}不符合公益性岗位聘用条件，未登记报名", _refusal_rows(refusals))
    app = PostApplication.objects.create(
        post=locked,
        round=locked.round,
        person=person,
        household=person.household,
        applied_on=today,
        health_checked=health_checked,
        cadre_relative=cadre_relative,
        created_by=signed_in_with_region(actor) if not isinstance(actor, str) else None,
    )
    _audit(
        actor,
        locked,
        AuditActionChoices.CREATE,
        {
            "application": app.pk,
            "person": person.pk,
            "health_checked": health_checked,
            "cadre_relative": cadre_relative,
        },
        "公益性岗位报名",
    )
    return app


def _region_of(actor: Actor) -> str:
    official = signed_in_with_region(actor) if not isinstance(actor, str) else None
    return official.region_code if official is not None else "\0"


@transaction.atomic
def application_review(
    *, application: PostApplication, actor: Actor, approved: bool, note: str = ""
) -> PostApplication:
    """审核 of one application while the post is in review or on public notice; a turned-down applicant
    needs a reason."""
    post = PublicPost.objects.select_for_update().get(pk=application.post_id)
    _official(actor, post.village_id, MANAGERS, "审核岗位报名")
    app = PostApplication.objects.select_related("person").get(pk=application.pk)
    errors: list[RowError] = []
    if post.stage not in REVIEW_STAGES or app.round != post.round:
        errors.append(
            RowError(None, "stage", post.stage, f"岗位当前处于“{STAGE_LABELS[post.stage]}”环节，不能审核报名")
        )
    if app.status in (ApplicationStatusChoices.HIRED, ApplicationStatusChoices.NOT_HIRED):
        errors.append(RowError(None, "status", app.status, "该报名已办结"))
    if not approved and not note.strip():
        errors.append(RowError(None, "note", "", "审核不通过须填写原因"))
    if errors:
        raise _refused("审核被拒绝", errors)
    before = app.status
    app.status = ApplicationStatusChoices.APPROVED if approved else ApplicationStatusChoices.REJECTED
    app.reviewed_on, app.review_note = clock.today(), note.strip()
    app.save(update_fields=["status", "reviewed_on", "review_note"])
    _audit(
        actor,
        post,
        AuditActionChoices.UPDATE,
        {"application": app.pk, "status": [before, app.status]},
        note.strip() or "审核通过",
    )
    return app


# --------------------------------------------------------------------------------------------- holders


@transaction.atomic
def holder_dismiss(
    *, holder: PostHolder, actor: Actor, reason: str, ended_on: dt.date, note: str = ""
) -> PostHolder:
    """A holder leaves the post (离岗): 聘期届满 or a 清退 with its coded reason."""
    locked = PostHolder.objects.select_for_update().select_related("post").get(pk=holder.pk)
    _official(actor, locked.post.village_id, MANAGERS, "办理公益性岗位离岗")
    errors: list[RowError] = []
    if locked.status != HolderStatusChoices.ACTIVE:
        errors.append(RowError(None, "status", locked.status, "该人员已离岗"))
    if reason not in ExitReasonChoices.values:
        errors.append(RowError(None, "reason", reason, "请选择离岗原因"))
    if ended_on < locked.start_on:
        errors.append(RowError(None, "ended_on", ended_on.isoformat(), "离岗日期早于聘用开始日期"))
    if ended_on > clock.today():
        errors.append(RowError(None, "ended_on", ended_on.isoformat(), "离岗日期不能晚于今天"))
    if reason == ExitReasonChoices.TERM_ENDED and ended_on < locked.term_end_on:
        errors.append(RowError(None, "reason", reason, f"聘期至{locked.term_end_on.isoformat()}，尚未届满"))
    if reason != ExitReasonChoices.TERM_ENDED and not note.strip():
        errors.append(RowError(None, "note", "", "清退须写明事实和依据"))
    if errors:
        raise _refused("离岗办理被拒绝", errors)
    locked.status, locked.ended_on = HolderStatusChoices.ENDED, ended_on
    locked.exit_reason, locked.exit_note = reason, note.strip()
    locked.save(update_fields=["status", "ended_on", "exit_reason", "exit_note", "updated_at"])
    _audit(
        actor,
        locked.post,
        AuditActionChoices.UPDATE,
        {
            "holder": locked.pk,
            "person": locked.person_id,
            "status": ["active", "ended"],
            "exit_reason": reason,
        },
        f"离岗：{ExitReasonChoices(reason).label}",
    )
    return locked


RENEWAL_WINDOW_DAYS = 60  # 续聘 is decided in the last two months of a term (or after it ran out)
# What a renewal does not re-check: the holder holds this very post, and the household's other holders
# were there before (the cap applies to new hires).
_NOT_FOR_RENEWAL = frozenset({"holds_this_post", "household_cap"})


@transaction.atomic
def holder_renew(*, holder: PostHolder, actor: Actor) -> PostHolder:
    """续聘: one more term for an active holder near the end of the term, who must still meet the rules
    on the day (age with the health check declared at hiring, target household, cadre family)."""
    locked = (
        PostHolder.objects.select_for_update(of=("self",))
        .select_related("post", "person", "application")
        .get(pk=holder.pk)
    )
    _official(actor, locked.post.village_id, MANAGERS, "办理公益性岗位续聘")
    today = clock.today()
    errors: list[RowError] = []
    if locked.status != HolderStatusChoices.ACTIVE:
        errors.append(RowError(None, "status", locked.status, "该人员已离岗，不能续聘"))
    if (locked.term_end_on - today).days > RENEWAL_WINDOW_DAYS:
        errors.append(
            RowError(
                None,
                "term_end_on",
                locked.term_end_on.isoformat(),
                f"聘期至{locked.term_end_on.isoformat()}，到期前{RENEWAL_WINDOW_DAYS}天内方可办理续聘",
            )
        )
    app = locked.application
    refusals = [
        r
        for r in eligibility_check(
            person=locked.person,
            post=locked.post,
            on=today,
            health_checked=app.health_checked if app else False,
            cadre_relative=app.cadre_relative if app else False,
        )
        if r.code not in _NOT_FOR_RENEWAL
    ]
    errors += _refusal_rows(refusals)
    if errors:
        raise _refused(f"{locked.person.name}不能续聘", errors)
    before = locked.term_end_on
    locked.term_end_on = _months_later(before + dt.timedelta(days=1), locked.post.term_months)
    locked.save(update_fields=["term_end_on", "updated_at"])
    _audit(
        actor,
        locked.post,
        AuditActionChoices.UPDATE,
        {"holder": locked.pk, "term_end_on": [before.isoformat(), locked.term_end_on.isoformat()]},
        "续聘",
    )
    return locked


@dataclass(frozen=True)
class MonthEntry:
    holder_id: int
    days_worked: int
    subsidy_paid: Decimal | None = None
    paid_on: dt.date | None = None
    note: str = ""


def _period_bounds(period: str) -> tuple[dt.date, dt.date] | None:
    try:
        year, month = int(period[:4]), int(period[5:7])
        if len(period) != 7 or period[4] != "-":
            return None
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        return None


@transaction.atomic
def post_month_record(
    *, post: PublicPost, period: str, entries: list[MonthEntry], actor: Actor
) -> list[PostMonthRecord]:
    """A month's attendance (出勤天数) and subsidy payments of the post's holders, all or nothing: each
    holder must have held the post in the month, days within the month, a payment not above the monthly
    subsidy and not before the month ends being paid for."""
    official = _official(actor, post.village_id, LOCAL, "登记考勤和补贴发放")
    bounds = _period_bounds(period)
    today = clock.today()
    errors: list[RowError] = []
    if bounds is None:
        raise _refused("考勤登记被拒绝", [RowError(None, "period", period, "月份格式应为YYYY-MM")])
    first, last = bounds
    if first > today:
        errors.append(RowError(None, "period", period, "不能登记未来月份"))
    holders = {h.pk: h for h in PostHolder.objects.filter(post=post).select_related("person")}
    seen: set[int] = set()
    for i, e in enumerate(entries, start=1):
        h = holders.get(e.holder_id)
        if h is None:
            errors.append(RowError(i, "holder", str(e.holder_id), "不是本岗位的在岗人员"))
            continue
        name = h.person.name
        if e.holder_id in seen:
            errors.append(RowError(i, "holder", name, "同一人重复登记"))
        seen.add(e.holder_id)
        if h.start_on > last or (h.ended_on is not None and h.ended_on < first):
            errors.append(RowError(i, "holder", name, f"{name}{period}不在岗，不能登记"))
        if not 0 <= e.days_worked <= last.day:
            errors.append(RowError(i, "days_worked", str(e.days_worked), f"{name}：出勤天数应为0–{last.day}"))
        if e.subsidy_paid is not None:
            if e.subsidy_paid < 0 or e.subsidy_paid > post.monthly_subsidy:
                errors.append(
                    RowError(
                        i,
                        "subsidy_paid",
                        str(e.subsidy_paid),
                        f"{name}：发放金额应在0至月补贴{post.monthly_subsidy}元之间",
                    )
                )
            if e.paid_on is None:
                errors.append(RowError(i, "paid_on", "", f"{name}：请填写发放日期"))
            elif e.paid_on < first or e.paid_on > today:
                errors.append(
                    RowError(
                        i, "paid_on", e.paid_on.isoformat(), f"{name}：发放日期应在{period}月初之后、今天之前"
                    )
                )
        elif e.paid_on is not None:
            errors.append(RowError(i, "subsidy_paid", "", f"{name}：填写了发放日期但没有发放金额"))
    if errors:
        raise _refused("考勤登记被拒绝，未保存任何记录", errors)
    out: list[PostMonthRecord] = []
    for e in entries:
        rec, _created = PostMonthRecord.objects.update_or_create(
            holder_id=e.holder_id,
            period=period,
            defaults={
                "days_worked": e.days_worked,
                "subsidy_paid": e.subsidy_paid,
                "paid_on": e.paid_on,
                "note": e.note.strip(),
                "recorded_by": official,
            },
        )
        out.append(rec)
    _audit(
        actor,
        post,
        AuditActionChoices.UPDATE,
        {
            "period": period,
            "records": [
                {"holder": e.holder_id, "days": e.days_worked, "paid": str(e.subsidy_paid or "")}
                for e in entries
            ],
        },
        f"{period}考勤和补贴发放",
    )
    return out


# ------------------------------------------------------------------------------------------ parameters

PARAMETER_SETTERS = frozenset({RoleChoices.PROVINCE, RoleChoices.COUNTY})


@transaction.atomic
def post_parameter_set(
    *, actor: Actor, region_code: str, values: PostParams, year: int | None = None, note: str
) -> PostParameter:
    """A new version of the hiring rules for a province (its switches) or a county (R-EMP-07); rows are
    never edited. The bounds refused are the law's and R-AID-08's: nobody under 16, nobody 70 or over."""
    official = _official(actor, region_code, PARAMETER_SETTERS, "设置公益性岗位参数")
    errors: list[RowError] = []
    if len(region_code) not in (2, 6):
        errors.append(RowError(None, "region_code", region_code, "参数按省或县设置"))
    if values.min_age < 16:
        errors.append(RowError(None, "min_age", str(values.min_age), "最低年龄不得低于16周岁（R-EMP-07）"))
    if not values.min_age <= values.max_age <= values.max_age_health_checked < 70:
        errors.append(
            RowError(
                None,
                "max_age",
                f"{values.max_age}/{values.max_age_health_checked}",
                "应满足：最低年龄 ≤ 最高聘用年龄 ≤ 体检合格时最高年龄 < 70周岁（R-AID-08）",
            )
        )
    if not 1 <= values.household_cap <= 5:
        errors.append(RowError(None, "household_cap", str(values.household_cap), "每户岗位数应为1–5"))
    if not 1 <= values.notice_days <= 30:
        errors.append(RowError(None, "notice_days", str(values.notice_days), "公示天数应为1–30天"))
    if not note.strip():
        errors.append(RowError(None, "note", "", "请写明依据（文件名称和文号）"))
    if errors:
        raise _refused("参数未保存", errors)
    latest = PostParameter.objects.filter(region_code=region_code, year=year).order_by("-version").first()
    row = PostParameter.objects.create(
        region_code=region_code,
        year=year,
        version=(latest.version + 1) if latest else 1,
        min_age=values.min_age,
        max_age=values.max_age,
        max_age_health_checked=values.max_age_health_checked,
        household_cap=values.household_cap,
        cadre_family_rule=values.cadre_family_rule,
        target_households_only=values.target_households_only,
        notice_days=values.notice_days,
        note=note.strip(),
        created_by=official,
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="public_post_parameter",
        object_id=str(row.pk),
        region_code=region_code,
        changes={k: v for k, v in values.__dict__.items() if k != "source"} | {"version": row.version},
        reason=note.strip(),
    )
    return row
