"""Public self-report pages (找政府): phone-first, large text, no login, no JavaScript. Adapters only:
each view calls one service or selector (STYLE 2)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import NotFound
from shouwang.channels import services
from shouwang.channels.choices import DepartmentItemChoices, FilingModeChoices
from shouwang.common.errors import InputRefused
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region

ROOT_REGION = "53"  # 云南省: the tree the citizen walks down to their village


@require_http_methods(["GET", "POST"])
def self_report_form(request: HttpRequest) -> HttpResponse:
    code = (request.POST.get("village_code") or request.GET.get("region") or ROOT_REGION).strip()
    region = Region.objects.filter(code=code).first() or Region.objects.filter(code=ROOT_REGION).first()
    if region is None:
        raise Http404
    context: dict = {
        "region": region,
        "items": DepartmentItemChoices.choices,
        "modes": FilingModeChoices.choices[:2],
    }
    context["path"] = list(Region.objects.filter(code__in=[code[:n] for n in (2, 4, 6, 9) if n < len(code)]))
    if region.level != RegionLevelChoices.VILLAGE:
        context["children"] = region.children.order_by("code")
        return render(request, "channels/self_report_pick.html", context)
    if request.method == "POST":
        try:
            report, duplicate = services.self_report_submit(
                village_code=region.code,
                difficulty=request.POST.get("difficulty", ""),
                subject_name=request.POST.get("subject_name", ""),
                contact_phone=request.POST.get("contact_phone", ""),
                filing_mode=request.POST.get("filing_mode", FilingModeChoices.SELF),
                reporter_name=request.POST.get("reporter_name", ""),
                subject_id_number=request.POST.get("id_number", ""),
                description=request.POST.get("description", ""),
                ip=str(request.META.get("REMOTE_ADDR", "")),
            )
        except InputRefused as exc:
            context.update(errors=exc.errors, form=request.POST)
            return render(request, "channels/self_report_form.html", context, status=422)
        except services.RateLimited as exc:
            context.update(errors=[], limit_message=exc.message, form=request.POST)
            response = render(request, "channels/self_report_form.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        target = f"/self-report/track/{report.tracking_code}/"
        return redirect(target + ("?dup=1" if duplicate else "?new=1"))
    context["form"] = {}
    return render(request, "channels/self_report_form.html", context)


def _not_found(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """The citizens' own not-found page (their style, the way back), not the console's."""
    context = {"code": tracking_code[:12]}
    return render(request, "channels/self_report_not_found.html", context, status=404)


@require_http_methods(["GET"])
def self_report_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "").strip().upper()
    if code:
        return redirect(f"/self-report/track/{code}/")
    return render(request, "channels/self_report_lookup.html", {})


@require_http_methods(["GET", "POST"])
def self_report_track(request: HttpRequest, tracking_code: str) -> HttpResponse:
    error = ""
    if request.method == "POST":
        choice = request.POST.get("satisfied", "")
        try:
            if choice not in ("yes", "no"):  # nothing is preselected: the citizen must say
                raise InputRefused("请选择您对办理结果是否满意", [])
            services.self_report_confirm(
                tracking_code=tracking_code,
                satisfied=choice == "yes",
                comment=request.POST.get("comment", ""),
            )
        except NotFound:
            return _not_found(request, tracking_code)
        except InputRefused as exc:
            error = exc.message
    if request.method == "GET":
        try:
            services.self_report_lookup_throttle(
                ip=str(request.META.get("REMOTE_ADDR", "")), tracking_code=tracking_code
            )
        except services.RateLimited as exc:
            response = render(request, "channels/self_report_lookup.html", {"error": exc.message}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
    try:
        status = services.self_report_public_status(tracking_code=tracking_code)
    except NotFound:
        return _not_found(request, tracking_code)
    return render(
        request,
        "channels/self_report_track.html",
        {"s": status, "error": error, "new": "new" in request.GET, "dup": "dup" in request.GET},
    )
