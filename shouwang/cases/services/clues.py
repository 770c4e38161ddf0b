"""Risk clues (R-ID-01): intake from every channel, the household's one open case per episode, clues
whose household staff still have to find, and clues from screening warnings (R-WARN-02).
"""

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.actors import Actor, actor_user
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import (
    GREEN_CHANNEL_RISKS,
    MAX_RISK_TYPES,
    RECORDABLE_RISKS,
    CaseKindChoices,
    CaseStateChoices,
    ChannelChoices,
    RiskLevelChoices,
)
from shouwang.cases.models import Case, CaseStep, Clue
from shouwang.cases.parameters import params_get
from shouwang.cases.services._common import household_region, refuse, row_error
from shouwang.common import crypto, idnumber
from shouwang.common.errors import RowError
from shouwang.common.jsonable import jsonable
from shouwang.common.limits import max_length
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import RiskTypeChoices
from shouwang.registry.models import Household, Person
from shouwang.screening.models import Warning as ScreeningWarning

CLUE_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.GRID, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})


def _village(code: str | None) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code, level=RegionLevelChoices.VILLAGE).first()


def _outside(actor: Actor, region_code: str) -> bool:
    """For officials (not the public channel): is ``region_code`` outside their region?"""
    return isinstance(actor, User) and not user_can_see_region(actor, region_code)


def household_by_id_number(id_number: str) -> Household | None:
    """Match a person by blind index of the ID (never by the clear number)."""
    person = Person.objects.select_related("household").filter(id_index=crypto.blind_index(id_number)).first()
    return person.household if person else None


@transaction.atomic
def clue_submit(
    *,
    actor: Actor,
    channel: str,
    risk_types: list[str],
    household: Household | None = None,
    village_code: str = "",
    subject_name: str = "",
    subject_id_number: str = "",
    description: str = "",
    evidence: dict[str, Any] | None = None,
    reported_on: dt.date | None = None,
    green_channel: bool = False,
    source_ref: str = "",
) -> Clue:
    """Record a risk clue (R-ID-01) and open the household's case or attach to the open one.

    A clue whose household is unknown (no ID given, or the ID matches nobody) waits with its village for
    staff to resolve (``clue_household_resolve``).
    """
    today = clock.today()
    errors: list[RowError] = []
    if channel not in ChannelChoices.values:
        errors.append(row_error("channel", channel, "渠道无效，可选：" + "、".join(ChannelChoices.values)))
    id_index = ""
    if household is None and subject_id_number:
        try:
            number = idnumber.parse(subject_id_number).number
        except idnumber.IdNumberError as exc:
            raw = idnumber.normalise(str(subject_id_number))
            errors.append(
                row_error("id_number", idnumber.mask(raw), str(exc).replace(raw, idnumber.mask(raw)))
            )
        else:
            id_index = crypto.blind_index(number)
            household = household_by_id_number(number)
            if household is not None and _outside(actor, household_region(household)):
                # An officer may not learn that an ID exists elsewhere: the clue waits in the given village.
                household = None
    village = household.village if household else _village(village_code)
    if village is not None and _outside(actor, household_region(household) if household else village.code):
        raise NotFound(village.code)
    if village is None:
        errors.append(row_error("village_code", village_code, "须填写存在的行政村代码（12位）"))
    risks = [r for r in risk_types if r in RiskTypeChoices.values]
    for r in risk_types:
        if r not in RiskTypeChoices.values:
            errors.append(row_error("risk_types", r, "风险类型无效"))
    reported_on = reported_on or today
    if reported_on > today:
        errors.append(row_error("reported_on", reported_on, f"发现日期不能晚于今天（{today}）"))
    if len(subject_name) > (limit := max_length(Clue, "subject_name")):
        errors.append(row_error("subject_name", "", f"当事人姓名不超过{limit}字"))
    if household is None and not subject_name and channel != ChannelChoices.WARNING:
        errors.append(row_error("subject_name", "", "未指定农户时须填写当事人姓名"))
    if green_channel and not any(r in GREEN_CHANNEL_RISKS for r in risks):
        errors.append(row_error("green_channel", "是", "绿色通道只适用于突发自然灾害或意外事故（R-ID-05）"))
    refuse("登记风险线索", errors)
    assert village is not None
    green = bool(green_channel)
    clue = Clue.objects.create(
        channel=channel,
        source_ref=source_ref[:64],
        household=household,
        village=village,
        subject_name=subject_name,
        subject_id_index=id_index,
        risk_types=risks,
        description=description,
        evidence=jsonable(evidence or {}),
        reported_on=reported_on,
        green_channel=green,
        created_by=actor_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="clue",
        object_id=str(clue.pk),
        region_code=village.code,
        changes={"channel": channel, "risk_types": risks, "source_ref": source_ref},
        reason="登记风险线索",
    )
    if household is not None:
        _case_open_or_attach(clue=clue, actor=actor)
    return clue


def _case_open_or_attach(*, clue: Clue, actor: Actor) -> Case:
    """One open identification case per household per episode (R-ID-01); later clues attach to it."""
    assert clue.household is not None
    household = Household.objects.select_for_update().get(pk=clue.household.pk)
    recordable = [r for r in clue.risk_types if r in RECORDABLE_RISKS]
    case = (
        Case.objects.select_for_update()
        .filter(household=household, kind=CaseKindChoices.IDENTIFICATION, is_open=True)
        .first()
    )
    if case is None:
        params = params_get(region_code=household.village_id, year=clue.reported_on.year)
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    kind=CaseKindChoices.IDENTIFICATION,
                    household=household,
                    state=CaseStateChoices.CLUE,
                    opened_on=clue.reported_on,
                    due_on=clue.reported_on + dt.timedelta(days=params.limit_days),
                    risk_types=recordable[:MAX_RISK_TYPES],
                    green_channel=clue.green_channel,
                    risk_level=RiskLevelChoices.RED if clue.green_channel else RiskLevelChoices.YELLOW,
                    created_by=actor_user(actor),
                )
        except IntegrityError:
            # Another clue for the same household opened the case a moment ago: attach to it.
            case = Case.objects.get(household=household, kind=CaseKindChoices.IDENTIFICATION, is_open=True)
        else:
            clue.case = case
            clue.save(update_fields=["case"])
            audit_record(
                actor=actor,
                action=AuditActionChoices.CREATE,
                object_type="case",
                object_id=str(case.pk),
                region_code=household.village_id,
                changes={"state": case.state, "due_on": jsonable(case.due_on), "clue": clue.pk},
                reason=f"由{clue.get_channel_display()}线索立案",
            )
            return case
    clue.case = case
    new = [r for r in recordable if r not in case.risk_types]
    clue.new_risks = new
    clue.save(update_fields=["case", "new_risks"])
    changes: dict[str, Any] = {"clue": clue.pk}
    if new:
        # A new risk on an open (or monitored) household's case is recorded as a new risk (R-ID-01,
        # R-ELIM-07); the national record keeps at most five.
        merged = (case.risk_types + new)[:MAX_RISK_TYPES]
        changes["risk_types"] = [case.risk_types, merged]
        case.risk_types = merged
    if clue.green_channel and not case.green_channel:
        case.green_channel = True
        changes["green_channel"] = [False, True]
    case.version += 1
    case.save(update_fields=["risk_types", "green_channel", "version", "updated_at"])
    official = actor_user(actor)
    CaseStep.objects.create(
        case=case,
        action="clue_attach",
        from_state=case.state,
        to_state=case.state,
        data=jsonable({"clue": clue.pk, "channel": clue.channel, "new_risks": new}),
        actor=official,
        actor_role=official.role if official else "",
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="case",
        object_id=str(case.pk),
        region_code=household.village_id,
        changes=changes,
        reason="新增风险" if new else "线索并入已有案件",
    )
    return case


@transaction.atomic
def clue_household_resolve(*, clue: Clue, household: Household, actor: User) -> Case:
    """Staff found the household of an unmatched clue (self-report by name and village)."""
    if actor.role not in CLUE_ROLES:
        raise Forbidden("您的角色无权处理线索")
    if clue.household_id is not None:
        refuse("确认线索所属农户", [row_error("clue", clue.pk, "该线索已确认农户")])
    if not user_can_see_region(actor, household_region(household)):
        raise NotFound(household.household_no)
    clue.household = household
    clue.save(update_fields=["household"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="clue",
        object_id=str(clue.pk),
        region_code=household.village_id,
        changes={"household": [None, household.household_no]},
        reason="确认线索所属农户",
    )
    return _case_open_or_attach(clue=clue, actor=actor)


def warning_clue_ref(warning: ScreeningWarning) -> str:
    """The warning's stable reference: (period, household) names it for good, while re-screening a period
    replaces its rows (new ids)."""
    return f"warning:{warning.period}:{warning.household_no}"


@transaction.atomic
def warning_clue_get_or_create(*, warning: ScreeningWarning, actor: Actor) -> tuple[Clue, bool]:
    """The clue of a screening warning (R-WARN-02 → R-ID-01), created once: a warning already turned into a
    clue answers with that clue (``created`` False), whatever the channel it came back through.

    The household's row (or, for a warning without a household, its village's) is locked first, so two
    requests for the same warning at once are serialised and the second finds the first's clue.
    """
    if warning.household_id is not None:
        Household.objects.select_for_update(of=("self",)).filter(pk=warning.household_id).first()
    else:
        Region.objects.select_for_update().filter(code=warning.village_code).first()
    ref = warning_clue_ref(warning)
    existing = Clue.objects.filter(channel=ChannelChoices.WARNING, source_ref=ref).order_by("pk").first()
    if existing is not None:
        return existing, False
    signals = list(warning.signals or [])
    risks = [str(s["risk_type"]) for s in signals if isinstance(s, dict) and s.get("risk_type")]
    risks += list(warning.risk_types or [])
    risks = list(dict.fromkeys(r for r in risks if r in RiskTypeChoices.values))
    clue = clue_submit(
        actor=actor,
        channel=ChannelChoices.WARNING,
        household=warning.household,
        village_code=warning.village_code,
        risk_types=risks,
        description="部门筛查预警",
        evidence={
            "period": warning.period,
            "signals": signals,
            "suggested_category": warning.suggested_category,
        },
        source_ref=ref,
    )
    return clue, True


def clue_from_warning(*, warning: ScreeningWarning, actor: Actor) -> Clue:
    """Turn a screening warning (period, household, signals) into a clue with its evidence (R-WARN-02);
    the same warning again gives the same clue (``warning_clue_get_or_create``)."""
    return warning_clue_get_or_create(warning=warning, actor=actor)[0]
