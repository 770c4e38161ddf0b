"""Evidence as a reader sees it (issue 14): the screening rules' evidence columns and the departments'
delivered values with Chinese labels, money in 元 with two decimals, shares in per cent — never a column name,
a stored code or Python's ``None``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from shouwang.exchange.feeds import FEED_SPECS
from shouwang.registry.choices import SchoolStatusChoices
from shouwang.screening.rules import RULES_BY_CODE

# Chinese names of the evidence columns of the screening rules (screening/rules.py); a test checks that
# every rule's columns are here (test_no_raw_codes.py).
EVIDENCE_LABELS = {
    # EMP-END (R-EMP-06): the ended 务工月监测 episode
    "episode_start": "务工开始时间",
    "episode_end": "务工结束时间",
    "months_idle": "结束后未就业月数",
    "months_worked": "本次务工月数",
    "early": "提前返乡",
    "zero_employment": "零就业户",
    "income_per_capita": "人均收入参考值",
    "per_capita_net": "人均纯收入",
    "income_now": "本期人均纯收入",
    "income_before": "上期人均纯收入",
    "threshold": "监测范围",
    "income_period": "收入期间",
    "prev_income_period": "上期收入期间",
    "members": "计算人口",
    "capable_members": "劳动力人数",
    "persons": "涉及人数",
    "self_pay_12m": "近12个月自付",
    "disaster_12m": "近12个月灾害损失",
    "share_of_income": "占家庭收入",
    "trigger_amount": "预警金额",
    "last_settled_on": "最近结算",
    "settlements": "结算次数",
    "serious_members": "重病成员数",
    "ill_members": "患病成员数",
    "stays": "住院次数",
    "inpatient_stays": "住院次数",
    "inpatient_self_pay": "住院自付",
    "first_stay": "首次住院",
    "earners_ill": "患病劳动力",
    "months_lost": "误工月数",
    "care_months": "照护月数",
    "wage_lost_est": "估计减少工资",
    "wage_lost_12m": "近12个月减少工资",
    "income_after_rigid": "扣除刚性支出后人均收入",
    "income_after_loss": "扣除损失后人均收入",
    "age": "年龄",
    "event": "事件",
    "event_on": "事件日期",
    "events": "事件数",
    "loss_amount": "损失金额",
    "loss_total": "损失合计",
    "house_damaged": "房屋受损",
    "hazard": "灾害类型",
    "occurred_on": "发生日期",
    "shock_on": "发生日期",
    "status": "状态",
    "wage_share": "工资性收入占比",
    "days": "持续天数",
    "issue": "问题类型",
    "from_on": "开始日期",
    "children": "涉及子女",
    "overdue_days": "逾期天数",
    "loans": "贷款笔数",
    "balance": "贷款余额",
    "grade": "等级",
    "appraised_on": "鉴定日期",
    "as_of": "统计日期",
    "certified_on": "认定日期",
    "disability_type": "残疾类别",
    "wage_now": "当前工资",
    "wage_before": "此前工资",
    "drop_share": "降幅",
    "months": "月数",
    "loan_principal": "贷款本金",
    "monthly_wage": "月工资",
}

# The departments' coded values (events, statuses, water issues, housing grades) and the school stages.
VALUE_LABELS: dict[str, str] = {
    **{str(v): str(label) for v, label in SchoolStatusChoices.choices},
    **{
        str(v): str(label)
        for spec in FEED_SPECS.values()
        for choices in spec.choices.values()
        for v, label in choices.choices
    },
}


def evidence_label(key: str) -> str:
    return EVIDENCE_LABELS.get(key, key)


def value_text(value: Any, kind: str = "") -> str:
    """One value for the page: ``kind`` is the rule's evidence type (money, amount, share, int, date, bool,
    text) when known; otherwise the value's own type decides."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or kind == "bool":
        return str(_("是") if value in (True, "true", "True", 1) else _("否"))
    if kind in ("money", "amount"):
        number = _decimal(value)
        return f"{number:,.2f}{_('元')}" if number is not None else str(value)
    if kind == "share":
        number = _decimal(value)
        return f"{number * 100:.1f}%" if number is not None else str(value)
    if kind == "int":
        number = _decimal(value)
        return f"{number:,.0f}" if number is not None else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        return f"{value:,.2f}"
    text = str(value)
    return VALUE_LABELS.get(text, text)


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def signal_evidence(rule_code: str, evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """A signal's evidence as (label, value) pairs, formatted by the rule's evidence column types."""
    rule = RULES_BY_CODE.get(rule_code)
    kinds = dict(rule.evidence) if rule is not None else {}
    return [(evidence_label(k), value_text(v, kinds.get(k, ""))) for k, v in (evidence or {}).items()]


def rule_tooltip(rule_code: str) -> tuple[str, str]:
    """(the rule's Chinese title, the tooltip with its code and policy rules)."""
    rule = RULES_BY_CODE.get(rule_code)
    if rule is None:
        return rule_code, ""
    return rule.title, " · ".join([rule_code, *rule.policy])
