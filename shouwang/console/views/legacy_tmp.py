"""Console pages. Adapters only (STYLE 2): parse the request, call one guard/selector/service, render.

Anything showing personal data is ``never_cache`` so that browsers and proxies keep no copy.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import Forbidden, NotFound, access_household_by_id
from shouwang.audit.selectors import audit_list
from shouwang.console.forms import AuditFilterForm, HouseholdSearchForm, LoginForm, RevealForm
from shouwang.console.permissions import can_read_audit, can_read_households
from shouwang.console.selectors import region_picker_get
from shouwang.console.services import LoginLocked, session_login, session_logout
from shouwang.registry.selectors import household_get_detail, household_list
from shouwang.registry.services import household_reveal_phone, person_reveal_id

PAGE_SIZE = 50


def not_found(request: HttpRequest) -> HttpResponse:
    """The one "not found" page. It echoes nothing from the request, so a household outside the
    user's region and one that does not exist give byte-identical responses."""
    return render(request, "console/404.html", status=404)


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "console/403.html", {"message": message}, status=403)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request))
    form = LoginForm(request.POST if request.method == "POST" else None)
    failed = locked = False
    if form.is_bound and form.is_valid():
        try:
            user = session_login(request=request, **form.cleaned_data)
        except LoginLocked:
            locked = True
        else:
            if user is not None:
                return redirect(_safe_next(request))
            failed = True
    return render(
        request,
        "console/login.html",
        {"form": form, "failed": failed, "locked": locked, "next": _safe_next(request)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Logging out changes state, so it takes a POST (with CSRF); a GET shows the confirmation form.
    # That keeps CSRF tokens off every other page's navigation bar.
    if request.method == "POST":
        session_logout(request=request)
        return redirect("console:login")
    return render(request, "console/logout.html")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if can_read_households(request.user):
        return redirect("console:household_list")
    if can_read_audit(request.user):
        return redirect("console:audit_list")
    return render(request, "console/home.html")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_list_view(request: HttpRequest) -> HttpResponse:
    if not can_read_households(request.user):
        return forbidden(request, _("您的角色无权查看农户信息"))
    form = HouseholdSearchForm(request.POST if request.method == "POST" else request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    picker = region_picker_get(user=request.user, region_code=data.get("region", ""))
    page = household_list(
        user=request.user,
        q=data.get("q", ""),
        region_code=picker.current.code if picker else "",
        after=data.get("after", ""),
        limit=PAGE_SIZE,
    )
    return render(
        request,
        "console/household_list.html",
        {
            "form": form,
            "q": data.get("q", ""),
            "picker": picker,
            "page": page,
            "after": data.get("after", ""),
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
        {"detail": household_get_detail(household=household), "reveal_form": RevealForm()},
    )


@login_required
@never_cache
@require_POST
def person_reveal_id_view(request: HttpRequest, household_no: str, person_id: int) -> HttpResponse:
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        number = person_reveal_id(
            user=request.user, household_no=household_no, person_id=person_id, reason=reason
        )
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    return render(
        request,
        "console/revealed.html",
        {"household_no": household_no, "label": _("完整证件号码"), "value": number},
    )


@login_required
@never_cache
@require_POST
def household_reveal_phone_view(request: HttpRequest, household_no: str) -> HttpResponse:
    form = RevealForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        phone = household_reveal_phone(user=request.user, household_no=household_no, reason=reason)
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    return render(
        request,
        "console/revealed.html",
        {"household_no": household_no, "label": _("完整联系电话"), "value": phone},
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def audit_list_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        page = audit_list(
            user=request.user,
            action=filters.get("action", ""),
            object_type=filters.get("object_type", ""),
            object_id=filters.get("object_id", ""),
            actor=filters.get("actor", ""),
            before=filters.get("before"),
            limit=PAGE_SIZE,
        )
    except Forbidden as exc:
        return forbidden(request, str(exc))
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request, "console/audit_list.html", {"form": form, "page": page, "query": query.urlencode()}
    )
