"""产业帮扶 pages (POLICY §12; docs/industry.md): the business entities (filters by type and status), one
entity with its 双绑 agreements and payouts, and the 双绑 coverage per township with the 未绑 and 单绑
households; the 小额信贷 overdue bulletin of a month with the overdue loans (R-AID-06). Adapters
only: the reads are ``industry.selectors``'s, which scope by role and region."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import NotFound
from shouwang.console.permissions import can_read_households
from shouwang.console.views.common import not_found, role_required
from shouwang.industry.choices import EntityStatusChoices, EntityTypeChoices
from shouwang.industry.selectors import (
    access_entity_by_id,
    coverage_report,
    entity_get_detail,
    entity_rows,
    loan_bulletin,
    loan_overdue_list,
    loan_periods,
)

ENTITIES_LISTED = 500
LOANS_LISTED = 500
_NO_ACCESS = gettext_lazy("您的角色无权查看产业帮扶信息")


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, _NO_ACCESS)
def industry_entity_list_view(request: HttpRequest) -> HttpResponse:
    entity_type = request.GET.get("type", "")
    status = request.GET.get("status", "")
    entity_type = entity_type if entity_type in EntityTypeChoices.values else ""
    status = status if status in EntityStatusChoices.values else ""
    rows = entity_rows(user=request.user, entity_type=entity_type, status=status, limit=ENTITIES_LISTED + 1)
    return render(
        request,
        "console/industry_entities.html",
        {
            "rows": rows[:ENTITIES_LISTED],
            "more": len(rows) > ENTITIES_LISTED,
            "types": EntityTypeChoices.choices,
            "statuses": EntityStatusChoices.choices,
            "entity_type": entity_type,
            "status": status,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, _NO_ACCESS)
def industry_entity_detail_view(request: HttpRequest, credit_code: str) -> HttpResponse:
    try:
        entity = access_entity_by_id(request.user, credit_code)
    except NotFound:
        return not_found(request)
    detail = entity_get_detail(user=request.user, entity=entity)
    return render(request, "console/industry_entity.html", {"d": detail, "today": timezone.localdate()})


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, _NO_ACCESS)
def industry_coverage_view(request: HttpRequest) -> HttpResponse:
    report = coverage_report(user=request.user, on=timezone.localdate())
    return render(request, "console/industry_coverage.html", {"report": report})


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, _NO_ACCESS)
def industry_loans_view(request: HttpRequest) -> HttpResponse:
    """The month's 小额信贷 bulletin per township and the overdue loans; ``?period=YYYY-MM`` (default: the
    latest month a bank file reported in the user's scope)."""
    periods = loan_periods(user=request.user)
    period = request.GET.get("period", "")
    if period not in periods:
        period = periods[0] if periods else timezone.localdate().strftime("%Y-%m")
    rows, total = loan_bulletin(user=request.user, period=period)
    overdue = loan_overdue_list(user=request.user, period=period, limit=LOANS_LISTED + 1)
    return render(
        request,
        "console/industry_loans.html",
        {
            "period": period,
            "periods": periods,
            "rows": rows,
            "total": total,
            "overdue": overdue[:LOANS_LISTED],
            "more": len(overdue) > LOANS_LISTED,
        },
    )
