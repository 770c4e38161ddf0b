"""Console forms: input parsing only; no queries, no rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.audit.models import AuditActionChoices
from shouwang.cases.choices import (
    RECORDABLE_RISKS,
    CaseKindChoices,
    CaseStateChoices,
    DocumentKindChoices,
    MeasureItemChoices,
    MeasureTypeChoices,
    ReviewResultChoices,
    RiskLevelChoices,
)
from shouwang.console.choices import (
    CaseDueFilterChoices,
    ExportKindChoices,
    HouseholdSortChoices,
    IncomeBandChoices,
    MonitoringFilterChoices,
)
from shouwang.registry.choices import (
    EliminationModeChoices,
    HouseholdStatusChoices,
    MonitoringCategoryChoices,
    PovertyStatusChoices,
    RiskTypeChoices,
)
from shouwang.registry.income import INCOME_MONEY
from shouwang.screening.choices import EngineChoices, ParameterKeyChoices, WarningStatusChoices


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class HouseholdSearchForm(forms.Form):
    """Search terms come by POST so that an ID number never lands in a URL, a proxy log or the browser
    history (DESIGN "Personal data"); the region and the page cursor come by GET or POST."""

    q = forms.CharField(
        label=_("查询"),
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("户主或成员姓名、户编号，或完整的18位身份证号码")}),
    )
    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    after = forms.CharField(max_length=32, required=False, widget=forms.HiddenInput)


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("查看事由"), max_length=200, required=False)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("动作"), required=False, choices=[("", _("全部")), *AuditActionChoices.choices]
    )
    object_type = forms.CharField(label=_("对象类型"), max_length=32, required=False)
    object_id = forms.CharField(label=_("对象标识"), max_length=64, required=False)
    actor = forms.CharField(label=_("操作人"), max_length=150, required=False)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


# ---------------------------------------------------------------------------------------------- list filters


def _choices(label_all: Any, choices: Any) -> list[tuple[str, Any]]:
    return [("", label_all), *choices]


class HouseholdFilterForm(forms.Form):
    """GET filters of the household list (no personal data: the free-text search stays a POST)."""

    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    monitoring = forms.ChoiceField(
        label=_("监测状态"), required=False, choices=_choices(_("全部"), MonitoringFilterChoices.choices)
    )
    poverty_status = forms.ChoiceField(
        label=_("户类型"), required=False, choices=_choices(_("全部"), PovertyStatusChoices.choices)
    )
    status = forms.ChoiceField(
        label=_("户状态"), required=False, choices=_choices(_("全部"), HouseholdStatusChoices.choices)
    )
    income_band = forms.ChoiceField(
        label=_("收入区间"), required=False, choices=_choices(_("全部"), IncomeBandChoices.choices)
    )
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=HouseholdSortChoices.choices)
    after = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class WarningFilterForm(forms.Form):
    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    period = forms.RegexField(
        label=_("期间"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, widget=forms.Select
    )
    status = forms.ChoiceField(
        label=_("预警状态"), required=False, choices=_choices(_("全部"), WarningStatusChoices.choices)
    )
    risk_type = forms.ChoiceField(
        label=_("风险类型"), required=False, choices=_choices(_("全部"), RiskTypeChoices.choices)
    )
    unverified = forms.BooleanField(label=_("仅显示待核实（不含已是监测对象）"), required=False)
    after = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)

    def set_periods(self, periods: Any) -> None:
        self.fields["period"].widget.choices = [(p, p) for p in periods]


class CaseFilterForm(forms.Form):
    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("案件类型"), required=False, choices=_choices(_("全部"), CaseKindChoices.choices)
    )
    state = forms.ChoiceField(
        label=_("当前环节"), required=False, choices=_choices(_("全部"), CaseStateChoices.choices)
    )
    due = forms.ChoiceField(
        label=_("办理时限"), required=False, choices=_choices(_("全部"), CaseDueFilterChoices.choices)
    )
    after = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)


class DashboardForm(forms.Form):
    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    period = forms.RegexField(
        label=_("统计期间"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, widget=forms.Select
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(choices=ExportKindChoices.choices, widget=forms.HiddenInput)


class ScreeningRunForm(forms.Form):
    period = forms.RegexField(
        label=_("筛查期间"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        error_messages={"invalid": _("期间格式应为YYYY-MM，例如 2025-03")},
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric", "size": 8}),
    )
    engine = forms.ChoiceField(
        label=_("筛查引擎"), choices=EngineChoices.choices, initial=EngineChoices.DUCKDB
    )
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)


class ParameterForm(forms.Form):
    region_code = forms.RegexField(
        label=_("适用区划代码"),
        regex=r"^\d{2,12}$",
        error_messages={"invalid": _("区划代码应为2至12位数字")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 14}),
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    key = forms.ChoiceField(label=_("参数"), choices=ParameterKeyChoices.choices)
    value = forms.DecimalField(label=_("新取值"), max_digits=16, decimal_places=4)
    note = forms.CharField(
        label=_("调整说明与依据"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写调整说明与依据（文件名称、文号等）")},
    )


class ParameterViewForm(forms.Form):
    region = forms.RegexField(regex=r"^\d{2,15}$", required=False, widget=forms.HiddenInput)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)


class SelfReportRespondForm(forms.Form):
    response = forms.CharField(
        label=_("答复内容（群众可见）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("材料类型"), choices=DocumentKindChoices.choices)
    file = forms.FileField(label=_("文件（JPEG、PNG或PDF，不超过10MB）"))


# ---------------------------------------------------------------------------------------------- case steps
# The inputs of each workflow action (cases/transitions.py). They only collect values: every rule (dates in
# order, votes, notice length, categories, risk types …) is checked by ``cases.services.case_transition``,
# which reports every problem in Chinese naming the field; the page shows those messages next to the form.


class StepField:
    def __init__(
        self, name: str, label: Any, kind: str = "text", *, choices: Any = None, required: bool = True
    ):
        self.name, self.label, self.kind, self.choices, self.required = name, label, kind, choices, required


RISK_CHOICES = [(c.value, c.label) for c in RiskTypeChoices if c != RiskTypeChoices.LOW_INCOME]


def _step_fields() -> dict[str, list[StepField]]:

    return {
        "home_check": [
            StepField("checked_on", _("入户核实日期"), "date"),
            StepField("authorisation_document_id", _("申请及承诺授权查询书"), "document"),
            StepField("risk_types", _("核实的风险类型"), "risks", required=False),
            StepField("income_per_capita", _("核实的人均纯收入（元/年）"), "money", required=False),
            StepField("findings", _("核实情况"), "textarea", required=False),
        ],
        "compare": [
            StepField("compared_on", _("信息比对日期"), "date"),
            StepField("conflicts_note", _("不一致情况的核实说明"), "textarea", required=False),
        ],
        "village_review": [
            StepField("reviewed_on", _("民主评议日期"), "date"),
            StepField("attendance", _("参会人数"), "int"),
            StepField("votes_for", _("赞成票数"), "int"),
            StepField("votes_against", _("反对票数"), "int"),
            StepField("result", _("评议结果"), "select", choices=ReviewResultChoices.choices),
        ],
        "notice_start": [
            StepField("started_on", _("公示开始日期"), "date"),
            StepField("place", _("公示地点"), "text", required=False),
        ],
        "objection_record": [
            StepField("received_on", _("异议收到日期"), "date"),
            StepField("content", _("异议内容"), "textarea"),
        ],
        "objection_resolve": [
            StepField("objection_id", _("处理的异议"), "objection"),
            StepField("resolved_on", _("处理日期"), "date"),
            StepField("resolution", _("处理结果"), "textarea"),
            StepField("upheld", _("异议成立"), "checkbox", required=False),
        ],
        "township_review": [
            StepField("notice_ended_on", _("公示结束日期"), "date"),
            StepField("reviewed_on", _("乡镇审核日期"), "date"),
            StepField("opinion", _("审核意见"), "textarea", required=False),
        ],
        "county_approve": [
            StepField("approved_on", _("县级审定日期"), "date"),
            StepField("category", _("监测对象类别"), "select", choices=MonitoringCategoryChoices.choices),
            StepField("risk_types", _("风险类型（1至5项）"), "risks"),
            StepField("risk_remark", _("其他风险说明"), "text", required=False),
            StepField(
                "risk_level", _("走访等级"), "select", choices=RiskLevelChoices.choices, required=False
            ),
            StepField("contact_name", _("监测联系人（风险消除后）"), "text", required=False),
            StepField("contact_phone", _("监测联系人电话"), "text", required=False),
        ],
        "announce": [StepField("announced_on", _("公告日期"), "date")],
        "enter_monitoring": [],
        "set_risk_level": [
            StepField("risk_level", _("走访等级"), "select", choices=RiskLevelChoices.choices)
        ],
        "propose_elimination": [
            StepField("mode", _("风险消除方式"), "select", choices=EliminationModeChoices.choices),
            StepField("proposed_on", _("提出日期"), "date", required=False),
        ],
        "reject": [StepField("reason", _("不予通过的原因（将告知申请人）"), "textarea")],
        "rollback": [
            StepField("found_on", _("发现风险反弹的日期"), "date"),
            StepField("reason", _("回退原因（风险反弹情况）"), "textarea"),
        ],
    }


STEP_FIELDS = _step_fields()
# Fields of elimination cases that identification-only inputs must not show.
IDENTIFICATION_ONLY = {
    ("county_approve", "category"),
    ("county_approve", "risk_types"),
    ("home_check", "authorisation_document_id"),
    ("home_check", "risk_types"),
}


# Fields of elimination cases only: the monitoring contact an eliminated household keeps (R-ELIM-06).
ELIMINATION_ONLY = {
    ("county_approve", "contact_name"),
    ("county_approve", "contact_phone"),
}


def step_fields_for(action: str, kind: str) -> list[StepField]:
    hidden = IDENTIFICATION_ONLY if kind != "identification" else ELIMINATION_ONLY
    return [f for f in STEP_FIELDS.get(action, []) if (action, f.name) not in hidden]


def step_data_from_post(action: str, post: Any) -> dict[str, Any]:
    """The ``data`` of a transition as the service expects it (strings, a list for risk types, a bool for
    check boxes); unknown keys are ignored, so a form can never smuggle in another action's fields."""
    data: dict[str, Any] = {}
    for f in STEP_FIELDS.get(action, []):
        if f.kind == "risks":
            values = post.getlist(f.name)
            if values:
                data[f.name] = values
        elif f.kind == "checkbox":
            data[f.name] = post.get(f.name) in ("on", "1", "true")
        else:
            value = (post.get(f.name) or "").strip()
            if value:
                data[f.name] = value
    return data


def step_labels() -> dict[str, str]:
    return {f.name: str(f.label) for fields in STEP_FIELDS.values() for f in fields}


INCOME_FIELDS = INCOME_MONEY  # the visit form's income fields carry the income record's column names


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=12, decimal_places=2)


class VisitForm(forms.Form):
    """A visit (R-ID-06) from the console: date, risk level (follow-up visits only), notes and, optionally,
    the household's new 12-month income (R-INC-01/02). The rules are the services' (``visit_record``,
    ``household_visit_record``)."""

    visited_on = forms.DateField(
        label=_("走访日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    risk_level = forms.ChoiceField(
        label=_("走访后的风险等级"),
        required=False,
        choices=[("", _("不变")), *RiskLevelChoices.choices],
    )
    notes = forms.CharField(
        label=_("走访情况"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    with_income = forms.BooleanField(label=_("同时更新家庭收入（近12个月）"), required=False)
    income_period = forms.RegexField(
        label=_("收入截至月份"),
        regex=r"^\d{4}-\d{2}$",
        required=False,
        error_messages={"invalid": _("收入期间格式应为YYYY-MM")},
        widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "inputmode": "numeric"}),
    )
    wage = _money(_("工资性收入（元）"))
    business = _money(_("生产经营性收入（元）"))
    property = _money(_("财产性收入（元）"))
    transfer = _money(_("转移性收入（元）"))
    business_cost = _money(_("生产经营费用支出（元）"))
    compliant_self_pay = _money(_("合规自付医疗费用（元）"))
    insurance_claims = _money(_("保险理赔（元）"))
    new_risks = forms.MultipleChoiceField(
        label=_("本次发现的新风险（转为风险线索）"),
        required=False,
        choices=[(str(c.value), str(c.label)) for c in RECORDABLE_RISKS],
        widget=forms.CheckboxSelectMultiple,
    )
    risk_note = forms.CharField(
        label=_("风险情况说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, routine: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if routine:
            # A routine visit (常态化走访) has no case, so no tier: a risk seen at the door is a clue.
            del self.fields["risk_level"]
        else:
            # A monitored household's new risks go on its case (the field app's 一键报送 or the case page).
            del self.fields["new_risks"], self.fields["risk_note"]
        self.order_fields(["visited_on", "risk_level", "notes", "new_risks", "risk_note"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("with_income"):
            if not data.get("income_period") and "income_period" not in self.errors:
                self.add_error("income_period", _("请填写收入截至月份"))
            for name in ("wage", "business", "property", "transfer", "business_cost"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("请填写金额（没有的填0）"))
        return data


class PlanMeasureForm(forms.Form):
    """One measure row of the plan form (一户一策, R-AID). The member choices are the household's (set by
    the view); every rule is ``cases.services.plan_measures_add``'s. A row without a measure type is blank."""

    measure_type = forms.ChoiceField(
        label=_("帮扶措施（全国代码）"),
        required=False,
        choices=[("", _("请选择")), *MeasureTypeChoices.choices],
    )
    item = forms.ChoiceField(
        label=_("具体项目"), required=False, choices=[("", _("（不细分）")), *MeasureItemChoices.choices]
    )
    person = forms.TypedChoiceField(
        label=_("落实到的家庭成员"), required=False, coerce=int, empty_value=None, choices=[]
    )
    start_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    end_on = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    description = forms.CharField(label=_("措施内容"), required=False, max_length=255)
    amount = _money(_("金额（元）"))
    loan_term_months = forms.IntegerField(label=_("贷款期限（月）"), required=False, min_value=0)
    subsidised = forms.BooleanField(label=_("贴息"), required=False)

    def __init__(self, *args: Any, members: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", _("（整户）")), *members]  # type: ignore[attr-defined]

    @property
    def filled(self) -> bool:
        return bool(self.is_bound and self.is_valid() and self.cleaned_data.get("measure_type"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("measure_type") and not data.get("start_on") and "start_on" not in self.errors:
            self.add_error("start_on", _("请填写开始日期"))
        return data


# Three rows, each with today's date already in (the view passes them as initial rows).
PLAN_ROWS = 3
PlanMeasureFormSet = forms.formset_factory(PlanMeasureForm, extra=0, max_num=6)


class PlanContactForm(forms.Form):
    """The household's monitoring contact (监测联系人, R-AID-03; required once eliminated, R-ELIM-06)."""

    contact_name = forms.CharField(label=_("监测联系人"), required=False, max_length=64)
    contact_phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)


class PlanHelperForm(forms.Form):
    """The helper (帮扶责任人) added with the measures, optional."""

    name = forms.CharField(label=_("帮扶责任人姓名"), required=False, max_length=64)
    unit = forms.CharField(label=_("帮扶单位"), required=False, max_length=128)
    phone = forms.CharField(label=_("帮扶责任人手机"), required=False, max_length=20)
