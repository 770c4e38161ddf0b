"""The transport subsidy (交通补助, POLICY R-EMP-09; docs/employment.md "Transport subsidy").

Eligibility is computed from the 务工月监测 episodes, never typed in: a labourer of a 脱贫 household or a
monitoring object's household is eligible for a year when his episodes give at least ``min_months``
*continuous* months of work in the parameter's place types (省外 by default), counted from 1 January, or
from the month of enrolment (识别监测时间) for a monitoring object enrolled during the year, up to the
month of the computation. Adjacent episodes (a change of employer from one month to the next) are one run;
a gap of a month breaks it. 公益岗位 and 帮扶车间 episodes do not count (they are work at home).
Once a year per person: the row is keyed by (person, year) and a paid row is never recomputed.

* ``transport_verdict``: the rule on one person's episodes (pure; the tests feed it hand-built rows).
* ``transport_candidates``: every person of a county with an episode in the year's place types, with the
  verdict and its reason (the console's list, eligible or not).
* ``transport_subsidy_compute``: stores the county's eligible list for the year (atomic, audited).
* ``transport_notice_rows`` / ``transport_workbook``: the notice list (公示名单, masked IDs) and the payment
  file (发放清单, clear IDs for the 社保卡 payment, audited when written).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from shouwang.accounts.actors import Actor
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record, audit_record_many
from shouwang.common import crypto, idnumber
from shouwang.common.errors import InputRefused, RowError
from shouwang.employment.choices import TransportSubsidyStatusChoices, WorkPlaceTypeChoices
from shouwang.employment.layout import month_index, month_text
from shouwang.employment.models import TransportSubsidy, TransportSubsidyParameter, WorkEpisode
from shouwang.exchange.files import ID, ColumnSpec, read_table
from shouwang.regions.models import Region
from shouwang.registry.models import Household

HOME_CHANNELS = frozenset({"public_post", "workshop"})  # work at home: no transport to pay for
FORMER_POOR = "former_poor"


@dataclass(frozen=True)
class TransportParams:
    min_months: int = 3  # 百里杜鹃 2025: ≥ 3 months continuous out of province
    amount: Decimal = Decimal("500")  # 500 元/人/年
    place_types: frozenset[str] = frozenset({WorkPlaceTypeChoices.OUT_OF_PROVINCE.value})
    source: str = "政策默认值"  # POLICY R-EMP-09


def transport_params_get(*, region_code: str, year: int) -> TransportParams:
    prefixes = [region_code[:n] for n in (2, 4, 6, 9, 12, 15) if n <= len(region_code)]
    rows = list(
        TransportSubsidyParameter.objects.filter(
            Q(region_code__in=[*prefixes, ""]), Q(year=year) | Q(year__isnull=True)
        )
    )
    if not rows:
        return TransportParams()
    best = max(rows, key=lambda r: (len(r.region_code), r.year is not None, r.version))
    return TransportParams(
        min_months=best.min_months,
        amount=best.amount,
        place_types=frozenset(t.strip() for t in best.place_types.split(",") if t.strip()),
        source=f"参数 {best.region_code or '默认'}/{best.year or '各年'} v{best.version}",
    )


@dataclass(frozen=True)
class EpisodeFact:
    """What the rule reads of one episode."""

    start_month: str
    end_month: str  # "" = ongoing
    place_type: str
    channel: str = ""
    worked: bool = True
    work_county: str = ""


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    months: int
    first_month: str
    last_month: str
    work_county: str
    place_type: str
    reason: str


def _place_label(types: frozenset[str]) -> str:
    labels = dict(WorkPlaceTypeChoices.choices)
    order = [t for t in WorkPlaceTypeChoices.values if t in types]
    return "或".join(str(labels[t]) for t in order) or "规定地域"


def transport_verdict(
    episodes: list[EpisodeFact],
    *,
    year: int,
    count_from: str,
    up_to: str,
    params: TransportParams,
    enrolled: str = "",
) -> Verdict:
    """R-EMP-09 on one person's episodes (pure). ``count_from``: January of ``year`` or the enrolment
    month; ``up_to``: the last month that counts (December, or the month of the computation)."""
    lo, hi = month_index(count_from), min(month_index(up_to), month_index(f"{year}-12"))
    months: dict[int, EpisodeFact] = {}
    before_enrolment = False
    for ep in episodes:
        if not ep.worked or ep.place_type not in params.place_types or ep.channel in HOME_CHANNELS:
            continue
        start, end = month_index(ep.start_month), month_index(ep.end_month) if ep.end_month else hi
        if start < lo and end >= month_index(f"{year}-01"):
            before_enrolment = before_enrolment or lo > month_index(f"{year}-01")
        for m in range(max(start, lo), min(end, hi) + 1):
            months.setdefault(m, ep)
    best_first, best_len = 0, 0
    run_first, run_len = 0, 0
    for m in sorted(months):
        if run_len and m == run_first + run_len:
            run_len += 1
        else:
            run_first, run_len = m, 1
        if run_len > best_len:
            best_first, best_len = run_first, run_len
    place = _place_label(params.place_types)
    from_note = f"自{month_text(enrolled)}纳入监测起算；" if enrolled else ""
    if best_len == 0:
        reason = f"{from_note}{year}年无{place}务工月份"
        if before_enrolment:
            reason = f"{from_note}纳入监测前的务工月份不计"
        return Verdict(False, 0, "", "", "", "", reason)
    first = f"{best_first // 12:04d}-{best_first % 12 + 1:02d}"
    last_i = best_first + best_len - 1
    last = f"{last_i // 12:04d}-{last_i % 12 + 1:02d}"
    ep = months[best_first]
    span = f"{month_text(first)}至{month_text(last)}连续{place}务工{best_len}个月"
    if best_len >= params.min_months:
        return Verdict(
            True,
            best_len,
            first,
            last,
            ep.work_county,
            ep.place_type,
            f"{from_note}{span}，满{params.min_months}个月",
        )
    reason = f"{from_note}{span}，不足{params.min_months}个月"
    return Verdict(False, best_len, first, last, ep.work_county, ep.place_type, reason)


@dataclass
class Candidate:
    person_id: int
    household_id: int
    household_no: str
    township_code: str
    village_code: str
    name: str
    id_masked: str
    count_from: str
    verdict: Verdict
    stored: TransportSubsidy | None = None


def _count_from(household: Household, year: int) -> tuple[str, str] | None:
    """(count-from month, enrolment month if it is the start) or None when the household is not covered:
    脱贫户 from January; a monitoring object from January, or from its enrolment month in the year."""
    january = f"{year}-01"
    if household.poverty_status == FORMER_POOR:
        return january, ""
    if household.monitoring_category and household.identified_on:
        enrolled = household.identified_on.strftime("%Y-%m")
        if enrolled <= january:
            return january, ""
        if enrolled[:4] == str(year):
            return enrolled, enrolled
    return None


def _up_to(year: int, today: dt.date) -> str:
    current = today.strftime("%Y-%m")
    return f"{year}-12" if current > f"{year}-12" else current


def transport_candidates(
    *, county: str, year: int, today: dt.date | None = None, region: str = ""
) -> list[Candidate]:
    """Everyone of ``county`` (or of ``region`` inside it) with an episode in the year's place types,
    with the verdict: the console's list and the compute's input. Reads only; callers check access."""
    today = today or dt.date.today()
    params = transport_params_get(region_code=county, year=year)
    up_to = _up_to(year, today)
    eps = (
        WorkEpisode.objects.filter(county_code=county, place_type__in=params.place_types, worked=True)
        .filter(start_month__lte=f"{year}-12")
        .filter(Q(end_month="") | Q(end_month__gte=f"{year}-01"))
        .select_related("household", "person")
        .order_by("person_id", "start_month")
    )
    if region:
        eps = eps.filter(household__village__code__startswith=region)
    by_person: dict[int, list[WorkEpisode]] = {}
    for e in eps:
        by_person.setdefault(e.person_id, []).append(e)
    stored = {
        s.person_id: s for s in TransportSubsidy.objects.filter(year=year, person_id__in=list(by_person))
    }
    out: list[Candidate] = []
    for pid, rows in by_person.items():
        hh, person = rows[0].household, rows[0].person
        start = _count_from(hh, year)
        if start is None:
            continue
        facts = [
            EpisodeFact(e.start_month, e.end_month, e.place_type, e.channel, e.worked, e.work_county)
            for e in rows
        ]
        verdict = transport_verdict(
            facts, year=year, count_from=start[0], up_to=up_to, params=params, enrolled=start[1]
        )
        out.append(
            Candidate(
                person_id=pid,
                household_id=hh.pk,
                household_no=hh.household_no,
                township_code=hh.township_code,
                village_code=hh.village_id,
                name=person.name,
                id_masked=person.id_masked,
                count_from=start[0],
                verdict=verdict,
                stored=stored.get(pid),
            )
        )
    out.sort(key=lambda c: (not c.verdict.eligible, c.village_code, c.household_no, c.person_id))
    return out


@dataclass
class TransportComputeResult:
    county: str
    year: int
    eligible: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_paid: int = 0
    candidates: list[Candidate] = field(default_factory=list)


def transport_subsidy_compute(
    *, county: str, year: int, actor: Actor, today: dt.date | None = None
) -> TransportComputeResult:
    """Store the county's eligible list for ``year`` (module doc). Rows already paid or failed are kept
    as they are (once a year); eligible rows no longer eligible (a corrected episode) are removed. One
    audit row with the counts."""
    today = today or dt.date.today()
    errors: list[RowError] = []
    if not Region.objects.filter(code=county, level="county").exists():
        errors.append(RowError(None, "--county", county, "县级区划代码不存在"))
    if not 2000 <= year <= today.year:
        errors.append(RowError(None, "--year", str(year), "年度应在2000年至今年之间"))
    if errors:
        raise InputRefused("交通补助测算被拒绝，未作任何修改", errors)
    params = transport_params_get(region_code=county, year=year)
    result = TransportComputeResult(county=county, year=year)
    with transaction.atomic():
        candidates = transport_candidates(county=county, year=year, today=today)
        result.candidates = candidates
        existing = {s.person_id: s for s in TransportSubsidy.objects.filter(county_code=county, year=year)}
        eligible_ids: set[int] = set()
        for c in candidates:
            if not c.verdict.eligible:
                continue
            eligible_ids.add(c.person_id)
            row = (
                existing.get(c.person_id)
                or TransportSubsidy.objects.filter(person_id=c.person_id, year=year).first()
            )
            if row is not None and row.status != TransportSubsidyStatusChoices.ELIGIBLE:
                result.kept_paid += 1
                continue
            values = {
                "household_id": c.household_id,
                "county_code": county,
                "township_code": c.township_code,
                "count_from": c.count_from,
                "first_month": c.verdict.first_month,
                "last_month": c.verdict.last_month,
                "months": c.verdict.months,
                "place_type": c.verdict.place_type,
                "work_county": c.verdict.work_county,
                "amount": params.amount,
                "reason": c.verdict.reason[:255],
            }
            if row is None:
                TransportSubsidy.objects.create(person_id=c.person_id, year=year, **values)
                result.created += 1
            else:
                for k, v in values.items():
                    setattr(row, k, v)
                row.save()
                result.updated += 1
        stale = [
            s.pk
            for pid, s in existing.items()
            if pid not in eligible_ids and s.status == TransportSubsidyStatusChoices.ELIGIBLE
        ]
        result.removed = len(stale)
        TransportSubsidy.objects.filter(pk__in=stale).delete()
        result.eligible = len(eligible_ids)
        audit_record(
            actor=actor,
            action=AuditActionChoices.UPDATE,
            object_type="transport_subsidy",
            object_id=f"{county}/{year}",
            region_code=county,
            changes={
                "year": year,
                "eligible": result.eligible,
                "created": result.created,
                "updated": result.updated,
                "removed": result.removed,
                "kept_paid": result.kept_paid,
                "parameters": params.source,
            },
            reason="测算交通补助应补名单（按务工月监测数据）",
        )
    return result


# ---------------------------------------------------------------------------------------------------------
# The notice list and the payment file

NOTICE_HEADER = [
    "序号",
    "乡镇",
    "行政村",
    "户编号",
    "姓名",
    "证件号码",
    "务工所在县",
    "连续务工时间",
    "月数",
    "补助金额（元）",
]
PAYMENT_HEADER = [
    "序号", "乡镇", "行政村", "户编号", "姓名", "证件号码",
    "补助金额（元）", "发放渠道", "发放结果", "发放日期", "备注",
]  # fmt: skip


def transport_subsidy_rows(*, county: str, year: int, region: str = "") -> list[TransportSubsidy]:
    qs = TransportSubsidy.objects.filter(county_code=county, year=year).select_related("household", "person")
    if region:
        qs = qs.filter(household__village__code__startswith=region)
    return list(qs.order_by("township_code", "household__village_id", "household__household_no", "person_id"))


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def transport_workbook(*, rows: list[TransportSubsidy], kind: str, county: str, year: int) -> bytes:
    """``notice`` (公示名单: masked IDs, for the village notice board) or ``payment`` (发放清单: clear IDs,
    the columns a 社保卡 payment needs, with 发放结果 / 发放日期 left for the bank's answer)."""
    names = _names({r.township_code for r in rows} | {r.household.village_id for r in rows} | {county})
    wb = Workbook(write_only=True)
    title = "交通补助公示名单" if kind == "notice" else "交通补助发放清单"
    ws = wb.create_sheet(title)
    header = NOTICE_HEADER if kind == "notice" else PAYMENT_HEADER

    def text(values: list[str]) -> list[Any]:
        cells = []
        for v in values:
            c = WriteOnlyCell(ws, value=v)
            c.data_type = "s"  # never a formula
            cells.append(c)
        return cells

    ws.append(text([f"{names.get(county, county)}{year}年度脱贫劳动力外出务工{title}"]))
    ws.append(
        text([f"年度：{year}年", f"人数：{len(rows)}", f"金额合计：{sum(r.amount for r in rows):.2f}元"])
    )
    ws.append(text(header))
    for i, r in enumerate(rows, start=1):
        common = [
            str(i),
            names.get(r.township_code, ""),
            names.get(r.household.village_id, ""),
            r.household.household_no,
        ]
        if kind == "notice":
            span = f"{month_text(r.first_month)}至{month_text(r.last_month)}"
            ws.append(
                text(
                    [
                        *common,
                        r.person.name,
                        r.person.id_masked,
                        r.work_county,
                        span,
                        str(r.months),
                        f"{r.amount:.2f}",
                    ]
                )
            )
        else:
            clear = crypto.unseal(r.person.id_sealed)
            ws.append(
                text(
                    [
                        *common,
                        r.person.name,
                        clear,
                        f"{r.amount:.2f}",
                        "社会保障卡",
                        r.get_status_display() if r.status != TransportSubsidyStatusChoices.ELIGIBLE else "",
                        r.paid_on.isoformat() if r.paid_on else "",
                        r.reason,
                    ]
                )
            )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def transport_files_write(*, county: str, year: int, out: Path, actor: Actor, region: str = "") -> list[Path]:
    """Both files of the stored list into ``out``; the payment file holds clear IDs, so this is audited."""
    rows = transport_subsidy_rows(county=county, year=year, region=region)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, stem in (("notice", "交通补助公示名单"), ("payment", "交通补助发放清单")):
        path = out / f"{stem}_{county}_{year}.xlsx"
        path.write_bytes(transport_workbook(rows=rows, kind=kind, county=county, year=year))
        paths.append(path)
    transport_export_audit(actor=actor, county=county, year=year, kind="files", rows=len(rows), region=region)
    return paths


def transport_export_audit(
    *, actor: Actor, county: str, year: int, kind: str, rows: int, region: str = ""
) -> None:
    audit_record(
        actor=actor,
        action=AuditActionChoices.EXPORT,
        object_type="transport_subsidy",
        object_id=f"{county}/{year}",
        region_code=region or county,
        changes={"year": year, "kind": kind, "rows": rows},
        reason="导出交通补助名单" + ("（发放清单含明文证件号码）" if kind != "notice" else ""),
    )


# ---------------------------------------------------------------------------------------------------------
# The payment result

PAYMENT_COLUMNS = (
    ColumnSpec("household_no", "户编号"),
    ColumnSpec("name", "姓名"),
    ColumnSpec("id_number", "证件号码", required=True, type=ID, aliases=("身份证号", "身份证号码")),
    ColumnSpec("amount", "补助金额（元）", aliases=("补助金额",)),
    ColumnSpec("result", "发放结果", required=True),
    ColumnSpec("paid_on", "发放日期"),
    ColumnSpec("note", "备注"),
)
RESULT_WORDS: dict[str, str] = {
    "成功": TransportSubsidyStatusChoices.PAID.value,
    "已发放": TransportSubsidyStatusChoices.PAID.value,
    "失败": TransportSubsidyStatusChoices.FAILED.value,
    "发放失败": TransportSubsidyStatusChoices.FAILED.value,
}


@dataclass
class PaymentImportResult:
    rows: int = 0
    paid: int = 0
    failed: int = 0
    unchanged: int = 0


def transport_payment_import(
    *, path: Path, county: str, year: int, actor: Actor, today: dt.date | None = None
) -> PaymentImportResult:
    """The bank's answer to the payment file (the same file with 发放结果 and 发放日期 filled in): each
    row's 应补 subsidy becomes 已发放 (成功 / 已发放, with a date) or 发放失败 (失败 / 发放失败). All or
    nothing: a row with an ID not on the county's list for the year, an unknown result, a success without a
    date or with a future one, or an amount differing from the list refuses the file with every reason
    (row, column, value) and changes nothing. Rows with an empty result are left as they are."""
    today = today or dt.date.today()
    table = read_table(path, columns=PAYMENT_COLUMNS, kind_label="交通补助发放结果", header_search=5)
    frame = table.frame
    ids = [str(v).upper() for v in frame.get_column("id_number").to_list()]
    index = dict(zip(crypto.blind_index_many(ids), ids, strict=True))
    listed = {
        r.person.id_index: r
        for r in TransportSubsidy.objects.filter(
            county_code=county, year=year, person__id_index__in=list(index)
        ).select_related("person")
    }
    by_id = {index[k]: v for k, v in listed.items()}
    errors: list[RowError] = []
    changes: list[tuple[TransportSubsidy, str, dt.date | None, str]] = []
    seen: set[str] = set()
    for i, row in enumerate(frame.iter_rows(named=True)):
        n = table.row_number(i)
        id_number = str(row["id_number"] or "").upper()
        sub = by_id.get(id_number)
        result = (row["result"] or "").strip()
        if sub is None:
            errors.append(
                RowError(
                    n,
                    table.header("id_number"),
                    idnumber.mask(id_number) if len(id_number) == 18 else id_number[:4] + "…",
                    f"不在{year}年度本县交通补助名单中",
                )
            )
            continue
        if id_number in seen:
            errors.append(
                RowError(n, table.header("id_number"), sub.person.id_masked, "同一人在文件中出现多次")
            )
            continue
        seen.add(id_number)
        if not result:
            continue
        status = RESULT_WORDS.get(result)
        if status is None:
            errors.append(RowError(n, table.header("result"), result, "发放结果应为“成功”或“失败”"))
            continue
        paid_on = None
        raw_date = (row["paid_on"] or "").strip()
        if raw_date:
            try:
                paid_on = dt.date.fromisoformat(raw_date[:10])
            except ValueError:
                errors.append(RowError(n, table.header("paid_on"), raw_date, "发放日期格式应为YYYY-MM-DD"))
                continue
        if status == TransportSubsidyStatusChoices.PAID and paid_on is None:
            errors.append(RowError(n, table.header("paid_on"), "", "发放成功须填写发放日期"))
        elif paid_on is not None and paid_on > today:
            errors.append(RowError(n, table.header("paid_on"), raw_date, "发放日期不能晚于今天"))
        amount = (row["amount"] or "").strip()
        if amount and _decimal(amount) != sub.amount:
            errors.append(
                RowError(n, table.header("amount"), amount, f"与名单中的补助金额{sub.amount:.2f}元不一致")
            )
        changes.append((sub, status, paid_on, (row["note"] or "")[:255]))
    if errors:
        raise InputRefused(f"交通补助发放结果导入被拒绝：共{len(errors)}处错误，未写入任何数据", errors)
    result_counts = PaymentImportResult(rows=frame.height)
    with transaction.atomic():
        entries = []
        for sub, status, paid_on, note in changes:
            if (sub.status, sub.paid_on) == (status, paid_on):
                result_counts.unchanged += 1
                continue
            old = sub.status
            sub.status, sub.paid_on, sub.payment_note = status, paid_on, note
            sub.save(update_fields=["status", "paid_on", "payment_note", "updated_at"])
            if status == TransportSubsidyStatusChoices.PAID:
                result_counts.paid += 1
            else:
                result_counts.failed += 1
            entries.append(
                {
                    "action": AuditActionChoices.UPDATE,
                    "object_type": "transport_subsidy",
                    "object_id": str(sub.pk),
                    "region_code": sub.township_code,
                    "changes": {"status": [old, status], "paid_on": str(paid_on) if paid_on else None},
                    "reason": f"导入交通补助发放结果（{path.name}）",
                }
            )
        audit_record_many(actor=actor, entries=entries)
    return result_counts


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except ArithmeticError:
        return None
