"""Console forms of the 帮扶车间 and 以工代赈 pages: input parsing only; no queries, no rules (the services
refuse, each reason under its field)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.workshops.choices import WorkshopKindChoices


class WorkshopForm(forms.Form):
    name = forms.CharField(label=_("车间名称"), max_length=128)
    kind = forms.ChoiceField(label=_("车间类型"), choices=WorkshopKindChoices.choices)
    village = forms.ChoiceField(label=_("所在村"), choices=())
    operator = forms.CharField(label=_("经营主体"), max_length=128)
    recognised_on = forms.DateField(label=_("认定日期"), widget=forms.DateInput(attrs={"type": "date"}))
    recognition_doc = forms.CharField(
        label=_("认定文件"), max_length=128, help_text=_("人社、乡村振兴部门联合认定文件文号")
    )

    def __init__(self, *args: object, villages: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["village"].choices = villages  # type: ignore[attr-defined]


class WorkerForm(forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=18, min_length=18)
    from_month = forms.RegexField(label=_("开始月份"), regex=r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    to_month = forms.RegexField(
        label=_("结束月份"), regex=r"^\d{4}-\d{2}$", required=False, help_text="YYYY-MM"
    )
    monthly_pay = forms.DecimalField(label=_("月工资（元）"), required=False, max_digits=12, decimal_places=2)


class ReliefProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=128)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    central_investment = forms.DecimalField(label=_("中央资金（元）"), max_digits=14, decimal_places=2)
    total_investment = forms.DecimalField(label=_("总投资（元）"), max_digits=14, decimal_places=2)
    planned_remuneration = forms.DecimalField(label=_("计划劳务报酬（元）"), max_digits=14, decimal_places=2)


class ParticipantForm(forms.Form):
    id_number = forms.CharField(label=_("证件号码"), max_length=18, min_length=18)
    from_month = forms.RegexField(label=_("开始月份"), regex=r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    to_month = forms.RegexField(label=_("结束月份"), regex=r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    pay = forms.DecimalField(label=_("劳务报酬（元）"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(
        label=_("发放日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
