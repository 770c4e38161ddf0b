"""The employment pages (R-EMP-04/05): the overview of a month, the township dispatch table (freeze, refresh,
XLSX) and the 零就业 task list. Adapters only: the rules are ``employment.services`` (``dispatch_freeze``,
``dispatch_refresh``, ``dispatch_export``), the reads ``employment.selectors``."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import NotFound, signed_in_with_region
from shouwang.accounts.actors import request_user
from shouwang.cases import clock
from shouwang.common.errors import InputRefused
from shouwang.console.permissions import can_read_households
from shouwang.console.views.common import not_found, refusal_messages, role_required
from shouwang.employment.choices import LabourStatusChoices, ZeroTaskStatusChoices
from shouwang.employment.selectors import (
    counties_with_roster,
    dispatch_counties,
    dispatch_table_get,
    roster_counts,
    roster_periods,
    user_can_read_dispatch,
    zero_task_list,
    zero_task_townships,
)
from shouwang.employment.services import dispatch_export, dispatch_freeze, dispatch_refresh
from shouwang.employment.services.dispatch import DROP_ALERT_SHARE, FREEZE_ROLES, REFRESH_ROLES
from shouwang.employment.services.zero import ZERO_TASK_DAYS

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
ZERO_LISTED = 500
_RULE_ID = re.compile(r"（R-[A-Z]+-\d+[^）]*）")


def _county_and_period(request: HttpRequest) -> tuple[str, str, list[tuple[str, str]], list[str]]:
    """The county (the caller's own, or the one picked among those it covers) and the month (picked, else
    the county's latest roster, else this month)."""
    counties = dispatch_counties(user=request.user)
    codes = [c for c, _ in counties]
    county = request.GET.get("county") or request.POST.get("county") or ""
    if county not in codes:
        with_roster = counties_with_roster(codes=codes) if len(codes) > 1 else codes
        county = (with_roster or codes or [""])[0]
    periods = roster_periods(county_code=county) if county else []
    period = request.GET.get("period") or request.POST.get("period") or ""
    if not _PERIOD.match(period):
        period = periods[0] if periods else clock.today().strftime("%Y-%m")
    return county, period, counties, periods


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看就业监测"))
def employment_overview_view(request: HttpRequest) -> HttpResponse:
    county, period, counties, periods = _county_and_period(request)
    counts = roster_counts(user=request.user, period=period)
    labels = dict(LabourStatusChoices.choices)
    today = clock.today()
    open_total, overdue, _rows = zero_task_list(user=request.user, today=today, status="open", limit=0)
    table = None
    if county and user_can_read_dispatch(request.user):
        table = dispatch_table_get(user=request.user, county_code=county, period=period)
    return render(
        request,
        "console/employment.html",
        {
            "county": county,
            "counties": counties,
            "period": period,
            "periods": periods,
            "counts": counts,
            "by_status": [(labels[s], n) for s, n in counts.by_status.items()],
            "zero_open": open_total,
            "zero_overdue": overdue,
            "table": table,
            "alerts": [r for r in table.rows if r.alert] if table else [],
            "can_dispatch": user_can_read_dispatch(request.user),
        },
    )


def _official_role(request: HttpRequest) -> str:
    official = signed_in_with_region(request.user)
    return official.role if official else ""


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(user_can_read_dispatch, gettext_lazy("您的角色无权查看月度调度表"))
def dispatch_view(request: HttpRequest) -> HttpResponse:
    county, period, counties, periods = _county_and_period(request)
    try:
        table = dispatch_table_get(user=request.user, county_code=county, period=period)
    except NotFound:
        return not_found(request)
    role = _official_role(request)
    return render(
        request,
        "console/dispatch.html",
        {
            "table": table,
            "county": county,
            "counties": counties,
            "period": period,
            "periods": periods,
            "can_freeze": role in FREEZE_ROLES and table.frozen is None and table.has_roster,
            "can_refresh": role in REFRESH_ROLES,
            "drop_share": round(DROP_ALERT_SHARE * 100),
        },
    )


def _dispatch_post(request: HttpRequest, action: str) -> HttpResponse:
    county, period, _counties, _periods = _county_and_period(request)
    back = reverse("console:dispatch") + f"?county={county}&period={period}"
    try:
        dispatch_table_get(user=request.user, county_code=county, period=period)
    except NotFound:
        return not_found(request)
    try:
        if action == "freeze":
            dispatch_freeze(actor=request_user(request), county_code=county, period=period)
            messages.success(request, _("调度表已冻结上报，本月数据不再重算"))
        else:
            written = dispatch_refresh(
                actor=request_user(request), county_code=county, period=period, today=clock.today()
            )
            messages.success(request, _("已按最新数据刷新花名册和零就业名单（%(n)s条）") % {"n": written})
    except InputRefused as exc:
        # The rule ID belongs in the docs and the audit, not the flash message (decision 0487).
        text = "；".join(refusal_messages(exc, with_message=True))
        messages.error(request, _RULE_ID.sub("", text))
    return redirect(back)


@login_required
@never_cache
@require_POST
@role_required(user_can_read_dispatch, gettext_lazy("您的角色无权操作月度调度表"))
def dispatch_freeze_view(request: HttpRequest) -> HttpResponse:
    return _dispatch_post(request, "freeze")


@login_required
@never_cache
@require_POST
@role_required(user_can_read_dispatch, gettext_lazy("您的角色无权操作月度调度表"))
def dispatch_refresh_view(request: HttpRequest) -> HttpResponse:
    return _dispatch_post(request, "refresh")


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(user_can_read_dispatch, gettext_lazy("您的角色无权导出月度调度表"))
def dispatch_download_view(request: HttpRequest) -> HttpResponse:
    county, period, _counties, _periods = _county_and_period(request)
    try:
        table = dispatch_table_get(user=request.user, county_code=county, period=period)
    except NotFound:
        return not_found(request)
    data = dispatch_export(actor=request_user(request), table=table)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="dispatch-{county}-{period}.xlsx"'
    return response


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看零就业户名单"))
def zero_task_list_view(request: HttpRequest) -> HttpResponse:
    township = request.GET.get("township", "")
    status = request.GET.get("status", ZeroTaskStatusChoices.OPEN)
    if status not in {*ZeroTaskStatusChoices.values, ""}:
        status = ZeroTaskStatusChoices.OPEN
    today = clock.today()
    total, overdue, rows = zero_task_list(
        user=request.user, today=today, township=township, status=status, limit=ZERO_LISTED
    )
    return render(
        request,
        "console/zero_tasks.html",
        {
            "rows": rows,
            "total": total,
            "overdue": overdue,
            "more": total > len(rows),
            "townships": zero_task_townships(user=request.user),
            "township": township,
            "status": status,
            "statuses": [*ZeroTaskStatusChoices.choices, ("", _("全部"))],
            "days": ZERO_TASK_DAYS,
            "today": today,
        },
    )
