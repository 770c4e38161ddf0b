"""Console forms: input parsing only; no queries, no rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from shouwang.audit.models import AuditActionChoices


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
