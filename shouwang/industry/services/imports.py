"""``shouwang import entities|bindings|payouts FILE`` (CONTRACT §4, POLICY R-IND-02/03; docs/industry.md).

One file is one batch, all-or-nothing (CONTRACT §2): the file is read (CSV in UTF-8 or GB18030, or XLSX,
``exchange.files``), every row is checked against the rules and against what Shouwang holds, and any error
refuses the whole file with every reason (row, column, value, reason with its rule) and writes nothing: no
batch, no row, no audit entry. Otherwise, in one transaction, the file becomes an ``ImportBatch``
(``exchange.batches``: the same file again is a no-op; another file of the same kind, source and month
supersedes the earlier batch, which stays on record), its rows are upserted by their keys (credit code,
agreement number, (agreement, household, type, due date)) and one ``import`` audit row is written. A payout
file also brings the paid amounts into the households' income records in the same transaction
(``payout_income_apply``, R-IND-03).

The entity file doubles as the 市场监管 feed (``--source market``): a row for a registered entity may carry
only its credit code, 经营状态 and 状态日期; every status change is kept with its date and source.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from shouwang.accounts.actors import Actor
from shouwang.audit.services import audit_record_many
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
from shouwang.exchange.files import Table, TableValidator, archive_file, read_table, sha256_file
from shouwang.exchange.models import ImportBatch
from shouwang.industry import creditcode
from shouwang.industry.choices import (
    LINK_MODE_ALIASES,
    BindingLevelChoices,
    EntityLevelChoices,
    EntityStatusChoices,
    EntityTypeChoices,
    FourClassChoices,
    LinkModeChoices,
    PayMethodChoices,
    PayoutTypeChoices,
    StatusSourceChoices,
)
from shouwang.industry.layout import BINDING_COLUMNS, ENTITY_COLUMNS, PAYOUT_COLUMNS
from shouwang.industry.models import Binding, BusinessEntity, EntityStatusChange, Payout
from shouwang.industry.services.income import payout_income_apply
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.models import Household

ENTITIES, BINDINGS, PAYOUTS = (
    BatchKindChoices.ENTITIES.value,
    BatchKindChoices.BINDINGS.value,
    BatchKindChoices.PAYOUTS.value,
)
KINDS = (ENTITIES, BINDINGS, PAYOUTS)
KIND_LABELS = {ENTITIES: "经营主体", BINDINGS: "双绑协议", PAYOUTS: "联农带农兑现"}
DEFAULT_SOURCE = {ENTITIES: "register", BINDINGS: "county", PAYOUTS: "county"}
MARKET_SOURCE = "market"
_SPECS = {ENTITIES: ENTITY_COLUMNS, BINDINGS: BINDING_COLUMNS, PAYOUTS: PAYOUT_COLUMNS}
_MODE_SPLIT = re.compile(r"[+＋、,，/;；\s]+")


@dataclass
class IndustryImportResult:
    path: str
    kind: str
    rows: int = 0
    batch_id: int | None = None
    supersedes_id: int | None = None
    duplicate: bool = False
    created: int = 0
    updated: int = 0
    status_changes: int = 0
    incomes_updated: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    rows: list[dict[str, Any]]
    errors: list[RowError]
    villages: list[str]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _choice(lookup_choices: Any, aliases: dict[str, Any] | None = None) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, label in lookup_choices.choices:
        out[str(value)] = str(value)
        out[str(label)] = str(value)
    for k, v in (aliases or {}).items():
        out[k] = str(v)
    return out


def _shown(choices: Any) -> str:
    return "、".join(str(label) for _, label in choices.choices)


def _cents(v: int | None) -> Decimal | None:
    return None if v is None else Decimal(v) / 100


class _Rows:
    """The typed columns of a table, row by row, with the errors of the table's validator."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.v = TableValidator(table)
        self.n = table.frame.height

    def text(self, name: str) -> list[Any]:
        """The column's stripped texts (None for an empty cell)."""
        return self.v.col(name).to_list()

    def add(self, i: int, column: str, value: Any, reason: str) -> None:
        self.v.add(i, column, value, reason)


def _credit(rows: _Rows, i: int, column: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return creditcode.normalise(value)
    except creditcode.CreditCodeError as exc:
        rows.add(i, column, value, f"{exc}（R-IND-02）")
        return None


def _duplicates(rows: _Rows, column: str, keys: list[Any], what: str) -> None:
    counts = Counter(k for k in keys if k is not None)
    for i, k in enumerate(keys):
        if k is not None and counts[k] > 1:
            rows.add(i, column, rows.text(column)[i], f"同一文件中{what}重复出现")


# --- entities ------------------------------------------------------------------------------------------


def _check_entities(table: Table, *, source: str, today: dt.date) -> _Checked:
    r = _Rows(table)
    status_on = r.v.date("status_on").to_list()
    codes = [_credit(r, i, "credit_code", c) for i, c in enumerate(r.text("credit_code"))]
    _duplicates(r, "credit_code", codes, "统一社会信用代码")
    known = {e.credit_code: e for e in BusinessEntity.objects.filter(credit_code__in=[c for c in codes if c])}
    types, levels = _choice(EntityTypeChoices), _choice(EntityLevelChoices)
    statuses, classes = _choice(EntityStatusChoices), _choice(FourClassChoices)
    county_codes = {c for c in r.text("county_code") if c}
    village_codes = {c for c in r.text("village_code") if c}
    regions = dict(Region.objects.filter(code__in=county_codes | village_codes).values_list("code", "level"))
    names, type_text, level_text = r.text("name"), r.text("entity_type"), r.text("level")
    county_text, village_text = r.text("county_code"), r.text("village_code")
    status_text, class_text, product = r.text("status"), r.text("four_class"), r.text("main_product")
    out: list[dict[str, Any]] = []
    villages: list[str] = []
    for i in range(r.n):
        code = codes[i]
        entity = known.get(code) if code else None
        row: dict[str, Any] = {"credit_code": code, "_row": i}
        if entity is None and code is not None:
            missing = [
                lbl
                for col, lbl in (("name", "主体名称"), ("entity_type", "主体类型"), ("county_code", "县代码"))
                if not r.text(col)[i]
            ]
            if missing:
                r.add(
                    i,
                    "credit_code",
                    code,
                    f"未登记的统一社会信用代码：新主体须填写{'、'.join(missing)}（R-IND-02）",
                )
        if names[i]:
            row["name"] = names[i]
        if type_text[i]:
            if type_text[i] not in types:
                r.add(
                    i, "entity_type", type_text[i], f"不是有效的主体类型（可选：{_shown(EntityTypeChoices)}）"
                )
            else:
                row["entity_type"] = types[type_text[i]]
        kind = row.get("entity_type") or (entity.entity_type if entity else None)
        if level_text[i]:
            if level_text[i] not in levels:
                r.add(i, "level", level_text[i], f"不是有效的级别（可选：{_shown(EntityLevelChoices)}）")
            elif kind != EntityTypeChoices.ENTERPRISE:
                r.add(i, "level", level_text[i], "只有龙头企业有级别（R-IND-02）")
            else:
                row["level"] = levels[level_text[i]]
        if product[i]:
            row["main_product"] = product[i]
        county = county_text[i]
        if county:
            if regions.get(county) != RegionLevelChoices.COUNTY:
                r.add(i, "county_code", county, "不是已登记的县级区划代码")
            else:
                row["county_code"] = county
        village = village_text[i]
        if village:
            home = row.get("county_code") or (entity.county_code if entity else "")
            if regions.get(village) != RegionLevelChoices.VILLAGE:
                r.add(i, "village_code", village, "不是已登记的行政村代码")
            elif home and not village.startswith(home):
                r.add(i, "village_code", village, "行政村不在所填县内")
            else:
                row["village_code"], row["township_code"] = village, village[:9]
                villages.append(village)
        elif row.get("county_code"):
            villages.append(row["county_code"])
        if status_text[i]:
            if status_text[i] not in statuses:
                r.add(
                    i, "status", status_text[i], f"不是有效的经营状态（可选：{_shown(EntityStatusChoices)}）"
                )
            else:
                status = statuses[status_text[i]]
                # A row repeating the status in force changes nothing (not even its source or date).
                if entity is None or entity.status != status:
                    if status_on[i] is None and entity is not None:
                        r.add(i, "status_on", "", "经营状态变更须填写状态日期（R-IND-02）")
                    row["status"], row["status_on"] = status, status_on[i]
                    row["status_source"] = (
                        StatusSourceChoices.MARKET
                        if source == MARKET_SOURCE
                        else StatusSourceChoices.REGISTER
                    )
        if class_text[i]:
            if class_text[i] not in classes:
                r.add(
                    i,
                    "four_class",
                    class_text[i],
                    f"不是有效的四个一批分类（可选：{_shown(FourClassChoices)}）",
                )
            else:
                row["four_class"] = classes[class_text[i]]
        out.append(row)
    return _Checked(out, r.v.errors, villages)


def _write_entities(
    checked: _Checked, batch: ImportBatch, result: IndustryImportResult
) -> list[dict[str, Any]]:
    audits: list[dict[str, Any]] = []
    known = {
        e.credit_code: e
        for e in BusinessEntity.objects.filter(credit_code__in=[r["credit_code"] for r in checked.rows])
    }
    for row in checked.rows:
        fields = {k: v for k, v in row.items() if not k.startswith("_") and k != "credit_code"}
        entity = known.get(row["credit_code"])
        if entity is None:
            entity = BusinessEntity.objects.create(
                credit_code=row["credit_code"], source_batch=batch, **fields
            )
            result.created += 1
            EntityStatusChange.objects.create(
                entity=entity,
                status=entity.status,
                status_on=entity.status_on,
                source=entity.status_source,
                source_batch=batch,
            )
            continue
        old_status = entity.status
        diff = {k: v for k, v in fields.items() if getattr(entity, k) != v}
        if not diff:
            continue
        for k, v in diff.items():
            setattr(entity, k, v)
        entity.source_batch = batch
        entity.save(update_fields=[*diff, "source_batch", "updated_at"])
        result.updated += 1
        if "status" in diff:
            EntityStatusChange.objects.create(
                entity=entity,
                old_status=old_status,
                status=entity.status,
                status_on=entity.status_on,
                source=entity.status_source,
                source_batch=batch,
            )
            result.status_changes += 1
            audits.append(
                {
                    "action": "update",
                    "object_type": "business_entity",
                    "object_id": entity.credit_code,
                    "region_code": entity.village_code or entity.county_code,
                    "changes": {"status": [old_status, entity.status], "status_on": str(entity.status_on)},
                    "reason": f"经营状态变更（{entity.get_status_source_display()}）",
                }
            )
    return audits


# --- bindings ------------------------------------------------------------------------------------------


def _check_bindings(table: Table, *, today: dt.date) -> _Checked:
    r = _Rows(table)
    signed = r.v.date("signed_on").to_list()
    start = r.v.date("start_on", required=True, not_future=False).to_list()
    end = r.v.date("end_on", not_future=False).to_list()
    money = {name: r.v.money(name).to_list() for name in ("floor_price", "rent_per_mu", "guaranteed_income")}
    jobs = r.v.integer("jobs", low=0, high=100000).to_list()
    ratio_text = r.text("dividend_ratio")
    numbers = r.text("binding_no")
    _duplicates(r, "binding_no", numbers, "协议编号")
    codes = [_credit(r, i, "credit_code", c) for i, c in enumerate(r.text("credit_code"))]
    partners = [_credit(r, i, "partner_credit_code", c) for i, c in enumerate(r.text("partner_credit_code"))]
    entities = {
        e.credit_code: e
        for e in BusinessEntity.objects.filter(credit_code__in={c for c in codes + partners if c})
    }
    household_nos = r.text("household_no")
    households = {
        h.household_no: h for h in Household.objects.filter(household_no__in={h for h in household_nos if h})
    }
    stored = {b.binding_no: b for b in Binding.objects.filter(binding_no__in={n for n in numbers if n})}
    modes = _choice(LinkModeChoices, LINK_MODE_ALIASES)
    out: list[dict[str, Any]] = []
    villages: list[str] = []
    for i in range(r.n):
        row: dict[str, Any] = {"binding_no": numbers[i], "_row": i}
        code, partner_code = codes[i], partners[i]
        entity = entities.get(code) if code else None
        if code and entity is None:
            r.add(i, "credit_code", codes[i], "未登记的统一社会信用代码：请先导入经营主体（R-IND-02）")
        partner_text, hh_text = r.text("partner_credit_code")[i], household_nos[i]
        if bool(partner_text) == bool(hh_text):
            r.add(
                i,
                "household_no",
                hh_text or "",
                "合作社信用代码与户编号须且只须填写一项：企业—合作社协议填合作社，经营主体—农户协议填户编号（R-IND-02）",
            )
        household = households.get(hh_text) if hh_text else None
        partner = entities.get(partner_code) if partner_code else None
        if hh_text and household is None:
            r.add(i, "household_no", hh_text, "户编号不存在：不能与不存在的农户绑定（R-IND-02）")
        if partners[i] and partner is None:
            r.add(
                i,
                "partner_credit_code",
                partners[i],
                "未登记的统一社会信用代码：请先导入经营主体（R-IND-02）",
            )
        if partner_text and entity is not None and entity.entity_type != EntityTypeChoices.ENTERPRISE:
            r.add(i, "credit_code", codes[i], "企业—合作社协议的带动主体应为龙头企业（R-IND-01）")
        if partner is not None and partner.entity_type != EntityTypeChoices.COOPERATIVE:
            r.add(
                i,
                "partner_credit_code",
                partners[i],
                "企业—合作社协议的被绑定主体应为农民专业合作社（R-IND-01）",
            )
        if start[i] is not None and end[i] is not None and end[i] < start[i]:
            r.add(i, "end_on", r.text("end_on")[i], "协议结束日期早于开始日期（R-IND-02）")
        if signed[i] is not None and end[i] is not None and end[i] < signed[i]:
            r.add(i, "end_on", r.text("end_on")[i], "协议结束日期早于签订日期（R-IND-02）")
        parsed: list[str] = []
        for part in _MODE_SPLIT.split(r.text("link_modes")[i] or ""):
            if not part:
                continue
            if part not in modes:
                r.add(i, "link_modes", part, f"不是有效的利益联结方式（可选：{_shown(LinkModeChoices)}）")
            elif modes[part] not in parsed:
                parsed.append(modes[part])
        ratio: Decimal | None = None
        if ratio_text[i]:
            text = ratio_text[i].rstrip("%％")
            try:
                ratio = Decimal(text)
            except ArithmeticError:
                ratio = None
            if ratio is None or not ratio.is_finite() or not (0 <= ratio <= 100):
                r.add(i, "dividend_ratio", ratio_text[i], "分红比例应为0到100之间的百分数")
                ratio = None
        level = (
            BindingLevelChoices.ENTITY_HOUSEHOLD if hh_text else BindingLevelChoices.ENTERPRISE_COOPERATIVE
        )
        old = stored.get(numbers[i]) if numbers[i] else None
        if old is not None and (
            old.entity_id != getattr(entity, "pk", old.entity_id)
            or old.household_id != getattr(household, "pk", None)
            or old.partner_id != getattr(partner, "pk", None)
        ):
            r.add(i, "binding_no", numbers[i], "协议编号已用于另一份协议（绑定双方不同），请使用新的协议编号")
        where = (
            household.village_id
            if household
            else (partner.village_code or partner.county_code)
            if partner
            else ""
        )
        if where:
            villages.append(where)
        row.update(
            {
                "level": level,
                "entity": entity,
                "partner": partner,
                "household": household,
                "county_code": where[:6],
                "township_code": where[:9] if len(where) >= 9 else "",
                "link_modes": parsed,
                "signed_on": signed[i],
                "start_on": start[i],
                "end_on": end[i],
                "floor_price": _cents(money["floor_price"][i]),
                "rent_per_mu": _cents(money["rent_per_mu"][i]),
                "guaranteed_income": _cents(money["guaranteed_income"][i]),
                "dividend_ratio": ratio,
                "jobs": jobs[i],
                "scale": r.text("scale")[i] or "",
            }
        )
        out.append(row)
    return _Checked(out, r.v.errors, villages)


def _write_bindings(
    checked: _Checked, batch: ImportBatch, result: IndustryImportResult
) -> list[dict[str, Any]]:
    stored = {
        b.binding_no: b
        for b in Binding.objects.filter(binding_no__in=[r["binding_no"] for r in checked.rows])
    }
    for row in checked.rows:
        fields = {k: v for k, v in row.items() if not k.startswith("_") and k != "binding_no"}
        binding = stored.get(row["binding_no"])
        if binding is None:
            Binding.objects.create(binding_no=row["binding_no"], source_batch=batch, **fields)
            result.created += 1
            continue
        diff = [k for k, v in fields.items() if getattr(binding, k) != v]
        if diff:
            for k in diff:
                setattr(binding, k, fields[k])
            binding.source_batch = batch
            binding.save(update_fields=[*diff, "source_batch", "updated_at"])
            result.updated += 1
    return []


# --- payouts -------------------------------------------------------------------------------------------


def _check_payouts(table: Table, *, today: dt.date) -> _Checked:
    r = _Rows(table)
    due_on = r.v.date("due_on", required=True, not_future=False).to_list()
    paid_on = r.v.date("paid_on").to_list()
    due = r.v.money("due_amount", required=True).to_list()
    paid = r.v.money("paid_amount").to_list()
    numbers, household_nos = r.text("binding_no"), r.text("household_no")
    bindings = {
        b.binding_no: b
        for b in Binding.objects.filter(binding_no__in={n for n in numbers if n}).select_related("entity")
    }
    households = {
        h.household_no: h for h in Household.objects.filter(household_no__in={h for h in household_nos if h})
    }
    types, methods = _choice(PayoutTypeChoices), _choice(PayMethodChoices)
    out: list[dict[str, Any]] = []
    villages: list[str] = []
    keys: list[Any] = []
    for i in range(r.n):
        binding = bindings.get(numbers[i]) if numbers[i] else None
        household = households.get(household_nos[i]) if household_nos[i] else None
        if numbers[i] and binding is None:
            r.add(i, "binding_no", numbers[i], "协议编号不存在：兑现须对应已导入的双绑协议（R-IND-03）")
        if household_nos[i] and household is None:
            r.add(i, "household_no", household_nos[i], "户编号不存在（R-IND-03）")
        if binding is not None and household is not None and binding.household_id != household.pk:
            r.add(
                i,
                "household_no",
                household_nos[i],
                "该户不是此协议的绑定农户：不能向未绑定的农户兑现（R-IND-03）",
            )
        ptype = r.text("payout_type")[i]
        if ptype and ptype not in types:
            r.add(i, "payout_type", ptype, f"不是有效的兑现类型（可选：{_shown(PayoutTypeChoices)}）")
        method = r.text("method")[i]
        if method and method not in methods:
            r.add(i, "method", method, f"不是有效的支付方式（可选：{_shown(PayMethodChoices)}）")
        if binding is not None:
            for col, day, what in (("due_on", due_on[i], "应付日期"), ("paid_on", paid_on[i], "实付日期")):
                if day is not None and day < binding.start_on:
                    r.add(
                        i,
                        col,
                        r.text(col)[i],
                        f"{what}早于协议开始日期{binding.start_on.isoformat()}（R-IND-03）",
                    )
        if paid[i] is not None and paid[i] > 0 and paid_on[i] is None and r.text("paid_on")[i] is None:
            r.add(i, "paid_on", "", "填写了实付金额须同时填写实付日期（R-IND-03）")
        if paid_on[i] is not None and paid[i] is None and r.text("paid_amount")[i] is None:
            r.add(i, "paid_amount", "", "填写了实付日期须同时填写实付金额（R-IND-03）")
        key = (numbers[i], household_nos[i], types.get(ptype or ""), due_on[i])
        keys.append(key if None not in key else None)
        if household is not None:
            villages.append(household.village_id)
        out.append(
            {
                "_row": i,
                "binding": binding,
                "household": household,
                "payout_type": types.get(ptype or ""),
                "due_on": due_on[i],
                "due_amount": _cents(due[i]),
                "paid_on": paid_on[i],
                "paid_amount": _cents(paid[i]) or Decimal(0),
                "method": methods.get(method or "", ""),
                "voucher": r.text("voucher")[i] or "",
            }
        )
    _duplicates(r, "due_on", keys, "同一协议、同一户、同一兑现类型和应付日期")
    return _Checked(out, r.v.errors, villages)


def _write_payouts(
    checked: _Checked, batch: ImportBatch, result: IndustryImportResult, actor: Actor
) -> list[dict[str, Any]]:
    touched: dict[int, Household] = {}
    for row in checked.rows:
        binding, household = row["binding"], row["household"]
        key = {
            "binding": binding,
            "household": household,
            "payout_type": row["payout_type"],
            "due_on": row["due_on"],
        }
        values = {
            "entity_id": binding.entity_id,
            "county_code": household.county_code,
            "township_code": household.township_code,
            "due_amount": row["due_amount"],
            "paid_on": row["paid_on"],
            "paid_amount": row["paid_amount"],
            "method": row["method"],
            "voucher": row["voucher"],
        }
        payout = Payout.objects.filter(**key).first()
        if payout is None:
            Payout.objects.create(**key, **values, source_batch=batch)
            result.created += 1
        else:
            diff = [k for k, v in values.items() if getattr(payout, k) != v]
            if diff:
                for k in diff:
                    setattr(payout, k, values[k])
                payout.source_batch = batch
                payout.save(update_fields=[*diff, "source_batch", "updated_at"])
                result.updated += 1
        touched[household.pk] = household
    for household in touched.values():
        if payout_income_apply(household=household, actor=actor) is not None:
            result.incomes_updated += 1
    return []


# --- the driver ----------------------------------------------------------------------------------------

# The exchange validator's own reasons that are rules of the ledger (amounts ≥ 0: R-IND-02 terms, R-IND-03
# payouts), named like the industry checks' reasons.
_RULE_OF_KIND = {ENTITIES: "R-IND-02", BINDINGS: "R-IND-02", PAYOUTS: "R-IND-03"}


def _with_rule(e: RowError, kind: str) -> RowError:
    if e.reason == "金额不能为负数":
        return RowError(e.row, e.column, e.value, f"{e.reason}（{_RULE_OF_KIND[kind]}）")
    return e


def industry_import(
    *,
    kind: str,
    path: str | Path,
    source: str = "",
    actor: Actor | None = None,
    today: dt.date | None = None,
    lock_wait: float | None = None,
) -> IndustryImportResult:
    """Import one entity, binding or payout file (module doc). Raises ``InputRefused`` with every reason;
    nothing is written then."""
    if kind not in KINDS:
        raise InputRefused(
            "未知的导入类型", [RowError(None, "KIND", kind, "应为 entities、bindings 或 payouts")]
        )
    today = today or timezone.localdate()
    actor = actor if actor is not None else f"cli:{_os_user()}"
    source = source or DEFAULT_SOURCE[kind]
    p = Path(path)
    checksum = sha256_file(p) if p.is_file() else ""
    table = read_table(p, columns=_SPECS[kind], kind_label=KIND_LABELS[kind], checksum=checksum or None)
    period = today.strftime("%Y-%m")
    label = KIND_LABELS[kind]
    with write_transaction(wait=lock_wait):
        checked: _Checked
        if kind == ENTITIES:
            checked = _check_entities(table, source=source, today=today)
        elif kind == BINDINGS:
            checked = _check_bindings(table, today=today)
        else:
            checked = _check_payouts(table, today=today)
        if checked.errors:
            errors = sorted(
                (_with_rule(e, kind) for e in checked.errors), key=lambda e: (e.row or 0, e.column)
            )
            raise InputRefused(f"{label}文件被拒绝：共{len(errors)}处错误，未写入任何数据", errors)
        result = IndustryImportResult(
            path=str(p), kind=kind, rows=table.frame.height, warnings=list(table.warnings)
        )
        region = batch_region(checked.villages)
        same = batch_same_file(
            kind=kind, source=source, period=period, checksum=table.checksum, region=region
        )
        if same is not None:
            result.duplicate, result.batch_id = True, same.pk
            return result
        batch, replaces = batch_start(
            kind=kind,
            source=source,
            period=period,
            region=region,
            checksum=table.checksum,
            filename=p.name,
            encoding=table.encoding,
            actor=actor,
            stored_path=archive_file(p, table.checksum),
            rows_total=table.frame.height,
            warnings=list(table.warnings),
            periods=[period],
            progress=60,
        )
        result.batch_id, result.supersedes_id = batch.pk, batch.supersedes_id
        if kind == ENTITIES:
            extra = _write_entities(checked, batch, result)
        elif kind == BINDINGS:
            extra = _write_bindings(checked, batch, result)
        else:
            extra = _write_payouts(checked, batch, result, actor)
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
                "kind": kind,
                "source": source,
                "file": p.name,
                "checksum": table.checksum,
                "rows": result.rows,
                "created": result.created,
                "updated": result.updated,
                "status_changes": result.status_changes,
                "incomes_updated": result.incomes_updated,
                "supersedes": result.supersedes_id,
            },
            reason=f"导入{label}",
            region_code=region,
        )
        audit_record_many(actor=actor, entries=[entry, *extra])
    return result
