"""Household list (filters, sorting, keyset pages), the household 360° page, its evidence fragment and
the reveal actions."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import NotFound
from shouwang.accounts.actors import request_user
from shouwang.cases import clock
from shouwang.console.forms import HouseholdFilterForm, HouseholdSearchForm, RevealForm
from shouwang.console.household import household_360_get, household_evidence_get
from shouwang.console.permissions import can_read_households
from shouwang.console.selectors import HouseholdFilters, household_listing_get
from shouwang.console.views.common import is_htmx, not_found, revealed, role_required
from shouwang.employment.selectors import household_work_get
from shouwang.registry.selectors import access_household_by_id
from shouwang.registry.services import household_reveal_phone, person_reveal_id

PAGE_SIZE = 50


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看农户信息"))
def household_list_view(request: HttpRequest) -> HttpResponse:
    search = HouseholdSearchForm(request.POST if request.method == "POST" else request.GET)
    q_data = search.cleaned_data if search.is_valid() else {}
    # Filters always come by GET (they hold no personal data); the search term only ever by POST.
    form = HouseholdFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    posted = request.method == "POST"
    filters = HouseholdFilters(
        q=q_data.get("q", "") if posted else "",
        region=(q_data.get("region", "") if posted else "") or data.get("region", ""),
        monitoring=data.get("monitoring", ""),
        poverty_status=data.get("poverty_status", ""),
        status=data.get("status", ""),
        income_band=data.get("income_band", ""),
        sort=data.get("sort", "") or "household_no",
    )
    after = q_data.get("after", "") if posted else data.get("after", "")
    listing = household_listing_get(user=request.user, filters=filters, after=after, limit=PAGE_SIZE)
    link_filters = {k: v for k, v in listing.filters.as_dict().items() if k != "q"}
    return render(
        request,
        "console/household_list.html",
        {
            "form": form,
            "q": filters.q,
            "picker": listing.picker,
            "listing": listing,
            "page": listing.page,
            "after": after,
            "link_filters": link_filters,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def household_detail_view(request: HttpRequest, household_no: str) -> HttpResponse:
    try:
        household = access_household_by_id(request.user, household_no)
    except NotFound:
        return not_found(request)
    return render(
        request,
        "console/household_detail.html",
        {
            "h360": household_360_get(household=household),
            "reveal_form": RevealForm(),
            "work": household_work_get(household_id=household.pk, month=clock.today().strftime("%Y-%m")),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def household_evidence_view(request: HttpRequest, household_no: str) -> HttpResponse:
    """The department evidence timeline (read from the lake's Parquet files), loaded after the page."""
    try:
        household = access_household_by_id(request.user, household_no, purpose="evidence")
    except NotFound:
        return not_found(request)
    return render(
        request,
        "console/_evidence.html" if is_htmx(request) else "console/evidence.html",
        {"household": household, "entries": household_evidence_get(household=household)},
    )


@login_required
@never_cache
@require_POST
def person_reveal_id_view(request: HttpRequest, household_no: str, person_id: int) -> HttpResponse:
    return revealed(
        request,
        lambda reason: person_reveal_id(
            user=request_user(request), household_no=household_no, person_id=person_id, reason=reason
        ),
        label=_("完整证件号码"),
        back_url=reverse("console:household_detail", args=[household_no]),
        back_label=_("返回农户页面"),
    )


@login_required
@never_cache
@require_POST
def household_reveal_phone_view(request: HttpRequest, household_no: str) -> HttpResponse:
    return revealed(
        request,
        lambda reason: household_reveal_phone(
            user=request_user(request), household_no=household_no, reason=reason
        ),
        label=_("完整联系电话"),
        back_url=reverse("console:household_detail", args=[household_no]),
        back_label=_("返回农户页面"),
    )
