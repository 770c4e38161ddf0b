"""Warnings list (with "turn into a clue"), self-report answer page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.channels.services import (
    access_self_report_by_code,
    self_report_respond,
    self_report_reveal_phone,
)
from shouwang.common.errors import InputRefused
from shouwang.console.forms import RevealForm, SelfReportRespondForm, WarningFilterForm
from shouwang.console.permissions import can_make_clues, can_read_households
from shouwang.console.selectors import (
    WarningFilters,
    access_self_report_for_page,
    self_report_candidates,
    warning_listing_get,
)
from shouwang.console.services import self_report_match, warning_clue_create
from shouwang.console.views.common import (
    forbidden,
    not_found,
    refusal_messages,
    revealed,
    role_required,
    safe_next,
)

PAGE_SIZE = 50


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看预警名单"))
def warning_list_view(request: HttpRequest) -> HttpResponse:
    form = WarningFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    filters = WarningFilters(
        period=data.get("period") or "",
        region=data.get("region", ""),
        status=data.get("status", ""),
        risk_type=data.get("risk_type", ""),
        unverified=bool(data.get("unverified")),
    )
    listing = warning_listing_get(
        user=request.user, filters=filters, after=data.get("after", ""), limit=PAGE_SIZE
    )
    form.set_periods(listing.periods)
    link_filters = listing.filters.as_dict()
    if "unverified" in link_filters:
        link_filters["unverified"] = "1"
    return render(
        request,
        "console/warning_list.html",
        {"form": form, "listing": listing, "picker": listing.picker, "link_filters": link_filters},
    )


@login_required
@never_cache
@require_POST
def warning_clue_view(request: HttpRequest, warning_id: int) -> HttpResponse:
    try:
        clue = warning_clue_create(user=request_user(request), warning_id=warning_id)
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        messages.error(request, "；".join(refusal_messages(exc)))
        return redirect(safe_next(request))
    messages.success(request, _("已转为风险线索，进入案件#%(case)s的核实流程") % {"case": clue.case_id})
    if clue.case_id:
        return redirect("console:case_detail", case_id=clue.case_id)
    return redirect("console:warning_list")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def self_report_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    try:
        report = access_self_report_for_page(user=request.user, tracking_code=tracking_code)
    except NotFound:
        return not_found(request)
    form = SelfReportRespondForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            self_report_respond(
                report=report, actor=request_user(request), response=form.cleaned_data["response"]
            )
        except Forbidden as exc:
            return forbidden(request, str(exc))
        except InputRefused as exc:
            errors = refusal_messages(exc)
        else:
            messages.success(request, _("已答复，群众可凭查询码查看答复并签单确认"))
            return redirect("console:self_report_detail", tracking_code=report.tracking_code)
    q = (request.GET.get("q") or "").strip()[:64]
    return render(
        request,
        "console/self_report.html",
        {
            "report": report,
            "form": form,
            "errors": errors,
            "q": q,
            "candidates": self_report_candidates(user=request.user, report=report, q=q),
            "can_match": can_make_clues(request.user),
            "reveal_form": RevealForm(),
        },
        status=422 if errors else 200,
    )


@login_required
@never_cache
@require_POST
def self_report_match_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """Staff picked the household of a report filed without an ID: its clue joins or opens that case."""
    try:
        report = access_self_report_by_code(request.user, tracking_code)
        case = self_report_match(
            user=request_user(request), report=report, household_no=request.POST.get("household_no", "")
        )
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        messages.error(request, "；".join(refusal_messages(exc, with_message=True)))
        return redirect("console:self_report_detail", tracking_code=tracking_code)
    messages.success(
        request,
        _("已匹配到农户%(no)s，申报转入案件#%(case)s；核实后请答复群众")
        % {"no": case.household.household_no, "case": case.pk},
    )
    return redirect("console:self_report_detail", tracking_code=report.tracking_code)


@login_required
@never_cache
@require_POST
def self_report_reveal_phone_view(request: HttpRequest, tracking_code: str) -> HttpResponse:
    return revealed(
        request,
        lambda reason: self_report_reveal_phone(
            report=access_self_report_by_code(request.user, tracking_code),
            actor=request_user(request),
            reason=reason,
        ),
        label=_("申报人联系电话"),
        back_url=reverse("console:self_report_detail", args=[tracking_code.strip().upper()]),
        back_label=_("返回申报页面"),
    )
