"""``shouwang import loans FILE --period YYYY-MM``: the bank's monthly 小额信贷 file (POLICY R-AID-06,
R-IND-05; docs/industry.md "Microcredit").

One file is one batch, all-or-nothing (CONTRACT §2), like the other industry files: any error refuses the
whole file with every reason (row, column, value, reason with its rule) and writes nothing. Checks:

* the household exists and the borrower (by ID number) is one of its members (户借户用户还);
* the borrower is 18–65 years old on the loan date;
* the amount is at most ``LOAN_TOP_UP_CAP`` (100,000 元); above ``LOAN_SUBSIDY_CAP`` (50,000 元) the loan is
  accepted with a notice: the part above gets no subsidy (decision 0820);
* the term is at most 3 years; a 展期 loan may run one year more (decision 0821);
* one household, one loan: at most one loan not 结清 per household, in the file and in what is stored
  (a 续贷 is a new contract after the old one is 结清, decision 0822);
* balances are consistent (overdue ≤ balance ≤ amount; 结清 means no balance; 逾期 means an overdue amount).

户贷企用 (a household loan used by an enterprise) is forbidden, but a bank that reports it reports a fact:
the row is kept and flagged, and the bulletin counts it (decision 0824).

Accepted files upsert ``Loan`` by contract number and write one ``LoanMonth`` per loan for the period.
The same file again changes nothing; another file for the same month supersedes the earlier batch.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from shouwang.accounts.actors import Actor
from shouwang.audit.services import audit_record_many
from shouwang.common import crypto
from shouwang.common.dblock import write_transaction
from shouwang.common.errors import InputRefused, RowError
from shouwang.exchange.batches import (
    batch_audit_entry,
    batch_region,
    batch_same_file,
    batch_start,
    batch_succeed,
)
from shouwang.exchange.choices import BatchKindChoices
from shouwang.exchange.files import TableValidator, archive_file, read_table, sha256_file
from shouwang.industry import creditcode
from shouwang.industry.choices import LoanStatusChoices, LoanSubsidyChoices
from shouwang.industry.layout import LOAN_COLUMNS
from shouwang.industry.models import BusinessEntity, Loan, LoanMonth
from shouwang.registry.models import Household, Person

LOANS = BatchKindChoices.LOANS.value
LOAN_LABEL = "小额信贷"
# R-AID-06 figures (parameters: a province may set its own; decisions 0820, 0821).
LOAN_SUBSIDY_CAP = Decimal(50000)
LOAN_TOP_UP_CAP = Decimal(100000)
LOAN_TERM_YEARS = 3
LOAN_EXTENSION_YEARS = 1
BORROWER_AGE = (18, 65)
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_RULE = "R-AID-06"


@dataclass
class LoanImportResult:
    path: str
    period: str
    rows: int = 0
    batch_id: int | None = None
    supersedes_id: int | None = None
    duplicate: bool = False
    created: int = 0
    updated: int = 0
    enterprise_use: int = 0
    warnings: list[str] = field(default_factory=list)


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _cents(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v) / 100


def _yuan(d: Decimal) -> str:
    return f"{d:,.2f}元"


def _choice(choices: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, label in choices.choices:
        out[str(value)] = out[str(label)] = str(value)
    return out


def _check(table: Any, period: str) -> tuple[list[dict[str, Any]], list[RowError], list[str], list[str]]:
    v = TableValidator(table)
    n = table.frame.height
    text = {c.name: v.col(c.name).to_list() for c in LOAN_COLUMNS}
    ids = v.id_number("id_number").get_column("id_number").to_list()
    start = v.date("start_on", required=True, not_future=False).to_list()
    end = v.date("end_on", required=True, not_future=False).to_list()
    amount = v.money("amount", required=True).to_list()
    balance = v.money("balance", required=True).to_list()
    overdue = v.money("overdue_amount").to_list()
    days = v.integer("overdue_days", low=0, high=100000).to_list()
    ent_use = v.flag("enterprise_use").to_list()
    statuses, subsidies = _choice(LoanStatusChoices), _choice(LoanSubsidyChoices)
    households = {
        h.household_no: h
        for h in Household.objects.filter(household_no__in={x for x in text["household_no"] if x})
    }
    index = {crypto.blind_index(x): x for x in ids if x}
    people = {p.id_index: p for p in Person.objects.filter(id_index__in=list(index))}
    codes: list[str | None] = []
    for i, c in enumerate(text["credit_code"]):
        try:
            codes.append(creditcode.normalise(c) if c else None)
        except creditcode.CreditCodeError as exc:
            v.add(i, "credit_code", c, f"{exc}（R-IND-02）")
            codes.append(None)
    entities = {
        e.credit_code: e for e in BusinessEntity.objects.filter(credit_code__in=[c for c in codes if c])
    }
    stored = {
        x.contract_no: x for x in Loan.objects.filter(contract_no__in={c for c in text["contract_no"] if c})
    }
    counts = Counter(c for c in text["contract_no"] if c)
    rows: list[dict[str, Any]] = []
    villages: list[str] = []
    notices: list[str] = []
    active_in_file: dict[int, list[int]] = {}
    for i in range(n):
        no = text["contract_no"][i]
        if no and counts[no] > 1:
            v.add(i, "contract_no", no, "同一文件中合同编号重复出现")
        hh = households.get(text["household_no"][i] or "")
        if text["household_no"][i] and hh is None:
            v.add(i, "household_no", text["household_no"][i], f"户编号不存在（{_RULE}）")
        person = people.get(crypto.blind_index(ids[i])) if ids[i] else None
        if ids[i] and hh is not None and (person is None or person.household_id != hh.pk):
            v.add(
                i,
                "id_number",
                table.frame["id_number"][i],
                f"借款人不是该户成员：小额信贷须户借户用户还（{_RULE}）",
            )
            person = None
        if person is not None and start[i] is not None:
            age = _age(person.birth_date, start[i])
            lo, hi = BORROWER_AGE
            if not lo <= age <= hi:
                v.add(
                    i,
                    "id_number",
                    person.id_masked,
                    f"借款人放款时{age}岁，不在{lo}至{hi}周岁之间（{_RULE}）",
                )
        status = statuses.get(text["status"][i] or "")
        if text["status"][i] and status is None:
            shown = "、".join(str(lbl) for _, lbl in LoanStatusChoices.choices)
            v.add(i, "status", text["status"][i], f"不是有效的贷款状态（可选：{shown}）")
        subsidy = subsidies.get(text["subsidy"][i] or "", "")
        if text["subsidy"][i] and not subsidy:
            shown = "、".join(str(lbl) for _, lbl in LoanSubsidyChoices.choices)
            v.add(i, "subsidy", text["subsidy"][i], f"不是有效的贴息状态（可选：{shown}）")
        amt, bal, ovd = _cents(amount[i]), _cents(balance[i]), _cents(overdue[i]) or Decimal(0)
        if amt is not None:
            if amt > LOAN_TOP_UP_CAP:
                v.add(
                    i,
                    "amount",
                    text["amount"][i],
                    f"贷款金额超过每户{_yuan(LOAN_TOP_UP_CAP)}上限（{_RULE}）",
                )
            elif amt > LOAN_SUBSIDY_CAP:
                notices.append(
                    f"第{table.row_number(i)}行 合同{no}：贷款金额超过{_yuan(LOAN_SUBSIDY_CAP)}，"
                    f"超出部分不贴息、不纳入风险补偿（{_RULE}）"
                )
        if start[i] is not None and end[i] is not None:
            years = LOAN_TERM_YEARS + (LOAN_EXTENSION_YEARS if status == LoanStatusChoices.EXTENDED else 0)
            if end[i] <= start[i]:
                v.add(i, "end_on", text["end_on"][i], "到期日期应晚于放款日期")
            elif end[i] > _add_years(start[i], years):
                v.add(
                    i,
                    "end_on",
                    text["end_on"][i],
                    f"贷款期限超过{years}年（小额信贷期限不超过{LOAN_TERM_YEARS}年，"
                    f"展期可再延长{LOAN_EXTENSION_YEARS}年）（{_RULE}）",
                )
            if start[i].strftime("%Y-%m") > period:
                v.add(i, "start_on", text["start_on"][i], f"放款日期晚于报送月份{period}")
        if bal is not None and amt is not None and bal > amt:
            v.add(i, "balance", text["balance"][i], f"贷款余额大于贷款金额（{_RULE}）")
        if bal is not None and ovd > bal:
            v.add(i, "overdue_amount", text["overdue_amount"][i], f"逾期金额大于贷款余额（{_RULE}）")
        if status == LoanStatusChoices.SETTLED and bal:
            v.add(i, "balance", text["balance"][i], "贷款状态为结清，余额应为0")
        if status == LoanStatusChoices.OVERDUE and not ovd:
            v.add(i, "overdue_amount", text["overdue_amount"][i] or "", "贷款状态为逾期，须填写逾期金额")
        if ovd and status not in (LoanStatusChoices.OVERDUE, None):
            v.add(i, "status", text["status"][i], "有逾期金额的贷款，状态应为逾期")
        old = stored.get(no or "")
        if old is not None and hh is not None and old.household_id != hh.pk:
            v.add(i, "contract_no", no, "合同编号已用于另一户的贷款，请核对")
        if codes[i] and codes[i] not in entities:
            v.add(i, "credit_code", text["credit_code"][i], "带动主体未登记：请先导入经营主体（R-IND-02）")
        if hh is not None and status is not None and status != LoanStatusChoices.SETTLED:
            active_in_file.setdefault(hh.pk, []).append(i)
        if hh is not None:
            villages.append(hh.village_id)
        rows.append(
            {
                "contract_no": no,
                "bank": text["bank"][i] or "",
                "household": hh,
                "borrower": person,
                "amount": amt,
                "start_on": start[i],
                "end_on": end[i],
                "rate": _rate(v, i, text["rate"][i]),
                "subsidy": subsidy,
                "purpose": text["purpose"][i] or "",
                "entity": entities.get(codes[i] or ""),
                "enterprise_use": bool(ent_use[i]),
                "balance": bal,
                "overdue_days": days[i] or 0,
                "overdue_amount": ovd,
                "status": status,
            }
        )
    _one_household_one_loan(v, text, active_in_file)
    return rows, v.errors, villages, notices


def _rate(v: TableValidator, i: int, raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        rate = Decimal(raw.rstrip("%％"))
    except InvalidOperation:
        v.add(i, "rate", raw, "年利率应为百分数（如3.45）")
        return None
    if not Decimal(0) <= rate < Decimal(100):
        v.add(i, "rate", raw, "年利率应在0到100之间（百分数）")
        return None
    return rate


def _one_household_one_loan(
    v: TableValidator, text: dict[str, list[Any]], active: dict[int, list[int]]
) -> None:
    """At most one loan not 结清 per household (decision 0822): two in the file, or one in the file and a
    stored one the file does not settle (a stored loan is the file's business when the file names it)."""
    in_file = {c for c in text["contract_no"] if c}
    others = (
        Loan.objects.filter(household_id__in=list(active))
        .exclude(status=LoanStatusChoices.SETTLED)
        .exclude(contract_no__in=in_file)
        .values_list("household_id", "contract_no")
    )
    stored: dict[int, str] = dict(others)
    for hh, idx in active.items():
        for i in idx[1:] if len(idx) > 1 else []:
            v.add(
                i,
                "contract_no",
                text["contract_no"][i],
                f"同一户已有未结清的贷款（合同{text['contract_no'][idx[0]]}）：一户只能有一笔在贷（{_RULE}）",
            )
        if hh in stored:
            i = idx[0]
            v.add(
                i,
                "contract_no",
                text["contract_no"][i],
                f"同一户已有未结清的贷款（合同{stored[hh]}）：一户只能有一笔在贷，续贷须先结清（{_RULE}）",
            )


def loan_import(
    *,
    path: str | Path,
    period: str,
    source: str = "bank",
    actor: Actor | None = None,
    lock_wait: float | None = None,
) -> LoanImportResult:
    """Import one month's bank file (module doc). Raises ``InputRefused`` with every reason; nothing is
    written then."""
    if not _PERIOD.match(period or ""):
        raise InputRefused("报送月份有误", [RowError(None, "PERIOD", period, "应为YYYY-MM（如2025-03）")])
    if actor is None:
        try:
            actor = f"cli:{getpass.getuser()}"
        except (KeyError, OSError):
            actor = "cli:unknown"
    p = Path(path)
    checksum = sha256_file(p) if p.is_file() else ""
    table = read_table(p, columns=LOAN_COLUMNS, kind_label=LOAN_LABEL, checksum=checksum or None)
    with write_transaction(wait=lock_wait):
        rows, errors, villages, notices = _check(table, period)
        if errors:
            errors = sorted(errors, key=lambda e: (e.row or 0, e.column))
            raise InputRefused(f"{LOAN_LABEL}文件被拒绝：共{len(errors)}处错误，未写入任何数据", errors)
        result = LoanImportResult(
            path=str(p), period=period, rows=table.frame.height, warnings=[*table.warnings, *notices]
        )
        region = batch_region(villages)
        same = batch_same_file(
            kind=LOANS, source=source, period=period, checksum=table.checksum, region=region
        )
        if same is not None:
            result.duplicate, result.batch_id = True, same.pk
            return result
        batch, replaces = batch_start(
            kind=LOANS,
            source=source,
            period=period,
            region=region,
            checksum=table.checksum,
            filename=p.name,
            encoding=table.encoding,
            actor=actor,
            stored_path=archive_file(p, table.checksum),
            rows_total=table.frame.height,
            warnings=result.warnings,
            periods=[period],
            progress=60,
        )
        result.batch_id, result.supersedes_id = batch.pk, batch.supersedes_id
        _write(rows, period, batch, result)
        # A corrected file for the month replaces the earlier one: its month rows of loans this file no
        # longer lists go (the loans themselves stay, as the bank last reported them).
        LoanMonth.objects.filter(period=period, source_batch__in=[b.pk for b in replaces]).exclude(
            source_batch=batch
        ).delete()
        batch_succeed(
            batch,
            replaces=replaces,
            rows_created=result.created,
            rows_updated=result.updated,
            rows_unchanged=result.rows - result.created - result.updated,
            matched=result.rows,
            report={"unknown_columns": list(table.extra_columns), "encoding": table.encoding},
        )
        entry = batch_audit_entry(
            batch,
            changes={
                "kind": LOANS,
                "source": source,
                "period": period,
                "file": p.name,
                "checksum": table.checksum,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "enterprise_use": result.enterprise_use,
                "supersedes": result.supersedes_id,
            },
            reason=f"导入{LOAN_LABEL}（{period}）",
            region_code=region,
        )
        audit_record_many(actor=actor, entries=[entry])
    return result


_MONTH_FIELDS = ("balance", "overdue_days", "overdue_amount", "status", "enterprise_use")


def _write(rows: list[dict[str, Any]], period: str, batch: Any, result: LoanImportResult) -> None:
    stored = {x.contract_no: x for x in Loan.objects.filter(contract_no__in=[r["contract_no"] for r in rows])}
    for row in rows:
        hh = row["household"]
        values = {k: v for k, v in row.items() if k != "contract_no"}
        values.update(county_code=hh.county_code, township_code=hh.township_code, period=period)
        loan = stored.get(row["contract_no"])
        if loan is None:
            loan = Loan.objects.create(contract_no=row["contract_no"], source_batch=batch, **values)
            result.created += 1
        else:
            if loan.period > period:  # an older month's file does not roll the loan back
                values = {k: getattr(loan, k) for k in values}
            diff = [k for k, v in values.items() if getattr(loan, k) != v]
            if diff:
                for k in diff:
                    setattr(loan, k, values[k])
                loan.source_batch = batch
                loan.save(update_fields=[*diff, "source_batch", "updated_at"])
                result.updated += int(diff != ["period"])  # a new month alone is no change of the loan
        result.enterprise_use += int(row["enterprise_use"])
        LoanMonth.objects.update_or_create(
            loan=loan,
            period=period,
            defaults={
                **{k: row[k] for k in _MONTH_FIELDS},
                "county_code": hh.county_code,
                "township_code": hh.township_code,
                "source_batch": batch,
            },
        )
