"""Self-report (找政府) and hotline actions (R-ID-07). Each is atomic and audited; a self-report becomes a
risk clue routed to the household's village and township (shouwang.cases.services.clue_submit)."""

import datetime as dt
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shouwang.accounts.access import Forbidden, NotFound, signed_in, user_can_see_region
from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import RoleChoices
from shouwang.accounts.models import User
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases import clock
from shouwang.cases.choices import CaseStateChoices, ChannelChoices
from shouwang.cases.models import Case
from shouwang.cases.parameters import params_get
from shouwang.cases.services import clue_submit, household_by_id_number
from shouwang.channels.choices import (
    ITEM_DEPARTMENT,
    DepartmentItemChoices,
    FilingModeChoices,
    HotlineKindChoices,
    HotlineStatusChoices,
    SelfReportStatusChoices,
)
from shouwang.channels.models import HotlineCall, SelfReport, SubmissionThrottle
from shouwang.common import crypto, idnumber
from shouwang.common.errors import InputRefused, RowError
from shouwang.common.limits import FREE_TEXT_MAX, bad_text
from shouwang.common.limits import max_length as _max
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Household

CITIZEN = "citizen"
TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
SUBJECT_NAME_MAX = 32  # a person's name; the column is wider for imported data
DESCRIPTION_MAX = 500
STAFF_ROLES = frozenset({RoleChoices.VILLAGE, RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
HOTLINE_ROLES = frozenset({RoleChoices.TOWNSHIP, RoleChoices.COUNTY})
# Case states in which the self-report has been answered by the procedure itself.
DECIDED_STATES = frozenset(
    {CaseStateChoices.REJECTED, CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING}
)


# (window, limit) per throttle scope (scope names fit SubmissionThrottle.scope). A carrier puts many
# villagers behind one address (NAT), so the address cap is generous and the tight caps key on the phone
# and on the person reported (village + name); tracking-code look-ups are capped per address and per code.
# Overridable in settings as SHOUWANG_PUBLIC_RATE_LIMITS = {scope: (seconds, limit)}.
RATE_LIMITS: dict[str, tuple[dt.timedelta, int]] = {
    "ip": (dt.timedelta(hours=1), 60),
    "phone": (dt.timedelta(days=1), 5),
    "subject": (dt.timedelta(days=1), 3),
    "st_ip": (dt.timedelta(hours=1), 300),
    "st_code": (dt.timedelta(hours=1), 60),
}
_LIMIT_WHAT = {
    "ip": "同一网络提交过于频繁",
    "phone": "同一联系电话提交过于频繁",
    "subject": "为同一人提交过于频繁",
    "st_ip": "查询过于频繁",
    "st_code": "该查询码查询过于频繁",
}


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _limit(scope: str) -> tuple[dt.timedelta, int]:
    override = getattr(settings, "SHOUWANG_PUBLIC_RATE_LIMITS", {}).get(scope)
    if override is not None:
        seconds, limit = override
        return dt.timedelta(seconds=seconds), int(limit)
    return RATE_LIMITS[scope]


# Every SWEEP_EVERY-th throttle row, the rows older than every window go (keys never seen again included).
SWEEP_EVERY = 1000


def throttle_sweep(*, now: dt.datetime | None = None) -> int:
    """Delete the throttle rows that no window looks at any more; return how many."""
    longest = max(_limit(scope)[0] for scope in RATE_LIMITS)
    cutoff = (now or timezone.now()) - longest
    deleted, _ = SubmissionThrottle.objects.filter(at__lt=cutoff).delete()
    return deleted


def _throttle(keys: dict[str, str], *, advice: str) -> None:
    """Record this attempt under every key, then refuse if any key made too many recently (DB-backed).
    Refused attempts count too, so a flood keeps itself shut out; Retry-After says when one would pass.
    The table stays small: each key's rows older than its window go as the key is used again (index
    ``scope, key, at``), and every SWEEP_EVERY-th row sweeps the rest."""
    hashed = {scope: crypto.blind_index(f"{scope}:{raw}") for scope, raw in keys.items()}
    limits = {scope: _limit(scope) for scope in hashed}
    now = timezone.now()
    with transaction.atomic():
        rows = SubmissionThrottle.objects.bulk_create(
            [SubmissionThrottle(scope=s, key=k) for s, k in hashed.items()]
        )
        for scope, key in hashed.items():
            SubmissionThrottle.objects.filter(scope=scope, key=key, at__lt=now - limits[scope][0]).delete()
        if any(row.pk and row.pk % SWEEP_EVERY == 0 for row in rows):
            throttle_sweep(now=now)
    for scope, key in hashed.items():
        window, limit = limits[scope]
        recent = SubmissionThrottle.objects.filter(scope=scope, key=key, at__gte=now - window)
        count = recent.count()
        if count > limit:
            # The next attempt passes once enough of these rows leave the window to make room for it.
            freed_at = recent.order_by("at").values_list("at", flat=True)[count - limit] + window
            retry = max(1, math.ceil((freed_at - now).total_seconds()))
            raise RateLimited(f"{_LIMIT_WHAT[scope]}，请稍后再试；{advice}", retry_after=retry)


def _err(column: str, value: Any, reason: str) -> RowError:
    return RowError(row=None, column=column, value="" if value is None else str(value), reason=reason)


def _new_tracking_code() -> str:
    while True:
        code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
        if not SelfReport.objects.filter(tracking_code=code).exists():
            return code


def self_report_submit_throttle(*, ip: str, phone: str, village_code: str, subject_name: str) -> None:
    keys = {"ip": ip or "unknown"}
    if PHONE_RE.match(phone):
        keys["phone"] = phone
    name = (subject_name or "").strip()
    if name and village_code:
        keys["subject"] = f"{village_code}|{name}"
    _throttle(keys, advice="急事请拨打12317或12345热线")


def self_report_lookup_throttle(*, ip: str, tracking_code: str) -> None:
    """Status look-ups: capped per address and per code, so codes cannot be guessed or a page polled."""
    code = (tracking_code or "").strip().upper()
    _throttle({"st_ip": ip or "unknown", "st_code": code}, advice="办理进度一般每天更新")


@dataclass(frozen=True)
class SelfReportInput:
    village: Region
    difficulty: str
    name: str
    phone: str
    filing_mode: str
    reporter_name: str
    id_number: str
    description: str


def self_report_validate(
    *,
    village_code: str,
    difficulty: str,
    subject_name: str,
    contact_phone: str,
    filing_mode: str,
    reporter_name: str,
    subject_id_number: str,
    description: str,
) -> tuple[SelfReportInput | None, list[RowError]]:
    """One request checked; every problem reported (row ``None``: the caller places it)."""
    phone = re.sub(r"[\s-]", "", contact_phone or "")
    errors: list[RowError] = []
    texts = {
        "village_code": village_code,
        "difficulty": difficulty,
        "subject_name": subject_name,
        "contact_phone": contact_phone,
        "filing_mode": filing_mode,
        "reporter_name": reporter_name,
        "id_number": subject_id_number,
        "description": description,
    }
    unstorable = [_err(col, "", why) for col, text in texts.items() if (why := bad_text(text or ""))]
    if unstorable:
        return None, unstorable
    village = Region.objects.filter(code=village_code or "", level=RegionLevelChoices.VILLAGE).first()
    if village is None:
        errors.append(_err("village_code", village_code, "请选择所在的行政村"))
    if difficulty not in DepartmentItemChoices.values:
        errors.append(_err("difficulty", difficulty, "请选择遇到的困难"))
    name = (subject_name or "").strip()
    if not name or len(name) > SUBJECT_NAME_MAX:
        reason = f"请填写困难群众的姓名（不超过{SUBJECT_NAME_MAX}字）"
        errors.append(_err("subject_name", name[:10], reason))
    if not PHONE_RE.match(phone):
        errors.append(_err("contact_phone", crypto.mask_phone(phone), "请填写11位手机号码，便于工作人员联系"))
    if filing_mode not in (FilingModeChoices.SELF, FilingModeChoices.PROXY):
        errors.append(_err("filing_mode", filing_mode, "请选择本人申报或代他人申报"))
    if filing_mode == FilingModeChoices.PROXY and not reporter_name.strip():
        errors.append(_err("reporter_name", "", "代他人申报时请填写您的姓名"))
    id_number = ""
    if subject_id_number.strip():
        try:
            id_number = idnumber.parse(subject_id_number).number
        except idnumber.IdNumberError as exc:
            raw = idnumber.normalise(subject_id_number)
            # The message quotes the number; never echo a full ID back (it may be someone else's).
            errors.append(_err("id_number", idnumber.mask(raw), str(exc).replace(raw, idnumber.mask(raw))))
    if len(description or "") > DESCRIPTION_MAX:
        errors.append(_err("description", "", f"情况说明不超过{DESCRIPTION_MAX}字"))
    if len(reporter_name or "") > _max(SelfReport, "reporter_name"):
        errors.append(_err("reporter_name", "", f"姓名不超过{_max(SelfReport, 'reporter_name')}字"))
    if errors:
        return None, errors
    assert village is not None
    valid = SelfReportInput(
        village=village,
        difficulty=difficulty,
        name=name,
        phone=phone,
        filing_mode=filing_mode,
        reporter_name=reporter_name.strip(),
        id_number=id_number,
        description=(description or "").strip(),
    )
    return valid, []


def self_report_submit(
    *,
    village_code: str,
    difficulty: str,
    subject_name: str,
    contact_phone: str,
    filing_mode: str = FilingModeChoices.SELF,
    reporter_name: str = "",
    subject_id_number: str = "",
    description: str = "",
    ip: str = "",
) -> tuple[SelfReport, bool]:
    """A citizen's request for help (R-ID-07). Returns (report, is_duplicate): the same person and
    difficulty within the window attach to the earlier report and get its tracking code back."""
    phone = re.sub(r"[\s-]", "", contact_phone or "")
    self_report_submit_throttle(ip=ip, phone=phone, village_code=village_code, subject_name=subject_name)
    valid, errors = self_report_validate(
        village_code=village_code,
        difficulty=difficulty,
        subject_name=subject_name,
        contact_phone=contact_phone,
        filing_mode=filing_mode,
        reporter_name=reporter_name,
        subject_id_number=subject_id_number,
        description=description,
    )
    if valid is None:
        raise InputRefused("提交未成功：" + "；".join(e.reason for e in errors), errors)
    return self_report_record(valid)


@transaction.atomic
def self_report_record(
    valid: SelfReportInput, *, submitted_on: dt.date | None = None
) -> tuple[SelfReport, bool]:
    village, difficulty, name, phone = valid.village, valid.difficulty, valid.name, valid.phone
    filing_mode, reporter_name, id_number = valid.filing_mode, valid.reporter_name, valid.id_number
    description = valid.description
    today = submitted_on or clock.today()
    params = params_get(region_code=village.code, year=today.year)
    id_index = crypto.blind_index(id_number) if id_number else ""
    household = household_by_id_number(id_number) if id_number else None
    same_subject = Q(subject_id_index=id_index) if id_index else Q(village=village, subject_name=name)
    if household is not None:
        same_subject |= Q(clue__household=household)
    earlier = (
        SelfReport.objects.select_for_update(of=("self",))
        .filter(
            same_subject,
            difficulty=difficulty,
            submitted_on__gte=today - dt.timedelta(days=params.duplicate_window_days),
        )
        .exclude(status=SelfReportStatusChoices.CONFIRMED)
        .order_by("id")
        .first()
    )
    if earlier is not None:
        earlier.duplicate_count += 1
        earlier.last_submitted_at = timezone.now()
        earlier.save(update_fields=["duplicate_count", "last_submitted_at"])
        audit_record(
            actor=CITIZEN,
            action=AuditActionChoices.UPDATE,
            object_type="self_report",
            object_id=earlier.tracking_code,
            region_code=earlier.village_id,
            changes={"duplicate_count": [earlier.duplicate_count - 1, earlier.duplicate_count]},
            reason="重复申报，并入原申报",
        )
        return earlier, True
    department, risk = ITEM_DEPARTMENT[difficulty]
    report = SelfReport.objects.create(
        tracking_code=_new_tracking_code(),
        filing_mode=filing_mode,
        village=village,
        subject_name=name,
        subject_id_sealed=crypto.seal(id_number) if id_number else "",
        subject_id_index=id_index,
        subject_id_masked=idnumber.mask(id_number) if id_number else "",
        reporter_name=reporter_name,
        phone_sealed=crypto.seal(phone),
        phone_index=crypto.blind_index(phone),
        phone_masked=crypto.mask_phone(phone),
        difficulty=difficulty,
        description=description,
        submitted_on=today,
    )
    clue = clue_submit(
        actor=CITIZEN,
        channel=ChannelChoices.SELF_REPORT,
        household=household,
        village_code=village.code,
        subject_name=name,
        risk_types=[risk],
        description=f"[{department}] {DepartmentItemChoices(difficulty).label}。{description}",
        evidence={"difficulty": difficulty, "department": department, "filing_mode": filing_mode},
        reported_on=today,
        source_ref=f"self_report:{report.tracking_code}",
    )
    report.clue = clue
    report.save(update_fields=["clue"])
    audit_record(
        actor=CITIZEN,
        action=AuditActionChoices.CREATE,
        object_type="self_report",
        object_id=report.tracking_code,
        region_code=village.code,
        changes={
            "difficulty": difficulty,
            "filing_mode": filing_mode,
            "clue": clue.pk,
            "matched": bool(household),
        },
        reason="群众自主申报",
    )
    return report, False


def _case_of(report: SelfReport) -> Case | None:
    clue = report.clue
    return clue.case if clue is not None and clue.case_id else None


def self_report_stage(report: SelfReport) -> str:
    """Where the report stands, in the citizen's words, from its status and its case as they are now
    (never stored, so it moves as soon as the report is answered or signed off or the case moves on)."""
    case = _case_of(report)
    if report.status == SelfReportStatusChoices.CONFIRMED:
        return "群众已签单确认，本次申报办结"
    if case is not None and case.state == CaseStateChoices.REJECTED:
        return "经核实不予纳入监测"
    if case is not None and case.state in (CaseStateChoices.ANNOUNCED, CaseStateChoices.MONITORING):
        return "已纳入防止返贫监测，落实帮扶"
    if report.status == SelfReportStatusChoices.ANSWERED:
        return "工作人员已答复，请查看答复并签单确认"
    if case is not None and case.state != CaseStateChoices.CLUE:
        return f"办理中：{CaseStateChoices(case.state).label}"
    if report.escalated_at:
        return "超时未答复，已督办至县级"
    if report.clue is not None and report.clue.household_id is None:
        return "工作人员正在核实申报人信息"
    return "等待村、乡镇工作人员受理"


def self_report_public_status(*, tracking_code: str) -> dict[str, Any]:
    """What the citizen may see: progress only, never personal data (R-ID-07 tracking)."""
    report = (
        SelfReport.objects.select_related("clue", "clue__case")
        .filter(tracking_code=(tracking_code or "").strip().upper())
        .first()
    )
    if report is None:
        raise NotFound(tracking_code)
    case = _case_of(report)
    progress = [{"on": report.submitted_on.isoformat(), "label": "申报已提交"}]
    stage = self_report_stage(report)
    reason = case.rejection_reason if case is not None and case.state == CaseStateChoices.REJECTED else ""
    if case is not None:
        progress.append({"on": case.opened_on.isoformat(), "label": "已转为风险线索，进入核实程序"})
    if report.escalated_at:
        progress.append(
            {"on": timezone.localdate(report.escalated_at).isoformat(), "label": "超时未办，已督办"}
        )
    if report.responded_at:
        progress.append(
            {"on": timezone.localdate(report.responded_at).isoformat(), "label": "工作人员已答复"}
        )
    if report.confirmed_at:
        progress.append(
            {"on": timezone.localdate(report.confirmed_at).isoformat(), "label": "群众已签单确认"}
        )
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "status_label": str(SelfReportStatusChoices(report.status).label),
        "stage": stage,
        "difficulty": report.difficulty,
        "difficulty_label": str(DepartmentItemChoices(report.difficulty).label),
        "department": ITEM_DEPARTMENT[report.difficulty][0],
        "submitted_on": report.submitted_on,
        "response": report.response,
        "rejection_reason": reason,
        "escalated": report.escalated_at is not None,
        "can_confirm": _answered(report) and report.status != SelfReportStatusChoices.CONFIRMED,
        "answer_by": _answer_by(report),
        "progress": progress,
    }


def _answer_by(report: SelfReport) -> dt.date | None:
    """While nobody has answered: the day after which an unanswered report goes to the county (督办,
    R-ID-07, the village's ``self_report_escalation_days``); None once answered or escalated."""
    if report.responded_at or report.escalated_at or report.status != SelfReportStatusChoices.SUBMITTED:
        return None
    params = params_get(region_code=report.village_id, year=report.submitted_on.year)
    return report.submitted_on + dt.timedelta(days=params.self_report_escalation_days)


def _answered(report: SelfReport) -> bool:
    case = _case_of(report)
    return report.responded_at is not None or (case is not None and case.state in DECIDED_STATES)


@transaction.atomic
def self_report_confirm(*, tracking_code: str, satisfied: bool, comment: str = "") -> SelfReport:
    """群众签单: the citizen confirms the outcome with the tracking code (R-ID-07 closed loop)."""
    report = (
        SelfReport.objects.select_for_update(of=("self",))
        .filter(tracking_code=(tracking_code or "").strip().upper())
        .first()
    )
    if report is None:
        raise NotFound(tracking_code)
    if len(comment or "") > _max(SelfReport, "citizen_comment"):
        limit = _max(SelfReport, "citizen_comment")
        raise InputRefused(f"意见不超过{limit}字", [_err("comment", "", f"不超过{limit}字")])
    if report.status == SelfReportStatusChoices.CONFIRMED:
        raise InputRefused("该申报已签单确认", [_err("tracking_code", report.tracking_code, "已签单")])
    if not _answered(report):
        raise InputRefused(
            "该申报尚未办结答复，暂不能签单", [_err("tracking_code", report.tracking_code, "尚未答复")]
        )
    report.status = SelfReportStatusChoices.CONFIRMED
    report.confirmed_at = timezone.now()
    report.satisfied = bool(satisfied)
    report.citizen_comment = comment or ""
    report.save(update_fields=["status", "confirmed_at", "satisfied", "citizen_comment"])
    audit_record(
        actor=CITIZEN,
        action=AuditActionChoices.UPDATE,
        object_type="self_report",
        object_id=report.tracking_code,
        region_code=report.village_id,
        changes={"status": [SelfReportStatusChoices.ANSWERED, report.status], "satisfied": report.satisfied},
        reason="群众签单",
    )
    return report


def access_self_report_by_code(user: Viewer, tracking_code: str) -> SelfReport:
    report = SelfReport.objects.filter(tracking_code=(tracking_code or "").strip().upper()).first()
    official = signed_in(user)
    if (
        report is None
        or official is None
        or official.role not in STAFF_ROLES
        or not user_can_see_region(official, report.village_id)
    ):
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if report is None else AuditActionChoices.ACCESS_DENIED,
            object_type="self_report",
            object_id=tracking_code[:64],
        )
        raise NotFound(tracking_code)
    return report


def self_report_reveal_phone(*, report: SelfReport, actor: User, reason: str = "") -> str:
    """The contact phone in clear, to call the citizen back (the page shows it masked); one ``reveal``
    audit row per look, like a household's phone."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("您的角色无权查看群众的联系电话")
    audit_record(
        actor=actor,
        action=AuditActionChoices.REVEAL,
        object_type="self_report.phone",
        object_id=report.tracking_code,
        region_code=report.village_id,
        reason=reason or "回访群众",
    )
    return crypto.unseal(report.phone_sealed)


@transaction.atomic
def self_report_respond(*, report: SelfReport, actor: User, response: str) -> SelfReport:
    """An official's answer, shown to the citizen on the tracking page (群众点单、干部收单)."""
    if actor.role not in STAFF_ROLES:
        raise Forbidden("您的角色无权答复群众申报")
    text = (response or "").strip()
    if not text:
        raise InputRefused("请填写答复内容", [_err("response", "", "答复内容不能为空")])
    if len(text) > FREE_TEXT_MAX:
        raise InputRefused(
            f"答复内容不超过{FREE_TEXT_MAX}字", [_err("response", "", f"不超过{FREE_TEXT_MAX}字")]
        )
    if report.status == SelfReportStatusChoices.CONFIRMED:
        raise InputRefused("群众已签单，不能再修改答复", [_err("response", "", "已签单")])
    old = report.status
    report.response, report.responded_at, report.responded_by = text, timezone.now(), actor
    report.status = SelfReportStatusChoices.ANSWERED
    report.save(update_fields=["response", "responded_at", "responded_by", "status"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="self_report",
        object_id=report.tracking_code,
        region_code=report.village_id,
        changes={"status": [old, report.status]},
        reason="答复群众申报",
    )
    return report


@transaction.atomic
def self_report_escalate_overdue(*, today: dt.date | None = None) -> list[SelfReport]:
    """督办: a self-report with no answer and no progress after N days (default 10) goes to the county."""
    today = today or clock.today()
    out = []
    for report in (
        SelfReport.objects.select_for_update(of=("self",))
        .select_related("clue", "clue__case")
        .filter(
            status=SelfReportStatusChoices.SUBMITTED, escalated_at__isnull=True, responded_at__isnull=True
        )
    ):
        params = params_get(region_code=report.village_id, year=today.year)
        if (today - report.submitted_on).days <= params.self_report_escalation_days:
            continue
        case = _case_of(report)
        if case is not None and case.state != CaseStateChoices.CLUE:
            continue  # the procedure is moving: not "unanswered"
        report.escalated_at, report.escalated_to = timezone.now(), RoleChoices.COUNTY
        report.save(update_fields=["escalated_at", "escalated_to"])
        audit_record(
            actor="system",
            action=AuditActionChoices.UPDATE,
            object_type="self_report",
            object_id=report.tracking_code,
            region_code=report.village_id,
            changes={"escalated_to": ["", RoleChoices.COUNTY]},
            reason=f"超过{params.self_report_escalation_days}天未答复，县级督办（R-ID-07）",
        )
        out.append(report)
    return out


# ---------------------------------------------------------------------------------------------- hotline


@transaction.atomic
def hotline_call_record(
    *,
    actor: User,
    kind: str,
    content: str,
    caller_name: str = "",
    caller_phone: str = "",
    village_code: str = "",
    household: Household | None = None,
    risk_types: list[str] | None = None,
    answer: str = "",
) -> HotlineCall:
    """A hotline call taken by staff: help requests become clues; questions can be answered at once."""
    if actor.role not in HOTLINE_ROLES:
        raise Forbidden("热线受理须由乡镇或县级工作人员办理")
    errors = []
    if kind not in HotlineKindChoices.values:
        errors.append(_err("kind", kind, "类型无效，可选：" + "、".join(HotlineKindChoices.values)))
    if not (content or "").strip():
        errors.append(_err("content", "", "请记录来电内容"))
    for column, text, limit in (
        ("content", content, FREE_TEXT_MAX),
        ("answer", answer, FREE_TEXT_MAX),
        ("caller_name", caller_name, _max(HotlineCall, "caller_name")),
    ):
        if len(text or "") > limit:
            errors.append(_err(column, "", f"不超过{limit}字"))
    phone = re.sub(r"[\s-]", "", caller_phone or "")
    if phone and not PHONE_RE.match(phone) and not (phone.isdigit() and 7 <= len(phone) <= 12):
        errors.append(_err("caller_phone", crypto.mask_phone(phone), "电话号码格式不正确"))
    village = household.village if household else None
    if village is None and village_code:
        village = Region.objects.filter(code=village_code, level=RegionLevelChoices.VILLAGE).first()
        if village is None:
            errors.append(_err("village_code", village_code, "行政村代码不存在"))
        elif not user_can_see_region(actor, village.code):
            raise NotFound(village_code)
    if kind == HotlineKindChoices.HELP_REQUEST and village is None:
        errors.append(_err("village_code", "", "求助须填写所在行政村或户编号，以便转为风险线索"))
    if kind == HotlineKindChoices.HELP_REQUEST and not risk_types:
        errors.append(_err("risk_types", "", "求助须选择风险类型"))
    if errors:
        raise InputRefused("无法登记来电：" + "；".join(e.reason for e in errors), errors)
    call = HotlineCall.objects.create(
        kind=kind,
        caller_name=caller_name,
        phone_sealed=crypto.seal(phone) if phone else "",
        phone_index=crypto.blind_index(phone) if phone else "",
        phone_masked=crypto.mask_phone(phone) if phone else "",
        village=village,
        household=household,
        content=content.strip(),
        taken_by=actor,
        region_code=village.code if village else actor.region_code,
    )
    if kind == HotlineKindChoices.HELP_REQUEST:
        call.clue = clue_submit(
            actor=actor,
            channel=ChannelChoices.HOTLINE,
            household=household,
            village_code=village.code if village else "",
            subject_name=caller_name or (household.head_name if household else ""),
            risk_types=list(risk_types or []),
            description=content.strip(),
            source_ref=f"hotline:{call.pk}",
        )
        call.save(update_fields=["clue"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.CREATE,
        object_type="hotline_call",
        object_id=str(call.pk),
        region_code=call.region_code,
        changes={"kind": kind, "clue": call.clue_id},
        reason="热线来电登记",
    )
    if answer.strip():
        return hotline_call_close(call=call, actor=actor, answer=answer)
    return call


def access_hotline_call_by_id(user: Viewer, call_id: int) -> HotlineCall:
    call = HotlineCall.objects.filter(pk=call_id).first()
    official = signed_in(user)
    if (
        call is None
        or official is None
        or official.role not in HOTLINE_ROLES
        or not user_can_see_region(official, call.region_code)
    ):
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if call is None else AuditActionChoices.ACCESS_DENIED,
            object_type="hotline_call",
            object_id=str(call_id),
        )
        raise NotFound(str(call_id))
    return call


@transaction.atomic
def hotline_call_close(*, call: HotlineCall, actor: User, answer: str) -> HotlineCall:
    if actor.role not in HOTLINE_ROLES:
        raise Forbidden("热线办结须由乡镇或县级工作人员办理")
    if call.status == HotlineStatusChoices.CLOSED:
        raise InputRefused("该来电已办结", [_err("status", call.status, "已办结")])
    if not (answer or "").strip():
        raise InputRefused("请填写答复内容", [_err("answer", "", "答复内容不能为空")])
    if len(answer) > FREE_TEXT_MAX:
        raise InputRefused(
            f"答复内容不超过{FREE_TEXT_MAX}字", [_err("answer", "", f"不超过{FREE_TEXT_MAX}字")]
        )
    call.answer, call.status = answer.strip(), HotlineStatusChoices.CLOSED
    call.closed_by, call.closed_at = actor, timezone.now()
    call.save(update_fields=["answer", "status", "closed_by", "closed_at"])
    audit_record(
        actor=actor,
        action=AuditActionChoices.UPDATE,
        object_type="hotline_call",
        object_id=str(call.pk),
        region_code=call.region_code,
        changes={"status": [HotlineStatusChoices.OPEN, HotlineStatusChoices.CLOSED]},
        reason="热线办结",
    )
    return call
