"""Display helpers for console templates: permission checks for showing buttons, and labels."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang.console import permissions

register = template.Library()


@register.filter
def can_reveal(user: Any) -> bool:
    return permissions.can_reveal(user)


@register.filter
def can_read_audit(user: Any) -> bool:
    return permissions.can_read_audit(user)


@register.filter
def can_read_households(user: Any) -> bool:
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
def category_badge(household: Any) -> SafeString:
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
    from shouwang.accounts.choices import RoleChoices

    return str(RoleChoices(value).label) if value in RoleChoices.values else (value or "—")


# Chinese names for the object types and access purposes that audit rows store as codes. Codes not
# listed here (added later by other apps) are shown as stored.
OBJECT_TYPE_LABELS: dict[str, Any] = {
    "household": gettext_lazy("农户"),
    "household.phone": gettext_lazy("农户联系电话"),
    "person.id_number": gettext_lazy("成员证件号码"),
    "session": gettext_lazy("登录"),
    "user": gettext_lazy("用户"),
    "api_token": gettext_lazy("接口令牌"),
}
PURPOSE_LABELS: dict[str, Any] = {
    "view": gettext_lazy("查看农户页面"),
    "reveal_id": gettext_lazy("为查看完整证件号码而访问"),
    "reveal_phone": gettext_lazy("为查看完整电话而访问"),
}


@register.filter
def object_type_label(value: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(value, value))


@register.filter
def purpose_label(value: str) -> str:
    return str(PURPOSE_LABELS.get(value, value))
