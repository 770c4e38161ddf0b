"""Excel exports: start one (from any list or the dashboard), follow its progress, download it."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.console.choices import ExportStatusChoices
from shouwang.console.exports import access_export_job_by_id, export_create, export_job_list
from shouwang.console.forms import ExportForm
from shouwang.console.permissions import can_export
from shouwang.console.views.common import forbidden, is_htmx, not_found, role_required

# Filter names an export request may carry (the list pages put their current filters in the form).
EXPORT_FILTERS = (
    "region",
    "monitoring",
    "poverty_status",
    "status",
    "income_band",
    "sort",
    "period",
    "risk_type",
    "unverified",
    "kind",
    "state",
    "due",
)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(can_export, gettext_lazy("您的角色无权导出数据"))
def export_list_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ExportForm(request.POST)
        if not form.is_valid():
            return render(
                request, "console/exports.html", {"jobs": export_job_list(user=request.user)}, status=422
            )
        filters = {k: request.POST.get(f"f_{k}", "") for k in EXPORT_FILTERS}
        try:
            job = export_create(user=request_user(request), kind=form.cleaned_data["kind"], filters=filters)
        except Forbidden as exc:
            return forbidden(request, str(exc))
        if job.status == ExportStatusChoices.SUCCEEDED:
            return redirect("console:export_download", job_id=job.pk)
        return redirect("console:export_list")
    return render(request, "console/exports.html", {"jobs": export_job_list(user=request.user)})


@login_required
@never_cache
@require_http_methods(["GET"])
def export_progress_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job's progress row (htmx polls it until the job has finished)."""
    try:
        job = access_export_job_by_id(request.user, job_id)
    except NotFound:
        return not_found(request)
    template = "console/_export_row.html" if is_htmx(request) else "console/exports.html"
    return render(request, template, {"job": job, "jobs": [job]})


@login_required
@never_cache
@require_http_methods(["GET"])
def export_download_view(request: HttpRequest, job_id: int) -> HttpResponseBase:
    try:
        job = access_export_job_by_id(request.user, job_id)
    except NotFound:
        return not_found(request)
    if job.status != ExportStatusChoices.SUCCEEDED or not job.stored_path:
        return redirect("console:export_list")
    try:
        handle = open(job.stored_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        return not_found(request)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=job.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
