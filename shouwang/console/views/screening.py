"""Screening runs (start — county and above —, progress polled with htmx, result counts), the parameter
editor with versions, and the department delivery batches."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.common.errors import InputRefused
from shouwang.console.forms import ParameterForm, ParameterViewForm, ScreeningRunForm
from shouwang.console.permissions import can_read_batches, can_read_households, can_start_screening
from shouwang.console.selectors import feed_batch_overview_get, parameter_page_get
from shouwang.console.services import screening_run_start
from shouwang.console.views.common import forbidden, is_htmx, not_found, refusal_messages, role_required
from shouwang.exchange.selectors import access_import_batch_by_id
from shouwang.screening.selectors import access_screening_run_by_id, screening_run_list
from shouwang.screening.services import parameter_set


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看筛查运行"))
def screening_run_list_view(request: HttpRequest) -> HttpResponse:
    form = ScreeningRunForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        if not can_start_screening(request.user):
            return forbidden(request, _("只有县级及以上用户可以发起筛查"))
        if form.is_valid():
            try:
                run = screening_run_start(user=request_user(request), **form.cleaned_data)
            except Forbidden as exc:
                return forbidden(request, str(exc))
            except InputRefused as exc:
                errors = refusal_messages(exc, with_message=True)
            else:
                messages.success(
                    request,
                    _("已发起 %(period)s 的筛查（运行#%(run)s），完成后自动刷新区域统计")
                    % {"period": run.period, "run": run.pk},
                )
                return redirect("console:screening_run_detail", run_id=run.pk)
    return render(
        request,
        "console/screening_runs.html",
        {"runs": list(screening_run_list()[:50]), "form": form, "errors": errors},
        status=422 if errors or form.errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def screening_run_detail_view(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        run = access_screening_run_by_id(request.user, run_id)
    except NotFound:
        return not_found(request)
    template = "console/_run_progress.html" if is_htmx(request) else "console/screening_run.html"
    return render(request, template, {"run": run})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看筛查参数"))
def parameter_view(request: HttpRequest) -> HttpResponse:
    view_form = ParameterViewForm(request.GET)
    shown = view_form.cleaned_data if view_form.is_valid() else {}
    form = ParameterForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            param = parameter_set(user=request_user(request), **form.cleaned_data)
        except Forbidden as exc:
            return forbidden(request, str(exc))
        except InputRefused as exc:
            errors = refusal_messages(exc, with_message=True)
        else:
            messages.success(
                request,
                _("已设置新版本：%(key)s v%(version)s")
                % {"key": param.get_key_display(), "version": param.version},
            )
            return redirect(f"{request.path}?region={param.region_code}&year={param.year}")
    page = parameter_page_get(
        user=request.user, region_code=shown.get("region") or "", year=shown.get("year")
    )
    if not form.is_bound:
        form = ParameterForm(initial={"region_code": page["region_code"], "year": page["year"]})
    return render(
        request,
        "console/parameters.html",
        {"page": page, "picker": page["picker"], "form": form, "errors": errors},
        status=422 if errors or form.errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_batches, gettext_lazy("您的角色无权查看部门数据批次"))
def batch_list_view(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "")
    kind = request.GET.get("kind", "")
    overview = feed_batch_overview_get(
        user=request.user, period=period if len(period) == 7 else "", kind=kind if kind.isalpha() else ""
    )
    return render(request, "console/batches.html", {"overview": overview})


@login_required
@never_cache
@require_http_methods(["GET"])
def batch_detail_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    try:
        batch = access_import_batch_by_id(request.user, batch_id)
    except NotFound:
        return not_found(request)
    return render(request, "console/batch_detail.html", {"batch": batch})
