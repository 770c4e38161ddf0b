"""Forms of the public-welfare post pages (R-EMP-07): input parsing only; the rules are the publicposts
services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.publicposts.choices import (
    DISMISSAL_REASONS,
    ExitReasonChoices,
    FundingSourceChoices,
    InsuranceChoices,
    PostClassChoices,
    PostStageChoices,
)

_ANY: list[tuple[str, Any]] = [("", _("全部"))]


class PostFilterForm(forms.Form):
    post_class = forms.ChoiceField(
        label=_("岗位类别"), choices=_ANY + PostClassChoices.choices, required=False
    )
    stage = forms.ChoiceField(label=_("招聘环节"), choices=_ANY + PostStageChoices.choices, required=False)
    vacant = forms.ChoiceField(
        label=_("空缺"), choices=[("", _("全部")), ("yes", _("有空缺")), ("no", _("已满员"))], required=False
    )


class PostForm(forms.Form):
    village_code = forms.ChoiceField(label=_("行政村"))
    name = forms.CharField(label=_("岗位名称"), max_length=64)
    post_class = forms.ChoiceField(label=_("岗位类别"), choices=PostClassChoices.choices)
    department = forms.CharField(label=_("主管部门"), max_length=64, required=False)
    funding = forms.ChoiceField(label=_("资金来源"), choices=FundingSourceChoices.choices)
    monthly_subsidy = forms.DecimalField(label=_("月补贴（元）"), max_digits=10, decimal_places=2)
    insurance = forms.ChoiceField(label=_("保险"), choices=InsuranceChoices.choices)
    places = forms.IntegerField(label=_("岗位数"), initial=1)
    term_months = forms.IntegerField(label=_("聘期（月）"), initial=12)

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village_code"].choices = villages  # type: ignore[attr-defined]


class ApplicantForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=32)
    person_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    health_checked = forms.BooleanField(label=_("体检合格（60至65周岁须体检）"), required=False)
    cadre_relative = forms.BooleanField(label=_("申请人是村干部近亲属"), required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("审核通过")), ("reject", _("审核不通过"))])
    note = forms.CharField(label=_("审核意见"), max_length=255, required=False)


class DismissForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("离岗原因"),
        choices=[("", _("请选择"))]
        + [(c.value, c.label) for c in ExitReasonChoices if c in DISMISSAL_REASONS or c == "term_ended"],
    )
    ended_on = forms.DateField(label=_("离岗日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("事实和依据"), max_length=255, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PeriodForm(forms.Form):
    period = forms.RegexField(label=_("月份"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", max_length=7)
