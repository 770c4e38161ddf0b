"""Field sync (docs/field.md): apply the entries a phone queued offline, through the cases app's services.

The visit, home-check and report rules live in ``shouwang.cases.services`` (visit_record, case_transition,
case_document_upload, clue_submit); this module only adds what offline work needs on top:

* idempotency — each entry carries the UUID the phone made when the worker saved it; the
  ``FieldSubmission`` row with that UUID is written in the same transaction as the visit (or clue, or
  home check), so a re-sent entry is answered "duplicate" and never applied twice;
* conflicts — each entry carries the version of the household's case the worker saw (``base_version``);
  when the case, its version or its latest visit differ now, the entry is not applied and the answer
  lists what changed and the current card, for the worker to resend or discard;
* per-entry answers — each entry is applied in its own transaction; one refusal never affects the others.

Role and region are enforced by the same guarded lookups as the console and the API
(``access_case_by_id``, ``access_household_by_id``): an entry for a household outside the worker's grid is
refused as "not found", exactly like a household that does not exist.
"""

import base64
import binascii
import datetime as dt
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases import services as cases
from shouwang.cases.choices import CaseKindChoices, ChannelChoices, DocumentKindChoices
from shouwang.cases.models import Case, Clue
from shouwang.cases.selectors import access_case_by_id
from shouwang.cases.transitions import move_get
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment import services as employment
from shouwang.employment.choices import StatusSourceChoices
from shouwang.field.choices import SyncEntryKindChoices, SyncStatusChoices
from shouwang.field.models import FieldSubmission
from shouwang.field.selectors import (
    INCOME_FIELDS,
    Version,
    case_version_get,
    field_card_get,
    field_user_check,
    version_changes,
)
from shouwang.regions.choices import RegionLevelChoices
from shouwang.registry.models import Household
from shouwang.registry.selectors import access_household_by_id

MAX_ENTRIES = 20
# A phone downscales photos to about 100–300 KB before queueing them; anything near the request limit
# is not a phone photo the app made.
PHOTO_MAX_BYTES = 2 * 1024 * 1024


@dataclass
class SyncEntry:
    """One entry as queued on the phone (the wire format is documented in docs/field.md)."""

    uuid: str
    kind: str
    household_no: str = ""
    case_id: int | None = None
    base_version: str = ""
    recorded_at: dt.datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    photo: str | None = None  # base64 JPEG or PNG, a data: URL prefix allowed


class SyncConflict(Exception):
    """The household's case changed since the version the worker saw: show both, never overwrite."""

    def __init__(self, *, case: Case | None, seen: Version | None) -> None:
        self.case, self.seen = case, seen
        super().__init__("记录已在服务器上发生变化")


@dataclass
class Applied:
    case: Case | None
    ids: dict[str, int | None]


def _err(column: str, value: Any, reason: str) -> RowError:
    return RowError(row=None, column=column, value="" if value is None else str(value)[:40], reason=reason)


def _refuse(kind: str, errors: list[RowError]) -> None:
    if errors:
        label = SyncEntryKindChoices(kind).label if kind in SyncEntryKindChoices.values else kind
        raise InputRefused(f"无法同步“{label}”：" + "；".join(e.reason for e in errors), errors)


# ---------------------------------------------------------------------------------------------- parsing


def _date(data: dict[str, Any], key: str, errors: list[RowError], *, default: dt.date | None = None) -> Any:
    value = data.get(key)
    if value in (None, ""):
        if default is None:
            errors.append(_err(key, "", "必须填写日期（YYYY-MM-DD）"))
        return default
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append(_err(key, value, "日期格式应为YYYY-MM-DD"))
        return None


def _text(data: dict[str, Any], key: str, errors: list[RowError], *, max_length: int) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        errors.append(_err(key, value, "应为文本"))
        return ""
    text = (value or "").strip()
    if len(text) > max_length:
        errors.append(_err(key, text, f"不能超过{max_length}字"))
    return text[:max_length]


def _income(value: Any, errors: list[RowError]) -> cases.IncomeInput | None:
    """The 12-month income update (R-INC-01/02); the cases service checks the period and the signs."""
    if value in (None, "", {}):
        return None
    if not isinstance(value, dict):
        errors.append(_err("income", value, "收入应为各项金额"))
        return None
    period = str(value.get("period") or "").strip()
    if not period:
        errors.append(_err("income.period", "", "更新收入须填写收入期间（YYYY-MM）"))
    amounts: dict[str, Decimal] = {}
    for name in INCOME_FIELDS:
        raw = value.get(name)
        try:
            amount = Decimal(str(raw).strip() or "0") if raw not in (None, "") else Decimal(0)
            if not amount.is_finite() or abs(amount) >= Decimal("1e10"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.append(_err(f"income.{name}", raw, "应为金额（元）"))
            continue
        amounts[name] = amount.quantize(Decimal("0.01"))
    if len(amounts) != len(INCOME_FIELDS) or not period:
        return None
    return cases.IncomeInput(period=period, **amounts)


def _risks(data: dict[str, Any], errors: list[RowError], *, required: bool) -> list[str]:
    value = data.get("risk_types")
    if value in (None, "", []) and not required:
        return []
    return cases.risk_types_validate(value, errors=errors, column="risk_types", required=required)


def _photo(value: str | None, errors: list[RowError]) -> bytes | None:
    if not value:
        return None
    text = str(value)
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        errors.append(_err("photo", "", "照片数据无效，请重新拍摄"))
        return None
    if len(raw) > PHOTO_MAX_BYTES:
        errors.append(_err("photo", f"{len(raw) // 1024}KB", "照片过大（不能超过2MB），请重新拍摄"))
        return None
    return raw


# ---------------------------------------------------------------------------------------------- lookups


def _entry_case(*, user: User, entry: SyncEntry, purpose: str) -> Case:
    """The entry's case through the guarded lookup; it must belong to the entry's household."""
    if not isinstance(entry.case_id, int) or entry.case_id < 1:
        raise InputRefused("缺少案件编号", [_err("case_id", entry.case_id, "缺少案件编号")])
    case = access_case_by_id(user, entry.case_id, purpose=purpose)
    if case.household.household_no != entry.household_no:
        raise NotFound(entry.household_no)
    return case


# ---------------------------------------------------------------------------------------------- kinds


@dataclass
class _VisitFields:
    visited_on: Any
    notes: str
    risk_level: str
    income: cases.IncomeInput | None
    risks: list[str]
    risk_note: str
    labour: list[employment.LabourStatusInput]


def _labour(value: Any, errors: list[RowError]) -> list[employment.LabourStatusInput]:
    """The members' monthly status seen at the door (R-EMP-02): ``[{person_id, status}]``."""
    if value in (None, []):
        return []
    ok = isinstance(value, list) and len(value) <= 30
    out = []
    for item in value if ok else []:
        pid, status = (item.get("person_id"), item.get("status")) if isinstance(item, dict) else (None, None)
        if not isinstance(pid, int) or not isinstance(status, str) or len(status) > 32:
            ok = False
            break
        out.append(employment.LabourStatusInput(person_id=pid, status=status))
    if not ok:
        errors.append(_err("labour", "", "成员就业状况格式无效"))
        return []
    return out


def _labour_record(*, user: User, household: Household, v: _VisitFields) -> None:
    """Record the statuses for the month of the visit, as seen at the door (入户), in the visit's
    transaction: a refusal refuses the whole entry."""
    if v.labour:
        employment.labour_status_record(
            household=household,
            actor=user,
            period=v.visited_on.strftime("%Y-%m"),
            entries=v.labour,
            source=StatusSourceChoices.VISIT,
            checked_on=v.visited_on,
        )


def _visit_fields(d: dict[str, Any], errors: list[RowError]) -> _VisitFields:
    """What a visit entry carries, follow-up or routine (each problem added to ``errors``)."""
    return _VisitFields(
        visited_on=_date(d, "visited_on", errors),
        notes=_text(d, "notes", errors, max_length=4000),
        risk_level=_text(d, "risk_level", errors, max_length=8),
        income=_income(d.get("income"), errors),
        risks=_risks(d, errors, required=False),
        risk_note=_text(d, "risk_note", errors, max_length=2000),
        labour=_labour(d.get("labour"), errors),
    )


def _apply_routine_visit(*, user: User, entry: SyncEntry, household: Household) -> Applied:
    """A routine visit (常态化走访) of a household the card showed without an open case; a new risk seen at
    the door becomes a clue in the same transaction (``household_visit_record``). Visits only add, so there
    is no version to conflict with: a case opened meanwhile gets the visit as its follow-up visit."""
    errors: list[RowError] = []
    v = _visit_fields(entry.data, errors)
    if entry.photo:
        errors.append(_err("photo", "", "常态化走访不保存照片；发现风险请勾选新风险，或另行一键报送并拍照"))
    _refuse(entry.kind, errors)
    visit = cases.household_visit_record(
        household=household,
        actor=user,
        visited_on=v.visited_on,
        notes=v.notes,
        risk_level=v.risk_level,
        income=v.income,
        new_risks=v.risks,
        risk_note=v.risk_note,
    )
    _labour_record(user=user, household=household, v=v)
    ids: dict[str, int | None] = {"visit_id": visit.pk}
    clue = Clue.objects.filter(source_ref=f"visit:{visit.pk}").first()
    if clue is not None:
        ids["clue_id"] = clue.pk
    return Applied(case=visit.case or (clue.case if clue else None), ids=ids)


def _apply_visit(*, user: User, entry: SyncEntry, target: Any) -> Applied:
    """R-ID-06 follow-up visit, with its photo and any new risk seen at the door (a clue, R-ID-01)."""
    if isinstance(target, Household):
        return _apply_routine_visit(user=user, entry=entry, household=target)
    case: Case = target
    errors: list[RowError] = []
    v = _visit_fields(entry.data, errors)
    photo = _photo(entry.photo, errors)
    _refuse(entry.kind, errors)

    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    seen = Version.parse(entry.base_version)
    if seen is None or not seen.same_record(case_version_get(locked)):
        raise SyncConflict(case=locked, seen=seen)
    visit = cases.visit_record(
        case=locked,
        actor=user,
        visited_on=v.visited_on,
        notes=v.notes,
        risk_level=v.risk_level,
        income=v.income,
    )
    _labour_record(user=user, household=locked.household, v=v)
    ids: dict[str, int | None] = {"visit_id": visit.pk}
    if photo is not None:
        doc = cases.case_document_upload(
            case=locked,
            actor=user,
            kind=DocumentKindChoices.HOME_CHECK_PHOTO,
            filename=f"走访照片-{v.visited_on}.jpg",
            content=photo,
        )
        ids["document_id"] = doc.pk
    if v.risks:
        clue = cases.clue_submit(
            actor=user,
            channel=ChannelChoices.CADRE_VISIT,
            household=locked.household,
            risk_types=v.risks,
            description=v.risk_note or v.notes,
            reported_on=v.visited_on,
            source_ref=f"field:{entry.uuid}",
        )
        ids["clue_id"] = clue.pk
    return Applied(case=locked, ids=ids)


def _apply_home_check(*, user: User, entry: SyncEntry, target: Any) -> Applied:
    """R-ID-02 step 1 (identification) or R-ELIM-04 (elimination): the village cadre's check at the home,
    with the photo of the signed authorisation form, through the one transition service."""
    case: Case = target
    move = move_get(case.kind, "home_check")
    if move is None or user.role not in move.roles:
        raise Forbidden("入户核实须由村干部办理，网格员可登记走访情况或一键报送")
    seen = Version.parse(entry.base_version)
    if seen is None or seen.case_id != case.pk or seen.case_version != case.version:
        raise SyncConflict(case=case, seen=seen)
    errors: list[RowError] = []
    d = entry.data
    checked_on = _date(d, "checked_on", errors)
    findings = _text(d, "findings", errors, max_length=2000)
    risks = _risks(d, errors, required=False)
    photo = _photo(entry.photo, errors)
    identification = case.kind == CaseKindChoices.IDENTIFICATION
    if identification and photo is None and not errors:
        errors.append(_err("photo", "", "须拍摄农户签字的《申请及承诺授权查询书》（R-ID-02）"))
    _refuse(entry.kind, errors)
    ids: dict[str, int | None] = {}
    data: dict[str, Any] = {"checked_on": checked_on.isoformat(), "findings": findings}
    if risks:
        data["risk_types"] = risks
    if photo is not None:
        doc = cases.case_document_upload(
            case=case,
            actor=user,
            kind=DocumentKindChoices.AUTHORISATION
            if identification
            else DocumentKindChoices.HOME_CHECK_PHOTO,
            filename=f"{'授权书' if identification else '入户核实照片'}-{checked_on}.jpg",
            content=photo,
        )
        ids["document_id"] = doc.pk
        if identification:
            data["authorisation_document_id"] = doc.pk
    moved = cases.case_transition(
        case=case, action="home_check", actor=user, data=data, expected_version=seen.case_version
    )
    return Applied(case=moved, ids=ids)


def _apply_report(*, user: User, entry: SyncEntry, target: Any) -> Applied:
    """R-WARN-02 一键报送: a suspected case seen by the grid worker becomes a clue (channel 基层干部排查);
    on a household with an open case it attaches as a new risk. A person not in the registry is reported
    by name in the worker's village, for the village to resolve."""
    errors: list[RowError] = []
    d = entry.data
    risks = _risks(d, errors, required=True)
    description = _text(d, "description", errors, max_length=2000)
    subject_name = _text(d, "subject_name", errors, max_length=64)
    reported_on = _date(d, "reported_on", errors, default=clock.today())
    green = d.get("green_channel") is True
    photo = _photo(entry.photo, errors)
    if not entry.household_no and photo is not None:
        errors.append(_err("photo", "", "未登记农户的报送暂不能附照片，请在情况说明中描述"))
    _refuse(entry.kind, errors)
    household = target
    village_code = ""
    if household is None:
        # A clue without a household is scoped by its village (cases.services.clue_submit), which is
        # the region of a village-level grid worker or cadre; a worker whose grid is one village group
        # does not cover the whole village.
        if user.region is None or user.region.level != RegionLevelChoices.VILLAGE:
            raise Forbidden("您的账号负责一个村民小组，未在册人员的线索请告知村干部或村级网格员报送")
        village_code = user.region_code
    clue = cases.clue_submit(
        actor=user,
        channel=ChannelChoices.CADRE_VISIT,
        household=household,
        village_code=village_code,
        subject_name=subject_name,
        risk_types=risks,
        description=description,
        reported_on=reported_on,
        green_channel=green,
        source_ref=f"field:{entry.uuid}",
    )
    ids: dict[str, int | None] = {"clue_id": clue.pk, "case_id": clue.case_id}
    if photo is not None and clue.case is not None:
        doc = cases.case_document_upload(
            case=clue.case,
            actor=user,
            kind=DocumentKindChoices.OTHER,
            filename=f"报送照片-{reported_on}.jpg",
            content=photo,
        )
        ids["document_id"] = doc.pk
    return Applied(case=clue.case, ids=ids)


def _target(*, user: User, entry: SyncEntry) -> Any:
    """The guarded lookup, outside the entry's transaction so that a refused look stays audited."""
    if entry.kind == SyncEntryKindChoices.REPORT:
        if not entry.household_no:
            return None
        return access_household_by_id(user, entry.household_no, purpose="field_report")
    if entry.kind == SyncEntryKindChoices.VISIT and entry.case_id is None:
        # A routine visit (常态化走访): the card showed no open case.
        return access_household_by_id(user, entry.household_no, purpose="field_visit")
    return _entry_case(user=user, entry=entry, purpose=f"field_{entry.kind}")


APPLY: dict[str, Callable[..., Applied]] = {
    SyncEntryKindChoices.VISIT: _apply_visit,
    SyncEntryKindChoices.HOME_CHECK: _apply_home_check,
    SyncEntryKindChoices.REPORT: _apply_report,
}


# ---------------------------------------------------------------------------------------------- answers


def _answer(entry: SyncEntry, status: str, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "uuid": str(entry.uuid),
        "kind": entry.kind,
        "household_no": entry.household_no,
        "status": status,
        "status_label": str(SyncStatusChoices(status).label),
        "message": message,
        "ids": {},
        "current_version": "",
        "server": None,
        "changes": [],
        "errors": [],
        **extra,
    }


def _card(user: User, entry: SyncEntry, household_no: str) -> tuple[dict[str, Any] | None, str]:
    """The household's current card, and the version the phone should hold next for this kind of entry:
    the open identification case for a visit, the case awaiting its home check for a home check."""
    card = field_card_get(user=user, household_no=household_no) if household_no else None
    target = None
    if card is not None and entry.kind == SyncEntryKindChoices.VISIT:
        target = card["case"]
    elif card is not None and entry.kind == SyncEntryKindChoices.HOME_CHECK:
        target = card["check"]
    if target is not None:
        return card, target["base_version"]
    case = (
        Case.objects.filter(pk=entry.case_id, household__household_no=household_no).first()
        if entry.kind != SyncEntryKindChoices.REPORT and isinstance(entry.case_id, int)
        else None
    )
    return card, case_version_get(case).token if case else ""


def _rejected(entry: SyncEntry, message: str, errors: list[RowError] | None = None) -> dict[str, Any]:
    return _answer(
        entry,
        SyncStatusChoices.REJECTED,
        message,
        errors=[{"column": e.column, "value": e.value, "reason": e.reason} for e in (errors or [])],
    )


def _duplicate(user: User, entry: SyncEntry, existing: FieldSubmission) -> dict[str, Any]:
    if existing.user_id != user.pk:
        # Someone else's UUID: answer as for anything the worker may not know about.
        return _rejected(entry, "未找到该户，或该户不在您的网格内")
    card, version = _card(user, entry, existing.household_no)
    return _answer(
        entry,
        SyncStatusChoices.DUPLICATE,
        f"此记录已于{existing.created_at:%Y-%m-%d %H:%M}同步，未重复登记",
        ids=existing.result.get("ids", {}),
        server=card,
        current_version=version,
    )


def _conflict(user: User, entry: SyncEntry, case: Case | None, seen: Version | None) -> dict[str, Any]:
    card, version = _card(user, entry, entry.household_no)
    return _answer(
        entry,
        SyncStatusChoices.CONFLICT,
        "您录入后，该户的记录在服务器上已有变化，请核对后选择重新提交或放弃",
        server=card,
        current_version=version,
        changes=version_changes(case=case, seen=seen),
    )


def field_entry_apply(*, user: User, entry: SyncEntry) -> dict[str, Any]:
    """Apply one queued entry in its own transaction and answer applied / duplicate / conflict / rejected."""
    try:
        key = uuidlib.UUID(str(entry.uuid))
    except ValueError:
        return _rejected(entry, "客户端记录编号无效", [_err("uuid", entry.uuid, "应为UUID")])
    if entry.kind not in APPLY:
        return _rejected(
            entry,
            "不支持的记录类型",
            [_err("kind", entry.kind, "可选：" + "、".join(SyncEntryKindChoices.values))],
        )
    existing = FieldSubmission.objects.filter(uuid=key).first()
    if existing is not None:
        return _duplicate(user, entry, existing)
    try:
        target = _target(user=user, entry=entry)
        with transaction.atomic():
            # Claim the UUID first: a concurrent re-send of the same entry waits on this row and then
            # fails the unique constraint instead of applying the entry a second time.
            submission = FieldSubmission.objects.create(
                uuid=key,
                kind=entry.kind,
                user=user,
                household_no=entry.household_no[:32],
                base_version=entry.base_version[:64],
                recorded_at=entry.recorded_at,
            )
            applied = APPLY[entry.kind](user=user, entry=entry, target=target)
            submission.case = applied.case
            submission.result = {"ids": applied.ids}
            submission.save(update_fields=["case", "result"])
            region = applied.case.household.village_id if applied.case else user.region_code
            audit_record(
                actor=user,
                action=AuditActionChoices.CREATE,
                object_type="field_submission",
                object_id=str(key),
                region_code=region,
                changes={
                    "kind": entry.kind,
                    "household_no": entry.household_no,
                    "base_version": entry.base_version,
                    **applied.ids,
                },
                reason="网格员移动端同步",
            )
    except IntegrityError:
        existing = FieldSubmission.objects.filter(uuid=key).first()
        if existing is None:
            raise
        return _duplicate(user, entry, existing)
    except SyncConflict as exc:
        return _conflict(user, entry, exc.case, exc.seen)
    except cases.CaseConflict as exc:
        case = Case.objects.filter(pk=exc.case_id).first()
        return _conflict(user, entry, case, Version.parse(entry.base_version))
    except NotFound:
        return _rejected(entry, "未找到该户，或该户不在您的网格内")
    except Forbidden as exc:
        return _rejected(entry, str(exc) or "您的角色无权办理此事项")
    except InputRefused as exc:
        return _rejected(entry, exc.message, exc.errors)
    card, version = _card(user, entry, entry.household_no)
    return _answer(
        entry,
        SyncStatusChoices.APPLIED,
        "已同步",
        ids=applied.ids,
        server=card,
        current_version=version,
    )


def field_sync(*, user: User, entries: list[SyncEntry]) -> list[dict[str, Any]]:
    """Apply a batch of queued entries, each on its own; the answers are in the same order.

    Entries the same worker queued one after another for one household all carry the version seen before
    the first of them. Once the first is applied, the next ones are checked against the version it produced:
    the worker's own earlier entry is not a change they failed to see (anyone else's still is).
    """
    field_user_check(user)
    if len(entries) > MAX_ENTRIES:
        raise InputRefused(
            f"一次最多同步{MAX_ENTRIES}条记录",
            [_err("entries", len(entries), f"一次最多同步{MAX_ENTRIES}条记录")],
        )
    results = []
    moved_on: dict[str, str] = {}  # base version → the version an applied entry of this batch left
    for e in entries:
        base = e.base_version
        while base in moved_on:  # versions only grow, so the chain ends
            base = moved_on[base]
        result = field_entry_apply(user=user, entry=replace(e, base_version=base))
        if result["status"] == SyncStatusChoices.APPLIED and base and result["current_version"]:
            moved_on[base] = result["current_version"]
        results.append(result)
    return results
