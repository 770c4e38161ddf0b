"""Case actions: clues, the one transition service, documents, plans and measures, visits, escalation.

Every function here is atomic and writes its audit row (STYLE 3, 4). Refusals raise ``InputRefused`` with
one ``RowError`` per reason (Chinese, naming the field) before anything is written; role refusals raise
``Forbidden``; a stale ``expected_version`` raises ``CaseConflict``.
"""

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shouwang.accounts.access import Forbidden, NotFound, user_can_see_region
from shouwang.accounts.choices import RoleChoices
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, field_changes
from shouwang.cases import clock
from shouwang.cases.choices import (
    CONTINUING_ITEMS,
    CONTINUING_TYPES,
    DEVELOPMENT_TYPES,
    GREEN_CHANNEL_RISKS,
    MAX_RISK_TYPES,
    NOT_DEVELOPMENT_ITEMS,
    RECORDABLE_RISKS,
    RISK_MEASURE_MATCH,
    CaseKindChoices,
    CaseStateChoices,
    ChannelChoices,
    DocumentKindChoices,
    MeasureItemChoices,
    MeasureStatusChoices,
    MeasureTypeChoices,
    ReviewResultChoices,
    RiskLevelChoices,
)
from shouwang.cases.models import (
    AssistancePlan,
    Case,
    CaseDocument,
    CaseStep,
    Clue,
    Helper,
    Measure,
    NoticeObjection,
    Visit,
)
from shouwang.cases.parameters import Params, params_get, table_exists
from shouwang.cases.transitions import LEVEL_RANK, MOVES, NEXT_LEVEL, Move, move_get, responsible_role
from shouwang.common import crypto, idnumber
from shouwang.common.errors import InputRefused, RowError
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import (
    CAPABLE_LABOUR,
    COUNTED_RESIDENCE,
    EliminationModeChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)
from shouwang.registry.models import Household, IncomeRecord, Person
from shouwang.registry.services import household_update, income_record_write

CLUE_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.GRID, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
PLAN_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
VISIT_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.GRID, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
RISK_LABELS = dict(RiskTypeChoices.choices)
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
# Magic numbers of the accepted upload types: a photo of the signed form, or a scan as PDF.
UPLOAD_TYPES = {
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG": ("image/png", ".png"),
    b"%PDF": (
        "application/pdf",
        ".pdf",
    ),
}


class CaseConflict(Exception):
    """Somebody else changed the case since the caller read it (optimistic concurrency)."""

    def __init__(self, *, case_id: int, expected: int, actual: int) -> None:
        self.case_id, self.expected, self.actual = case_id, expected, actual
        super().__init__(
            f"案件#{case_id}已被他人办理（您看到的版本为{expected}，当前版本为{actual}），请刷新后重试"
        )


# ---------------------------------------------------------------------------------------------- helpers


def _json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def _refuse(what: str, errors: list[RowError]) -> None:
    if errors:
        raise InputRefused(f"无法办理“{what}”：" + "；".join(e.reason for e in errors), errors)


def _err(column: str, value: Any, reason: str) -> RowError:
    return RowError(row=None, column=column, value="" if value is None else str(value), reason=reason)


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


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
                self.errors.append(_err(key, "", "必须填写日期（YYYY-MM-DD）"))
            return None
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError:
            self.errors.append(_err(key, value, "日期格式应为YYYY-MM-DD"))
            return None
        if day > self.today:
            self.errors.append(_err(key, day, f"日期不能晚于今天（{self.today}）"))
        for earlier, label in after:
            if earlier is not None and day < earlier:
                self.errors.append(_err(key, day, f"日期不能早于{label}（{earlier}）"))
        return day

    def integer(self, key: str, *, minimum: int = 0, required: bool = True) -> int | None:
        value: Any = self.raw.get(key)
        if value in (None, ""):
            if required:
                self.errors.append(_err(key, "", "必须填写"))
            return None
        try:
            number = int(value)
            if isinstance(value, bool) or str(number) != str(value).strip():
                raise ValueError
        except (TypeError, ValueError):
            self.errors.append(_err(key, value, "应为整数"))
            return None
        if number < minimum:
            self.errors.append(_err(key, number, f"不能小于{minimum}"))
            return None
        return number

    def text(self, key: str, *, required: bool = False, max_length: int = 255, label: str = "") -> str:
        value = self.raw.get(key)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.errors.append(_err(key, "", f"必须填写{label}"))
        if len(text) > max_length:
            self.errors.append(_err(key, text[:20] + "…", f"不能超过{max_length}字"))
        return text[:max_length]

    def choice(self, key: str, choices: Any, *, required: bool = True, default: str = "") -> str:
        value = self.raw.get(key)
        if value in (None, ""):
            if required and not default:
                self.errors.append(
                    _err(key, "", "必须选择：" + "、".join(str(lbl) for _, lbl in choices.choices))
                )
            return default
        if value not in choices.values:
            self.errors.append(_err(key, value, "取值无效，可选：" + "、".join(choices.values)))
            return default
        return str(value)

    def risks(self, key: str, *, default: list[str], required: bool = True) -> list[str]:
        value = self.raw.get(key)
        if value in (None, "", []):
            value = default
        return risk_types_validate(value, errors=self.errors, column=key, required=required)


def risk_types_validate(
    value: Any, *, errors: list[RowError], column: str = "risk_types", required: bool = True
) -> list[str]:
    """1–5 distinct types from the national list (R-SYS-02); ``low_income`` is not a recorded risk."""
    if not isinstance(value, list | tuple):
        errors.append(_err(column, value, "应为风险类型列表"))
        return []
    out: list[str] = []
    for v in value:
        if v not in RECORDABLE_RISKS:
            errors.append(_err(column, v, "不是可记录的风险类型，可选：" + "、".join(RECORDABLE_RISKS)))
        elif v not in out:
            out.append(str(v))
    if required and not out and not errors:
        errors.append(_err(column, "", "至少记录一项致贫/返贫风险"))
    if len(out) > MAX_RISK_TYPES:
        errors.append(_err(column, len(out), f"风险类型最多{MAX_RISK_TYPES}项（R-SYS-02）"))
    return out


def _counted_members(household: Household) -> list[Person]:
    return [p for p in household.members.all() if p.residence in COUNTED_RESIDENCE]


def household_has_labour(household: Household) -> bool:
    """R-AID-01: skilled, ordinary or weak/half labour in any counted member."""
    return any(p.labour in CAPABLE_LABOUR for p in _counted_members(household))


# ---------------------------------------------------------------------------------------------- clues


def _village(code: str | None) -> Region | None:
    if not code:
        return None
    return Region.objects.filter(code=code, level=RegionLevelChoices.VILLAGE).first()


def _household_region(household: Household) -> str:
    """The most specific region of a household: its village group (监测网格) when it has one, so that a
    grid worker whose region is a group passes the region check for the group's households only."""
    return household.group_id or household.village_id


def _outside(actor: Any, region_code: str) -> bool:
    """For officials (not the public channel): is ``region_code`` outside their region?"""
    return bool(getattr(actor, "is_authenticated", False)) and not user_can_see_region(actor, region_code)


def household_by_id_number(id_number: str) -> Household | None:
    """Match a person by blind index of the ID (never by the clear number)."""
    person = Person.objects.select_related("household").filter(id_index=crypto.blind_index(id_number)).first()
    return person.household if person else None


@transaction.atomic
def clue_submit(
    *,
    actor: Any,
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
        errors.append(_err("channel", channel, "渠道无效，可选：" + "、".join(ChannelChoices.values)))
    id_index = ""
    if household is None and subject_id_number:
        try:
            number = idnumber.parse(subject_id_number).number
        except idnumber.IdNumberError as exc:
            raw = idnumber.normalise(str(subject_id_number))
            errors.append(_err("id_number", idnumber.mask(raw), str(exc).replace(raw, idnumber.mask(raw))))
        else:
            id_index = crypto.blind_index(number)
            household = household_by_id_number(number)
            if household is not None and _outside(actor, _household_region(household)):
                # An officer may not learn that an ID exists elsewhere: the clue waits in the given village.
                household = None
    village = household.village if household else _village(village_code)
    if village is not None and _outside(actor, _household_region(household) if household else village.code):
        raise NotFound(village.code)
    if village is None:
        errors.append(_err("village_code", village_code, "须填写存在的行政村代码（12位）"))
    risks = [r for r in risk_types if r in RiskTypeChoices.values]
    for r in risk_types:
        if r not in RiskTypeChoices.values:
            errors.append(_err("risk_types", r, "风险类型无效"))
    reported_on = reported_on or today
    if reported_on > today:
        errors.append(_err("reported_on", reported_on, f"发现日期不能晚于今天（{today}）"))
    if household is None and not subject_name and channel != ChannelChoices.WARNING:
        errors.append(_err("subject_name", "", "未指定农户时须填写当事人姓名"))
    if green_channel and not any(r in GREEN_CHANNEL_RISKS for r in risks):
        errors.append(_err("green_channel", "是", "绿色通道只适用于突发自然灾害或意外事故（R-ID-05）"))
    _refuse("登记风险线索", errors)
    assert village is not None
    green = bool(green_channel)
    clue = Clue.objects.create(
        channel=channel,
        source_ref=source_ref[:64],
        household=household,
        village=village,
        subject_name=subject_name[:64],
        subject_id_index=id_index,
        risk_types=risks,
        description=description,
        evidence=_json(evidence or {}),
        reported_on=reported_on,
        green_channel=green,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
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


def _case_open_or_attach(*, clue: Clue, actor: Any) -> Case:
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
                    created_by=actor if getattr(actor, "is_authenticated", False) else None,
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
                changes={"state": case.state, "due_on": _json(case.due_on), "clue": clue.pk},
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
    CaseStep.objects.create(
        case=case,
        action="clue_attach",
        from_state=case.state,
        to_state=case.state,
        data=_json({"clue": clue.pk, "channel": clue.channel, "new_risks": new}),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=getattr(actor, "role", ""),
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
def clue_household_resolve(*, clue: Clue, household: Household, actor: Any) -> Case:
    """Staff found the household of an unmatched clue (self-report by name and village)."""
    if getattr(actor, "role", None) not in CLUE_ROLES:
        raise Forbidden("您的角色无权处理线索")
    if clue.household_id is not None:
        _refuse("确认线索所属农户", [_err("clue", clue.pk, "该线索已确认农户")])
    if not user_can_see_region(actor, _household_region(household)):
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


def clue_from_warning(*, warning: Any, actor: Any) -> Clue:
    """Turn a screening warning (period, household, signals) into a clue with its evidence (R-WARN-02)."""
    signals = list(getattr(warning, "signals", None) or [])
    risks = [str(s["risk_type"]) for s in signals if isinstance(s, dict) and s.get("risk_type")]
    risks += list(getattr(warning, "risk_types", None) or [])
    risks = list(dict.fromkeys(r for r in risks if r in RiskTypeChoices.values))
    return clue_submit(
        actor=actor,
        channel=ChannelChoices.WARNING,
        household=warning.household,
        risk_types=risks,
        description="部门筛查预警",
        evidence={
            "period": getattr(warning, "period", ""),
            "signals": signals,
            "suggested_category": getattr(warning, "suggested_category", None),
        },
        # (period, household) names the warning for good: re-screening a period replaces its rows (new ids).
        source_ref=f"warning:{warning.period}:{warning.household_no}",
    )


# ---------------------------------------------------------------------------------------------- documents


@transaction.atomic
def case_document_upload(*, case: Case, actor: Any, kind: str, filename: str, content: bytes) -> CaseDocument:
    """Store an uploaded file under DATA_DIR/uploads/cases/<case>/ (R-ID-02 step 1: signed authorisation)."""
    if getattr(actor, "role", None) not in CLUE_ROLES:
        raise Forbidden("您的角色无权上传案件材料")
    errors: list[RowError] = []
    if kind not in DocumentKindChoices.values:
        errors.append(_err("kind", kind, "材料类型无效，可选：" + "、".join(DocumentKindChoices.values)))
    if not content:
        errors.append(_err("file", filename, "文件为空"))
    elif len(content) > UPLOAD_MAX_BYTES:
        errors.append(_err("file", filename, "文件不能超过10MB"))
    detected = next((v for magic, v in UPLOAD_TYPES.items() if content.startswith(magic)), None)
    if content and detected is None:
        errors.append(_err("file", filename, "只接受JPEG、PNG照片或PDF扫描件"))
    _refuse("上传材料", errors)
    assert detected is not None
    content_type, suffix = detected
    digest = hashlib.sha256(content).hexdigest()
    folder = Path(settings.DATA_DIR) / "uploads" / "cases" / str(case.pk)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(".part")
        tmp.write_bytes(content)
        tmp.replace(path)
    doc = CaseDocument.objects.create(
        case=case,
        kind=kind,
        filename=Path(filename or "upload").name[:255],
        content_type=content_type,
        size=len(content),
        sha256=digest,
        stored_path=str(path),
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="case_document",
        object_id=str(doc.pk),
        region_code=case.household.village_id,
        changes={"case": case.pk, "kind": kind, "sha256": digest, "size": len(content)},
        reason="上传案件材料",
    )
    return doc


# ---------------------------------------------------------------------------------------------- transitions


@dataclass
class StepContext:
    case: Case
    actor: Any
    data: StepData
    params: Params
    today: dt.date
    updates: dict[str, Any] = field(default_factory=dict)
    household_changes: dict[str, Any] = field(default_factory=dict)
    target: str | None = None  # overrides the table's target (e.g. a failed review rejects the case)
    after: list[Callable[[], None]] = field(default_factory=list)


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
                _err("authorisation_document_id", doc_id, "未找到本案件已上传的《申请及承诺授权查询书》")
            )
        if "risk_types" in d.raw:
            ctx.updates["risk_types"] = d.risks("risk_types", default=c.risk_types)
    if d.raw.get("income_per_capita") not in (None, ""):
        try:
            Decimal(str(d.raw["income_per_capita"]))
        except InvalidOperation:
            d.errors.append(_err("income_per_capita", d.raw["income_per_capita"], "应为金额（元/人·年）"))


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
            "per_capita_net": _json(latest.per_capita_net),
            "per_capita_reference": _json(latest.per_capita_reference),
            "compliant_self_pay": _json(latest.compliant_self_pay),
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
    members = _counted_members(hh)
    return {
        "gathered_on": today.isoformat(),
        "income": income,
        "threshold": _json(params.income_threshold),
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
    """The household's recent screening warnings, when the screening app provides a Warning model."""
    from django.apps import apps

    try:
        warning_model = apps.get_model("screening", "Warning")
    except LookupError:
        return []
    if not table_exists(warning_model):
        return []
    out = []
    for w in warning_model.objects.filter(household=household).order_by("-period")[:3]:
        signals = list(getattr(w, "signals", None) or [])
        out.append(
            {
                "period": getattr(w, "period", ""),
                "risk_types": sorted(
                    {str(s["risk_type"]) for s in signals if isinstance(s, dict) and s.get("risk_type")}
                    | set(getattr(w, "risk_types", None) or [])
                ),
                "suggested_category": getattr(w, "suggested_category", None),
                "signals": _json(signals),
            }
        )
    return out


def _step_compare(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ctx.updates["compared_on"] = d.date("compared_on", after=[(c.home_checked_on, "入户核实日期")])
    result = comparison_gather(c, today=ctx.today)
    note = d.text("conflicts_note", max_length=1000)
    if result["conflicts"] and not note:
        d.errors.append(
            _err(
                "conflicts_note", "", "比对发现以下不一致，须说明核实情况：" + "；".join(result["conflicts"])
            )
        )
    result["note"] = note
    ctx.updates["comparison"] = result


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
                _err("votes_for", votes_for + votes_against, f"赞成与反对票合计超过参会人数{attendance}")
            )
        expected = ReviewResultChoices.PASSED if votes_for > votes_against else ReviewResultChoices.FAILED
        if result and result != expected:
            d.errors.append(
                _err("result", result, f"评议结果与票数不符（赞成{votes_for}，反对{votes_against}）")
            )
    if result == ReviewResultChoices.FAILED:
        ctx.target = CaseStateChoices.REJECTED
        ctx.updates["rejection_reason"] = "民主评议未通过"


def _step_notice_start(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    ctx.updates["notice_started_on"] = d.date("started_on", after=[(c.reviewed_on, "民主评议日期")])
    d.text("place", max_length=255)


def _step_objection_record(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    received = d.date("received_on", after=[(c.notice_started_on, "公示开始日期")])
    content = d.text("content", required=True, max_length=2000, label="异议内容")
    if not d.errors:

        def create() -> None:
            NoticeObjection.objects.create(case=c, received_on=received, content=content)

        ctx.after.append(create)


def _step_objection_resolve(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    oid = d.integer("objection_id", minimum=1)
    objection = c.objections.filter(pk=oid).first() if oid else None
    if oid and objection is None:
        d.errors.append(_err("objection_id", oid, "未找到该案件的这条异议"))
    resolved_on = d.date(
        "resolved_on", after=[(objection.received_on if objection else None, "异议收到日期")]
    )
    resolution = d.text("resolution", required=True, max_length=2000, label="处理结果")
    upheld = bool(d.raw.get("upheld", False))
    if objection is not None and objection.resolved_on is not None:
        d.errors.append(_err("objection_id", oid, "该异议已处理"))
    if not d.errors and objection is not None:
        objection.resolution, objection.resolved_on, objection.upheld = resolution, resolved_on, upheld
        ctx.after.append(lambda: objection.save(update_fields=["resolution", "resolved_on", "upheld"]))


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
                _err(
                    "notice_ended_on",
                    ended,
                    f"公示期自{c.notice_started_on}至{ended}仅{days}天，不足{ctx.params.notice_days}天（R-ID-03）",
                )
            )
    open_objections = c.objections.filter(resolved_on__isnull=True).count()
    if open_objections:
        d.errors.append(_err("objections", open_objections, f"还有{open_objections}条公示异议未处理"))
    if c.objections.filter(upheld=True).exists():
        d.errors.append(_err("objections", "", "有成立的公示异议，应作“不予通过”处理"))


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
                _err("category", category, "脱贫不稳定户只能是脱贫户（R-OBJ-01），该户为一般农户")
            )
        if category == MonitoringCategoryChoices.MARGINAL and status != PovertyStatusChoices.ORDINARY:
            d.errors.append(
                _err("category", category, "边缘易致贫户只能是一般农户（R-OBJ-01），该户为脱贫户")
            )
        risks = d.risks("risk_types", default=c.risk_types)
        remark = d.text("risk_remark", max_length=255) or c.risk_remark
        if RiskTypeChoices.OTHER in risks and not remark:
            d.errors.append(_err("risk_remark", "", "风险类型为“其他”时须填写说明（[DQ] 2_11_004）"))
        ctx.updates.update(category=category, risk_types=risks, risk_remark=remark)
        if "risk_level" in d.raw:
            ctx.updates["risk_level"] = d.choice("risk_level", RiskLevelChoices)
    elif approved is not None:
        for e in elimination_refusals(case=c.parent or c, mode=c.elimination_mode, on=approved):
            d.errors.append(e)


def _step_announce(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    announced = d.date("announced_on", after=[(c.approved_on, "县级审定日期")])
    ctx.updates["announced_on"] = announced
    if c.kind == CaseKindChoices.ELIMINATION and not d.errors:
        _elimination_apply(ctx)


def _step_enter_monitoring(ctx: StepContext) -> None:
    c = ctx.case
    ctx.updates["decided_on"] = c.approved_on
    ctx.household_changes.update(
        monitoring_category=c.category,
        identified_on=c.approved_on,
        risk_eliminated_on=None,
        elimination_mode="",
    )


def _step_set_risk_level(ctx: StepContext) -> None:
    ctx.updates["risk_level"] = ctx.data.choice("risk_level", RiskLevelChoices)


def _step_reject(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    reason = d.text("reason", required=True, max_length=255, label="不予通过的原因（将告知申请人）")
    ctx.updates["rejection_reason"] = reason
    # Only the level whose turn it is, or a higher one, may stop the procedure.
    pending = responsible_role(c.kind, c.state)
    if pending and LEVEL_RANK.get(ctx.actor.role, 0) < LEVEL_RANK.get(pending, 0):
        raise Forbidden("当前环节不由您这一级办理，无权作出不予通过的决定")


def _step_propose_elimination(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    mode = d.choice("mode", EliminationModeChoices, default=EliminationModeChoices.ASSISTED)
    proposed = d.date("proposed_on", required=False) or ctx.today
    if Case.objects.filter(household=c.household, kind=CaseKindChoices.ELIMINATION, is_open=True).exists():
        d.errors.append(_err("case", c.pk, "该户已有办理中的风险消除案件"))
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


def _step_rollback(ctx: StepContext) -> None:
    c, d = ctx.case, ctx.data
    d.text("reason", required=True, max_length=255, label="回退原因（风险反弹情况）")
    d.date("found_on", after=[(c.approved_on, "消除审定日期")])
    parent = c.parent
    if parent is None:
        d.errors.append(_err("case", c.pk, "找不到对应的识别案件"))
        return
    if Case.objects.filter(household=c.household, kind=CaseKindChoices.IDENTIFICATION, is_open=True).exists():
        d.errors.append(_err("case", c.pk, "该户已因新的风险重新识别，不能回退本次消除（R-ELIM-07）"))
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


STEPS: dict[str, Callable[[StepContext], None]] = {
    "home_check": _step_home_check,
    "compare": _step_compare,
    "village_review": _step_village_review,
    "notice_start": _step_notice_start,
    "objection_record": _step_objection_record,
    "objection_resolve": _step_objection_resolve,
    "township_review": _step_township_review,
    "county_approve": _step_county_approve,
    "announce": _step_announce,
    "enter_monitoring": _step_enter_monitoring,
    "set_risk_level": _step_set_risk_level,
    "propose_elimination": _step_propose_elimination,
    "reject": _step_reject,
    "rollback": _step_rollback,
}


def _state_label(state: str) -> str:
    return str(dict(CaseStateChoices.choices).get(state, state))


@transaction.atomic
def case_transition(
    *, case: Case, action: str, actor: Any, data: dict[str, Any] | None, expected_version: int
) -> Case:
    """The one way a case moves (STYLE 7): table lookup, role, region, version, preconditions, effects.

    The row is locked (``select_for_update``) and compared with ``expected_version`` so that of two
    officers acting on the same step at once exactly one succeeds; the other gets ``CaseConflict``.
    """
    locked = (
        Case.objects.select_for_update(of=("self",)).select_related("household", "parent").get(pk=case.pk)
    )
    if locked.version != expected_version:
        raise CaseConflict(case_id=locked.pk, expected=expected_version, actual=locked.version)
    move: Move | None = move_get(locked.kind, action)
    if move is None:
        actions = sorted(a for (k, a) in MOVES if k == locked.kind)
        _refuse(action, [_err("action", action, "不支持的操作，可选：" + "、".join(actions))])
        raise AssertionError  # unreachable: _refuse raised
    if locked.state not in move.sources:
        need = "、".join(_state_label(s) for s in sorted(move.sources))
        _refuse(
            move.label,
            [
                _err(
                    "action",
                    action,
                    f"当前环节为“{_state_label(locked.state)}”，“{move.label}”须在“{need}”之后办理",
                )
            ],
        )
    if getattr(actor, "role", None) not in move.roles:
        labels = "、".join(str(dict(RoleChoices.choices)[r]) for r in sorted(move.roles))
        raise Forbidden(f"“{move.label}”须由{labels}办理")
    if not user_can_see_region(actor, _household_region(locked.household)):
        raise NotFound(str(locked.pk))
    today = clock.today()
    ctx = StepContext(
        case=locked,
        actor=actor,
        data=StepData(raw=dict(data or {}), today=today),
        params=params_get(region_code=locked.household.village_id, year=today.year),
        today=today,
    )
    STEPS[action](ctx)
    _refuse(move.label, ctx.data.errors)

    old_state = locked.state
    target = ctx.target or move.target
    updates = {k: v for k, v in ctx.updates.items() if k != "state"}
    before = {k: _json(getattr(locked, k)) for k in updates}
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
        data=_json(ctx.data.raw),
        actor=actor,
        actor_role=actor.role,
    )
    changes = field_changes(before, {k: _json(v) for k, v in updates.items()})
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


# ---------------------------------------------------------------------------------------------- elimination


def latest_incomes(household: Household, n: int = 2) -> list[IncomeRecord]:
    return list(IncomeRecord.objects.filter(household=household).order_by("-period")[:n])


def elimination_refusals(*, case: Case, mode: str, on: dt.date) -> list[RowError]:
    """Why the household of identification ``case`` may not be eliminated on ``on`` (R-ELIM-01…03)."""
    hh = case.household
    errors: list[RowError] = []
    if case.kind != CaseKindChoices.IDENTIFICATION:
        return [_err("case", case.pk, "须针对识别案件提出消除")]
    # R-ELIM-03 / R-AID-02: a household without labour on the safety net stays monitored.
    if hh.no_labour_safety_net or not household_has_labour(hh):
        errors.append(
            _err(
                "household",
                hh.household_no,
                "整户无劳动能力、依靠兜底保障的农户不标注风险消除，继续监测（R-ELIM-03）",
            )
        )
    insecure = [
        label
        for attr, label in (
            ("food_clothing_secure", "吃穿"),
            ("compulsory_education_secure", "义务教育"),
            ("basic_medical_secure", "基本医疗"),
            ("housing_secure", "住房安全"),
            ("water_secure", "饮水安全"),
        )
        if not getattr(hh, attr)
    ]
    if insecure:
        errors.append(
            _err(
                "household",
                "、".join(insecure),
                f"{'、'.join(insecure)}问题尚未解决（两不愁三保障及饮水安全，R-ELIM-01）",
            )
        )
    identified = hh.identified_on or case.decided_on
    params = params_get(region_code=hh.village_id, year=on.year)
    if mode == EliminationModeChoices.ASSISTED:
        if identified is None:
            errors.append(_err("identified_on", "", "无识别监测时间，无法判断监测时长"))
        else:
            earliest = _add_months(identified, params.elimination_min_months)
            if on < earliest:
                months = (on.year - identified.year) * 12 + on.month - identified.month
                errors.append(
                    _err(
                        "identified_on",
                        identified,
                        f"帮扶消除须在识别满{params.elimination_min_months}个月后（{earliest}起）提出，"
                        f"该户识别于{identified}，仅约{months}个月（R-ELIM-02；自然消除不受此限）",
                    )
                )
    threshold = params.income_threshold
    if threshold is None:
        errors.append(_err("income_threshold", "", f"{on.year}年监测范围（收入标准）尚未设置，无法判断收入"))
    else:
        incomes = latest_incomes(hh)
        if not incomes:
            errors.append(_err("income", "", "无收入记录，无法判断收入是否稳定超过监测范围"))
        for rec in incomes:
            # R-THR-05: elimination needs income strictly above the line; equal is not eliminated.
            # "Stably": the latest two 12-month records both above it.
            if rec.per_capita_net is None or rec.per_capita_net <= threshold:
                errors.append(
                    _err(
                        "income",
                        f"{rec.period}:{rec.per_capita_net}",
                        f"{rec.period}期人均纯收入{rec.per_capita_net}元未稳定超过监测范围{threshold}元（R-ELIM-01）",
                    )
                )
    return errors


def elimination_candidate_list(*, user: Any, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Monitored households that meet every elimination condition today (proposed by the system)."""
    from shouwang.cases.selectors import case_list

    on = on or clock.today()
    out = []
    for case in case_list(user=user).filter(
        kind=CaseKindChoices.IDENTIFICATION, state=CaseStateChoices.MONITORING
    ):
        if Case.objects.filter(
            household=case.household, kind=CaseKindChoices.ELIMINATION, is_open=True
        ).exists():
            continue
        refusals = elimination_refusals(case=case, mode=EliminationModeChoices.ASSISTED, on=on)
        if not refusals:
            out.append({"case_id": case.pk, "household_no": case.household.household_no, "mode": "assisted"})
    return out


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


# ---------------------------------------------------------------------------------------------- plans


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
        errors.append(_err(f"{col}.measure_type", m.measure_type, "措施类型无效（须为100A39…100A55之一）"))
    if m.item and m.item not in MeasureItemChoices.values:
        errors.append(_err(f"{col}.item", m.item, "具体项目无效"))
    elif m.item in ITEM_TYPES and m.measure_type not in ITEM_TYPES[m.item]:
        errors.append(_err(f"{col}.item", m.item, "具体项目与措施类型不符"))
    if m.end_on and m.end_on < m.start_on:
        errors.append(_err(f"{col}.end_on", m.end_on, "结束日期早于开始日期"))
    if m.amount is not None and m.amount < 0:
        errors.append(_err(f"{col}.amount", m.amount, "金额不能为负"))
    person = members.get(m.person_id) if m.person_id else None
    if m.person_id and person is None:
        errors.append(_err(f"{col}.person_id", m.person_id, "不是该户成员"))
    if m.measure_type == MeasureTypeChoices.PUBLIC_WELFARE_JOB:
        if person is None:
            errors.append(_err(f"{col}.person_id", "", "公益岗位须指定上岗的家庭成员"))
        else:
            age = age_on(person.birth_date, m.start_on)
            if not 16 <= age < 70:
                errors.append(
                    _err(
                        f"{col}.person_id",
                        f"{person.name}（{age}岁）",
                        f"{person.name}（{age}岁）不能安排公益性岗位：只安排16至69岁人员（R-AID-08）",
                    )
                )
    if m.item == MeasureItemChoices.MICROCREDIT:
        if person is None:
            errors.append(_err(f"{col}.person_id", "", "小额信贷须指定借款人"))
        else:
            age = age_on(person.birth_date, m.start_on)
            if not 18 <= age <= 65:
                errors.append(
                    _err(
                        f"{col}.person_id",
                        f"{person.name}（{age}岁）",
                        f"{person.name}（{age}岁）不能作为借款人：小额信贷借款人须为18至65周岁（R-AID-06）",
                    )
                )
        if m.amount is None or m.amount <= 0:
            errors.append(_err(f"{col}.amount", m.amount, "须填写贷款金额"))
        elif m.amount > MICROCREDIT_MAX:
            errors.append(_err(f"{col}.amount", m.amount, "小额信贷每户不超过10万元（R-AID-06）"))
        elif m.subsidised and m.amount > MICROCREDIT_SUBSIDISED_MAX:
            errors.append(
                _err(
                    f"{col}.amount",
                    m.amount,
                    "贴息额度每户不超过5万元，超出部分须单独登记为不贴息贷款（R-AID-06）",
                )
            )
        if m.loan_term_months is None or not 1 <= m.loan_term_months <= MICROCREDIT_MAX_MONTHS:
            errors.append(
                _err(f"{col}.loan_term_months", m.loan_term_months, "贷款期限须为1至36个月（R-AID-06）")
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
            _err(
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
                _err(
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
            errors.append(_err("measures", pid, f"同一人登记了{n}个公益岗位（R-AID-08）"))
    if not household_has_labour(household):
        if MeasureTypeChoices.SOCIAL_SECURITY not in types:
            warnings.append("整户无劳动能力，应落实综合保障（兜底）措施（R-AID-02）")
        if not any(p.dibao for p in _counted_members(household)):
            warnings.append("整户无劳动能力，须至少有一名成员纳入低保（R-AID-02，[DQ] 5_19_007）")
    for m in active:
        if m.item == MeasureItemChoices.MICROCREDIT and m.amount and m.amount > MICROCREDIT_SUBSIDISED_MAX:
            warnings.append("小额信贷超过5万元的部分不享受贴息和风险补偿（R-AID-06）")
    return errors, warnings


@transaction.atomic
def plan_measures_add(
    *,
    case: Case,
    actor: Any,
    measures: list[MeasureInput],
    helpers: list[HelperInput] | None = None,
    expected_version: int | None = None,
) -> AssistancePlan:
    """Add measures (and helpers) to the household's one plan (一户一策, R-AID-03), validating the whole
    plan as it will be. Allowed once the household is monitored, or earlier on the green channel (R-ID-05)."""
    if getattr(actor, "role", None) not in PLAN_ROLES:
        raise Forbidden("您的角色无权制定帮扶计划")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(case_id=locked.pk, expected=expected_version, actual=locked.version)
    if not user_can_see_region(actor, _household_region(locked.household)):
        raise NotFound(str(locked.pk))
    today = clock.today()
    errors: list[RowError] = []
    allowed_state = locked.kind == CaseKindChoices.IDENTIFICATION and (
        locked.state in (CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING)
        or (locked.green_channel and locked.is_open)
    )
    if not allowed_state:
        errors.append(
            _err(
                "case",
                _state_label(locked.state),
                "该户尚未纳入监测：帮扶措施须在公告纳入后制定；突发灾害、意外事故可走绿色通道先行帮扶（R-ID-05）",
            )
        )
    if not measures and not helpers:
        errors.append(_err("measures", "", "至少填写一项帮扶措施或帮扶责任人"))
    household = locked.household
    members = {p.pk: p for p in household.members.all()}
    for i, m in enumerate(measures):
        errors.extend(_measure_errors(i, m, members, today))
    for i, h in enumerate(helpers or []):
        if not h.name.strip() or not h.unit.strip():
            errors.append(_err(f"helpers[{i}]", h.name, "帮扶责任人须填写姓名和帮扶单位"))
        if h.phone and not (h.phone.isdigit() and len(h.phone) == 11 and h.phone.startswith("1")):
            errors.append(_err(f"helpers[{i}].phone", crypto.mask_phone(h.phone), "手机号码应为11位数字"))
        if h.end_on and h.end_on < h.start_on:
            errors.append(_err(f"helpers[{i}].end_on", h.end_on, "结束日期早于开始日期"))
    _refuse("制定帮扶计划", errors)

    plan, _ = AssistancePlan.objects.get_or_create(household=household)
    existing = list(plan.measures.all())
    new_rows = [
        Measure(
            plan=plan,
            case=locked,
            measure_type=m.measure_type,
            item=m.item,
            description=m.description[:255],
            person_id=m.person_id,
            start_on=m.start_on,
            end_on=m.end_on,
            amount=m.amount,
            loan_term_months=m.loan_term_months,
            subsidised=m.subsidised,
        )
        for m in measures
    ]
    plan_errors, warnings = plan_validate(household=household, case=locked, measures=existing + new_rows)
    _refuse("制定帮扶计划", plan_errors)
    Measure.objects.bulk_create(new_rows)
    for h in helpers or []:
        Helper.objects.create(
            plan=plan,
            name=h.name.strip()[:64],
            unit=h.unit.strip()[:128],
            phone_sealed=crypto.seal(h.phone) if h.phone else "",
            phone_index=crypto.blind_index(h.phone) if h.phone else "",
            phone_masked=crypto.mask_phone(h.phone) if h.phone else "",
            start_on=h.start_on,
            end_on=h.end_on,
        )
    plan.warnings = warnings
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
            "helpers": [h.name for h in helpers or []],
        },
        reason="制定帮扶计划（一户一策）",
    )
    return plan


# ---------------------------------------------------------------------------------------------- visits


@dataclass
class IncomeInput:
    period: str
    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    business_cost: Decimal
    compliant_self_pay: Decimal = Decimal(0)
    insurance_claims: Decimal = Decimal(0)


@transaction.atomic
def visit_record(
    *,
    case: Case,
    actor: Any,
    visited_on: dt.date,
    notes: str = "",
    risk_level: str = "",
    income: IncomeInput | None = None,
) -> Visit:
    """A follow-up visit (R-ID-06), optionally updating the 12-month income (R-INC-01/02)."""
    if getattr(actor, "role", None) not in VISIT_ROLES:
        raise Forbidden("您的角色无权登记走访")
    locked = Case.objects.select_for_update(of=("self",)).select_related("household").get(pk=case.pk)
    if not user_can_see_region(actor, _household_region(locked.household)):
        raise NotFound(str(locked.pk))
    today = clock.today()
    errors: list[RowError] = []
    if locked.kind != CaseKindChoices.IDENTIFICATION or not locked.is_open:
        errors.append(_err("case", locked.pk, "只能对办理中或监测中的识别案件登记走访"))
    if visited_on > today:
        errors.append(_err("visited_on", visited_on, f"走访日期不能晚于今天（{today}）"))
    if visited_on < locked.opened_on:
        errors.append(_err("visited_on", visited_on, f"走访日期不能早于首条线索日期（{locked.opened_on}）"))
    if risk_level and risk_level not in RiskLevelChoices.values:
        errors.append(_err("risk_level", risk_level, "走访等级无效，可选：red、yellow、green"))
    if income is not None:
        try:
            y, mth = income.period.split("-")
            valid = len(y) == 4 and len(mth) == 2 and 1 <= int(mth) <= 12
        except ValueError:
            valid = False
        if not valid:
            errors.append(_err("income.period", income.period, "收入期间格式应为YYYY-MM"))
        elif income.period > today.strftime("%Y-%m"):
            errors.append(_err("income.period", income.period, "收入期间不能晚于本月"))
        for name in ("wage", "business", "property", "transfer", "business_cost", "compliant_self_pay"):
            if getattr(income, name) < 0:
                errors.append(_err(f"income.{name}", getattr(income, name), "金额不能为负"))
    _refuse("登记走访", errors)
    hh = locked.household
    visit = Visit.objects.create(
        case=locked,
        visited_on=visited_on,
        visitor=actor,
        notes=notes[:4000],
        risk_level=risk_level or locked.risk_level,
        income_period=income.period if income else "",
    )
    if risk_level and risk_level != locked.risk_level:
        locked.risk_level = risk_level
        locked.version += 1
        locked.save(update_fields=["risk_level", "version", "updated_at"])
    if income is not None:
        income_record_write(
            household=hh,
            period=income.period,
            wage=income.wage,
            business=income.business,
            property=income.property,
            transfer=income.transfer,
            business_cost=income.business_cost,
            compliant_self_pay=income.compliant_self_pay,
            insurance_claims=income.insurance_claims,
            actor=actor,
            reason=f"走访#{visit.pk}更新收入",
        )
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="visit",
        object_id=str(visit.pk),
        region_code=hh.village_id,
        changes={
            "case": locked.pk,
            "visited_on": visited_on.isoformat(),
            "income_period": visit.income_period,
        },
        reason="走访",
    )
    return visit


# ---------------------------------------------------------------------------------------------- escalation


@transaction.atomic
def case_escalate_overdue(*, today: dt.date | None = None, actor: Any = "system") -> list[Case]:
    """Mark cases past their due date (R-ID-03, 15 days from the first clue) and escalate (督办) to the
    level above the one whose step is late; still late ``escalation_step_days`` later → one level up."""
    today = today or clock.today()
    now = timezone.now()
    changed = []
    qs = (
        Case.objects.select_for_update(of=("self",))
        .select_related("household")
        .filter(is_open=True, kind=CaseKindChoices.IDENTIFICATION, due_on__lt=today)
        .exclude(state__in=[CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING])
    )
    for case in qs:
        params = params_get(region_code=case.household.village_id, year=today.year)
        responsible = responsible_role(case.kind, case.state) or RoleChoices.VILLAGE
        target = NEXT_LEVEL.get(responsible, RoleChoices.COUNTY)
        if case.escalated_to and LEVEL_RANK.get(case.escalated_to, 0) >= LEVEL_RANK.get(target, 0):
            waited = (now - case.escalated_at).days if case.escalated_at else 0
            if waited < params.escalation_step_days or case.escalated_to == RoleChoices.COUNTY:
                continue
            target = NEXT_LEVEL.get(case.escalated_to, RoleChoices.COUNTY)
        old = {"overdue": case.overdue, "escalated_to": case.escalated_to}
        case.overdue, case.escalated_to, case.escalated_at = True, target, now
        case.save(update_fields=["overdue", "escalated_to", "escalated_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditActionChoices.UPDATE,
            object_type="case",
            object_id=str(case.pk),
            region_code=case.household.village_id,
            changes=field_changes(old, {"overdue": True, "escalated_to": target}),
            reason=f"超过办结时限{case.due_on}，督办至{dict(RoleChoices.choices)[target]}（R-ID-03）",
        )
        changed.append(case)
    return changed
