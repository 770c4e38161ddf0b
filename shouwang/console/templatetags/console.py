"""Display helpers for console templates: permission checks for showing buttons, and labels."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.accounts.actors import Viewer
from shouwang.accounts.choices import RoleChoices
from shouwang.cases.choices import CaseStateChoices, ChannelChoices
from shouwang.cases.transitions import MOVES
from shouwang.console import permissions
from shouwang.console.policytext import policy_split
from shouwang.exchange.choices import BatchKindChoices
from shouwang.registry.choices import RiskTypeChoices
from shouwang.registry.models import Household
from shouwang.screening.choices import WarningStatusChoices
from shouwang.screening.rules import RULES_BY_CODE

register = template.Library()


# Permission filters: the templates pass ``user`` (the request's viewer); anything else is refused (False).
@register.filter
def can_record_visits(user: Viewer) -> bool:
    return permissions.can_record_visits(user)


@register.filter
def can_reveal(user: Viewer) -> bool:
    return permissions.can_reveal(user)


@register.filter
def can_read_audit(user: Viewer) -> bool:
    return permissions.can_read_audit(user)


@register.filter
def can_read_households(user: Viewer) -> bool:
    return permissions.can_read_households(user)


@register.filter
def secured(value: bool) -> SafeString:
    """两不愁三保障 / water flag: True = secured."""
    if value:
        return format_html('<span class="badge badge-ok">{}</span>', _("有保障"))
    return format_html('<span class="badge badge-risk">{}</span>', _("未保障"))


@register.filter
def yes_no(value: bool) -> str:
    return _("是") if value else _("否")


@register.filter
def category_badge(household: Household) -> SafeString:
    """Monitoring category with its state: monitored (risk not yet eliminated) or eliminated."""
    if not household.monitoring_category:
        return format_html('<span class="muted">{}</span>', _("非监测对象"))
    label = household.get_monitoring_category_display()
    if household.risk_eliminated_on:
        return format_html('<span class="badge badge-done">{}·{}</span>', label, _("风险已消除"))
    return format_html('<span class="badge badge-risk">{}</span>', label)


@register.filter
def role_label(value: str) -> str:
    """Chinese label of a stored role code (audit rows keep the code)."""

    return str(RoleChoices(value).label) if value in RoleChoices.values else (value or "—")


# Chinese names for the object types and access purposes that audit rows store as codes. Codes not
# listed here (added later by other apps) are shown as stored.
OBJECT_TYPE_LABELS: dict[str, Any] = {
    "household": gettext_lazy("农户"),
    "case": gettext_lazy("案件"),
    "case_document": gettext_lazy("案件材料"),
    "clue": gettext_lazy("风险线索"),
    "warning": gettext_lazy("预警"),
    "self_report": gettext_lazy("群众自主申报"),
    "self_report.phone": gettext_lazy("申报人联系电话"),
    "export": gettext_lazy("导出"),
    "region_stats": gettext_lazy("区域统计"),
    "screening_run": gettext_lazy("筛查运行"),
    "screening_parameter": gettext_lazy("筛查参数"),
    "import_batch": gettext_lazy("导入批次"),
    "household.phone": gettext_lazy("农户联系电话"),
    "person.id_number": gettext_lazy("成员证件号码"),
    "session": gettext_lazy("登录"),
    "user": gettext_lazy("用户"),
    "api_token": gettext_lazy("接口令牌"),
    "field_submission": gettext_lazy("田野端提交"),
    "hotline_call": gettext_lazy("热线来电"),
    "income": gettext_lazy("家庭收支"),
    "income_record": gettext_lazy("家庭收支记录"),
    "measure": gettext_lazy("帮扶措施"),
    "notice": gettext_lazy("公示公告"),
    "person": gettext_lazy("家庭成员"),
    "screening_warnings": gettext_lazy("筛查预警"),
    "self_report_batch": gettext_lazy("申报批量导入"),
    "visit": gettext_lazy("走访"),
    "warning_list": gettext_lazy("预警名单"),
    "public_post": gettext_lazy("公益性岗位"),
    "public_post_parameter": gettext_lazy("公益性岗位参数"),
    "business_entity": gettext_lazy("经营主体"),
}
PURPOSE_LABELS: dict[str, Any] = {
    "view": gettext_lazy("查看农户页面"),
    "reveal_id": gettext_lazy("为查看完整证件号码而访问"),
    "reveal_phone": gettext_lazy("为查看完整电话而访问"),
    "evidence": gettext_lazy("查看部门数据证据"),
    "transition": gettext_lazy("办理案件"),
    "document": gettext_lazy("上传案件材料"),
    "clue": gettext_lazy("登记风险线索"),
    "clue_resolve": gettext_lazy("为线索匹配农户"),
    "field_report": gettext_lazy("田野端登记"),
    "hotline": gettext_lazy("热线来电"),
    "measures": gettext_lazy("帮扶计划"),
    "upload": gettext_lazy("上传材料"),
    "visit": gettext_lazy("登记走访"),
    "post_view": gettext_lazy("查看公益性岗位"),
    "post_api": gettext_lazy("接口查询公益性岗位"),
    "post_transition": gettext_lazy("办理岗位招聘"),
    "post_apply": gettext_lazy("登记岗位报名"),
    "post_review": gettext_lazy("审核岗位报名"),
    "post_months": gettext_lazy("登记考勤和补贴发放"),
    "post_dismiss": gettext_lazy("办理岗位离岗"),
}


@register.filter
def object_type_label(value: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(value, value))


@register.filter
def purpose_label(value: str) -> str:
    return str(PURPOSE_LABELS.get(value, value))


@register.filter
def has_work_queue(user: Viewer) -> bool:
    return permissions.has_work_queue(user)


@register.filter
def can_view_dashboard(user: Viewer) -> bool:
    return permissions.can_view_dashboard(user)


@register.filter
def can_read_batches(user: Viewer) -> bool:
    return permissions.can_read_batches(user)


@register.filter
def can_start_screening(user: Viewer) -> bool:
    return permissions.can_start_screening(user)


@register.filter
def can_set_parameters(user: Viewer) -> bool:
    return permissions.can_set_parameters(user)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ values|get:"monitored" }}`` — a dict lookup with a key that is not an identifier."""
    if mapping is None:
        return None
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def stat(values: Any, metric: str) -> int:
    """A pre-aggregated figure: missing means zero (the statistics table stores no zero rows)."""
    return int((values or {}).get(metric, 0))


@register.filter
def num(value: Any) -> str:
    """Thousands separators for counts; ``—`` for nothing."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def pct(value: Any) -> str:
    return "—" if value is None else f"{value}%"


@register.simple_tag
def query_with(params: Any, **updates: Any) -> str:
    """A query string from ``params`` (a dict) with ``updates`` applied (``None`` removes a key)."""

    merged = {k: v for k, v in dict(params or {}).items() if v not in ("", None)}
    for k, v in updates.items():
        if v in ("", None):
            merged.pop(k, None)
        else:
            merged[k] = v
    return urlencode(merged)


@register.filter
def risk_label(code: str) -> str:

    return str(dict(RiskTypeChoices.choices).get(code, code))


@register.filter
def risk_labels(codes: Any) -> str:
    return "、".join(risk_label(c) for c in (codes or [])) or "—"


@register.filter
def policy_tip(text: Any, limit: Any = None) -> SafeString:
    """A refusal's words with its policy rule IDs in a tooltip instead of the running text; ``limit``
    shortens the words (``{{ note|policy_tip:90 }}``), never cutting an ID in half."""
    split = policy_split(str(text))
    words = Truncator(split.text).chars(int(limit)) if limit else split.text
    if not split.policy:
        return format_html("{}", words)
    tip = f"{_('政策依据')}：{split.policy}"
    return format_html('<span class="policy-tip" title="{}">{}</span>', tip, words)


# The phases a screening run times (screening/services.py ``phase``; the engine's own steps prefixed
# ``engine_``, screening/engines/base.py).
TIMING_LABELS: dict[str, Any] = {
    "snapshot": gettext_lazy("数据快照"),
    "params": gettext_lazy("读取参数"),
    "engine": gettext_lazy("规则引擎"),
    "engine_load": gettext_lazy("引擎·载入"),
    "engine_derive": gettext_lazy("引擎·派生"),
    "engine_rules": gettext_lazy("引擎·规则"),
    "assemble": gettext_lazy("汇总预警"),
    "store": gettext_lazy("保存结果"),
    "total": gettext_lazy("合计"),
}


@register.filter
def run_timings(timings: Any) -> list[tuple[str, str]]:
    """A run's phase timings as (Chinese name, seconds with two decimals)."""
    out = []
    for key, seconds in (timings or {}).items():
        try:
            shown = f"{float(seconds):.2f}"
        except (TypeError, ValueError):
            shown = "—"
        out.append((str(TIMING_LABELS.get(key, key)), shown))
    return out


@register.filter
def rule_titles(codes: Any) -> SafeString:
    """Rule codes as their Chinese titles, the code and its policy rules in a tooltip (issue 14: no raw
    codes in running text); an unknown code shows as it is."""
    if not codes:
        return format_html("{}", "—")
    parts = []
    for code in codes:
        rule = RULES_BY_CODE.get(code)
        if rule is None:
            parts.append(format_html('<span class="mono">{}</span>', code))
        else:
            tip = " · ".join([code, *rule.policy])
            parts.append(format_html('<span class="rule" title="{}">{}</span>', tip, rule.title))
    return format_html_join("、", "{}", ((part,) for part in parts))


@register.filter
def channel_label(code: str) -> str:

    return str(dict(ChannelChoices.choices).get(code, code))


@register.filter
def state_label(code: str) -> str:

    return str(dict(CaseStateChoices.choices).get(code, code))


@register.filter
def action_label(code: str) -> str:

    for (_kind, action), move in MOVES.items():
        if action == code:
            return move.label
    return code


@register.filter
def can_make_clues(user: Viewer) -> bool:
    return permissions.can_make_clues(user)


@register.filter
def posted_value(posted: Any, name: str) -> str:
    try:
        return str(posted.get(name, "") or "")
    except AttributeError:
        return ""


@register.filter
def posted_list(posted: Any, name: str) -> list[str]:
    try:
        return list(posted.getlist(name))
    except AttributeError:
        return []


IDENTIFICATION_PATH = [
    "clue",
    "home_check",
    "data_comparison",
    "village_review",
    "public_notice",
    "township_review",
    "county_approval",
    "announced",
    "monitoring",
]
ELIMINATION_PATH = [
    "candidate",
    "home_check",
    "village_review",
    "public_notice",
    "township_review",
    "county_approval",
    "eliminated",
]


@register.simple_tag
def case_path(case: Any) -> list[dict[str, Any]]:
    """The procedure's steps for a stepper: done, current or to do (R-ID-02 / R-ELIM-04)."""

    path = IDENTIFICATION_PATH if case.kind == "identification" else ELIMINATION_PATH
    labels = dict(CaseStateChoices.choices)
    here = path.index(case.state) if case.state in path else -1
    return [
        {"label": labels[s], "state": "done" if i < here else ("current" if i == here else "todo")}
        for i, s in enumerate(path)
    ]


@register.filter
def warning_status_label(code: str) -> str:

    return str(dict(WarningStatusChoices.choices).get(code, code))


@register.filter
def short_name(name: str) -> str:
    """A village committee's everyday name: 大桥村村民委员会 → 大桥村, 文笔社区居民委员会 → 文笔社区."""
    for suffix in ("村民委员会", "居民委员会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


# The business date each workflow action records (cases/services.py step functions).
STEP_DATE_KEYS = (
    "checked_on",
    "compared_on",
    "reviewed_on",
    "started_on",
    "received_on",
    "resolved_on",
    "approved_on",
    "announced_on",
    "proposed_on",
    "found_on",
)


@register.filter
def step_date(step: Any) -> str:
    """The date the step was done (as entered), which may be earlier than when it was recorded."""
    data = getattr(step, "data", None) or {}
    for key in STEP_DATE_KEYS:
        if data.get(key):
            return str(data[key])[:10]
    return ""


@register.filter
def batch_source(source: str) -> str:
    """A batch's source: a department's stream is named after its kind (``civil`` → 民政); others as sent."""
    return str(dict(BatchKindChoices.choices).get(source, source))


@register.filter
def plain_number(value: Any) -> str:
    """A parameter's value without the storage's trailing zeros: 0.5000 → 0.5, 9000.0000 → 9000."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(number.normalize(), "f")
