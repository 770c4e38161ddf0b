"""Work at home and the transport subsidy in the console (POLICY R-EMP-08/09): the 帮扶车间 roll with its
quarterly status history and check action, the 以工代赈 projects with their remuneration share, and the
交通补助 list with the reason per person, its notice list and payment file. Adapters only: the rules are
``workshops.services`` / ``employment.services.transport``'s, the reads their selectors'."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import Forbidden, NotFound, signed_in_with_region
from shouwang.accounts.actors import request_user
from shouwang.accounts.choices import RoleChoices
from shouwang.common.errors import InputRefused
from shouwang.console.views.common import forbidden, not_found, refusal_messages, role_required
from shouwang.console.workforms import ParticipantForm, ReliefProjectForm, WorkerForm, WorkshopForm
from shouwang.employment.layout import month_text
from shouwang.employment.selectors import transport_list
from shouwang.employment.services.transport import (
    transport_export_audit,
    transport_subsidy_compute,
    transport_subsidy_rows,
    transport_workbook,
)
from shouwang.regions.models import Region
from shouwang.workshops.choices import STATUS_BADGES, WorkshopStatusChoices
from shouwang.workshops.periods import quarter_label, quarter_of
from shouwang.workshops.selectors import (
    access_relief_project_by_id,
    access_workshop_by_id,
    can_read_workshops,
    person_for_roll,
    relief_project_detail,
    relief_project_list,
    villages_in,
    workshop_checks,
    workshop_list,
    workshop_status_counts,
    workshop_workers,
)
from shouwang.workshops.services import (
    CHECK_ROLES,
    REGISTER_ROLES,
    WORKER_ROLES,
    relief_participant_add,
    relief_project_create,
    workshop_check_quarter,
    workshop_register,
    workshop_worker_add,
    workshop_worker_end,
)

READ_REFUSED = gettext_lazy("您的角色无权查看帮扶车间、以工代赈和交通补助")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _role(user: Any) -> str:
    official = signed_in_with_region(user)
    return official.role if official is not None else ""


def _previous_quarter(today: dt.date) -> str:
    month = today.month - 3
    year = today.year - (1 if month < 1 else 0)
    return quarter_of(f"{year}-{(month - 1) % 12 + 1:02d}")


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def workshop_list_view(request: HttpRequest) -> HttpResponse:
    return _workshop_list(request)


def _workshop_list(
    request: HttpRequest, *, errors: list[str] | None = None, quarter: str = ""
) -> HttpResponse:
    user = request.user
    status = request.GET.get("status", "")
    if status not in WorkshopStatusChoices.values:
        status = ""
    rows = list(workshop_list(user=user, status=status))
    towns = _names({w.township_code for w in rows})
    items = [
        {
            "workshop": w,
            "township": towns.get(w.township_code, ""),
            "badge": STATUS_BADGES.get(w.status, ""),
            "last_checked": quarter_label(w.last_checked) if w.last_checked else "",
            "failing_since": quarter_label(w.failing_since) if w.failing_since else "",
        }
        for w in rows
    ]
    counts = workshop_status_counts(user=user)
    return render(
        request,
        "console/workshop_list.html",
        {
            "items": items,
            "status": status,
            "counts": [(s.value, s.label, counts[s.value]) for s in WorkshopStatusChoices],
            "can_check": _role(user) in CHECK_ROLES,
            "can_register": _role(user) in REGISTER_ROLES,
            "quarter": quarter or _previous_quarter(dt.date.today()),
            "errors": errors or [],
            "tab": "workshops",
        },
        status=422 if errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["POST"])
@role_required(lambda u: _role(u) in CHECK_ROLES, gettext_lazy("只有县级及以上可以开展车间季度检查"))
def workshop_check_view(request: HttpRequest) -> HttpResponse:
    quarter = request.POST.get("quarter", "").strip().upper()
    try:
        result = workshop_check_quarter(quarter=quarter, actor=request_user(request))
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        return _workshop_list(request, errors=refusal_messages(exc, {"quarter": _("季度")}), quarter=quarter)
    messages.success(
        request,
        _("%(q)s检查帮扶车间%(n)d个，达标%(p)d个，状态变化%(c)d个")
        % {"q": quarter_label(quarter), "n": result.checked, "p": result.passed, "c": len(result.changed)},
    )
    return redirect("console:workshop_list")


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def workshop_detail_view(request: HttpRequest, workshop_id: int) -> HttpResponse:
    try:
        workshop = access_workshop_by_id(request.user, workshop_id)
    except NotFound:
        return not_found(request)
    month = dt.date.today().strftime("%Y-%m")
    spells = list(workshop_workers(workshop=workshop))
    current = sum(1 for w in spells if w.from_month <= month <= (w.to_month or month))
    workers = [
        {
            "w": w,
            "from": month_text(w.from_month),
            "to": month_text(w.to_month) if w.to_month else "",
            "open": not w.to_month or w.to_month >= month,
        }
        for w in spells
    ]
    labels = dict(WorkshopStatusChoices.choices)
    checks = [
        {
            "c": c,
            "quarter": quarter_label(c.quarter),
            "before": labels.get(c.status_before, ""),
            "after": labels.get(c.status_after, ""),
            "badge": STATUS_BADGES.get(c.status_after, ""),
        }
        for c in workshop_checks(workshop=workshop)
    ]
    names = _names({workshop.township_code})
    return render(
        request,
        "console/workshop_detail.html",
        {
            "workshop": workshop,
            "township": names.get(workshop.township_code, ""),
            "badge": STATUS_BADGES.get(workshop.status, ""),
            "failing_since": quarter_label(workshop.failing_since) if workshop.failing_since else "",
            "last_checked": quarter_label(workshop.last_checked) if workshop.last_checked else "",
            "workers": workers,
            "current": current,
            "checks": checks,
            "can_add_worker": _role(request.user) in WORKER_ROLES and workshop.status != "cleared",
            "tab": "workshops",
        },
    )


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else dt.date.today().year


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def relief_project_list_view(request: HttpRequest) -> HttpResponse:
    year_raw = request.GET.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else None
    rows = relief_project_list(user=request.user, year=year)
    return render(
        request,
        "console/relief_project_list.html",
        {
            "rows": rows,
            "year": year,
            "tab": "relief",
            "flagged": sum(1 for r in rows if r.flags),
            "can_register": _role(request.user) in REGISTER_ROLES,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def relief_project_detail_view(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        project = access_relief_project_by_id(request.user, project_id)
    except NotFound:
        return not_found(request)
    summary, people = relief_project_detail(project=project, user=request.user)
    villages = _names({p.household.village_id for p in people})
    rows = [
        {
            "p": p,
            "village": villages.get(p.household.village_id, ""),
            "from": month_text(p.from_month),
            "to": month_text(p.to_month),
        }
        for p in people
    ]
    return render(
        request,
        "console/relief_project_detail.html",
        {
            "s": summary,
            "project": project,
            "rows": rows,
            "tab": "relief",
            "can_add": _role(request.user) in REGISTER_ROLES | WORKER_ROLES,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def transport_subsidy_view(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    listing = transport_list(user=request.user, year=year, county=request.GET.get("county", ""))
    if listing is None:
        return not_found(request)
    names = _names({c.village_code for c in listing.candidates} | {listing.county})
    rows = [
        {
            "c": c,
            "village": names.get(c.village_code, ""),
            "status": c.stored.get_status_display() if c.stored is not None else "",
            "paid": c.stored is not None and c.stored.status == "paid",
        }
        for c in listing.candidates
    ]
    role = _role(request.user)
    return render(
        request,
        "console/transport_subsidy.html",
        {
            "listing": listing,
            "county_name": names.get(listing.county, ""),
            "rows": rows,
            "year": year,
            "years": list(range(dt.date.today().year, dt.date.today().year - 4, -1)),
            "can_compute": role == RoleChoices.COUNTY,
            "can_pay_file": role == RoleChoices.COUNTY,
            "rate": f"{listing.paid * 100 / listing.stored:.1f}%" if listing.stored else "—",
            "tab": "transport",
        },
    )


@login_required
@never_cache
@require_http_methods(["POST"])
@role_required(lambda u: _role(u) == RoleChoices.COUNTY, gettext_lazy("只有县级可以测算交通补助名单"))
def transport_subsidy_compute_view(request: HttpRequest) -> HttpResponse:
    official = request_user(request)
    year_raw = request.POST.get("year", "")
    year = int(year_raw) if year_raw.isdigit() else 0
    try:
        result = transport_subsidy_compute(county=official.region_code[:6], year=year, actor=official)
    except InputRefused as exc:
        for m in refusal_messages(exc):
            messages.error(request, m)
        return redirect("console:transport_subsidy")
    messages.success(
        request,
        _("已按务工月监测数据测算%(y)d年度交通补助：应补%(n)d人（新增%(c)d，更新%(u)d，移出%(r)d）")
        % {"y": year, "n": result.eligible, "c": result.created, "u": result.updated, "r": result.removed},
    )
    return redirect(reverse("console:transport_subsidy") + f"?year={year}")


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_workshops, READ_REFUSED)
def transport_subsidy_file_view(request: HttpRequest, kind: str) -> HttpResponse:
    """The notice list (masked IDs, any reader) or the payment file (clear IDs, county officials only)."""
    if kind not in ("notice", "payment"):
        return not_found(request)
    if kind == "payment" and _role(request.user) != RoleChoices.COUNTY:
        return forbidden(request, _("只有县级可以下载交通补助发放清单（含明文证件号码）"))
    year = _year(request)
    listing = transport_list(user=request.user, year=year, county=request.GET.get("county", ""))
    if listing is None:
        return not_found(request)
    rows = transport_subsidy_rows(county=listing.county, year=year, region=listing.region)
    data = transport_workbook(rows=rows, kind=kind, county=listing.county, year=year)
    transport_export_audit(
        actor=request_user(request),
        county=listing.county,
        year=year,
        kind=kind,
        rows=len(rows),
        region=listing.region,
    )
    stem = "notice" if kind == "notice" else "payment"
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="transport-subsidy-{stem}-{listing.county}-{year}.xlsx"'
    )
    return response


def _field_errors(form: Any, exc: InputRefused, general: list[str]) -> None:
    """Each refusal under the field it names (the services name the form's fields), the rest on top."""
    for e in exc.errors or []:
        if e.column in form.fields:
            form.add_error(e.column, e.reason)
        else:
            general.append(e.reason)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(lambda u: _role(u) in REGISTER_ROLES, gettext_lazy("只有县级可以认定帮扶车间"))
def workshop_create_view(request: HttpRequest) -> HttpResponse:
    form = WorkshopForm(request.POST or None, villages=villages_in(user=request.user))
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            workshop = workshop_register(
                actor=request_user(request),
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                village_code=form.cleaned_data["village"],
                operator=form.cleaned_data["operator"],
                recognised_on=form.cleaned_data["recognised_on"],
                recognition_doc=form.cleaned_data["recognition_doc"],
            )
        except InputRefused as exc:
            _field_errors(form, exc, general)
        else:
            messages.success(request, _("帮扶车间已认定"))
            return redirect("console:workshop_detail", workshop_id=workshop.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "general": general, "title": _("认定帮扶车间"), "tab": "workshops"}
    context["back"] = reverse("console:workshop_list")
    return render(request, "console/work_form.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(lambda u: _role(u) in WORKER_ROLES, gettext_lazy("您的角色无权登记车间务工人员"))
def workshop_worker_create_view(request: HttpRequest, workshop_id: int) -> HttpResponse:
    try:
        workshop = access_workshop_by_id(request.user, workshop_id)
    except NotFound:
        return not_found(request)
    form = WorkerForm(request.POST or None)
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        person_id = person_for_roll(user=request.user, id_number=form.cleaned_data["id_number"])
        if person_id is None:
            form.add_error("id_number", _("本辖区没有该证件号码的登记人员"))
        else:
            try:
                workshop_worker_add(
                    actor=request_user(request),
                    workshop=workshop,
                    person_id=person_id,
                    from_month=form.cleaned_data["from_month"],
                    to_month=form.cleaned_data["to_month"] or "",
                    monthly_pay=form.cleaned_data["monthly_pay"],
                )
            except InputRefused as exc:
                _field_errors(form, exc, general)
            else:
                messages.success(request, _("务工人员已登记"))
                return redirect(reverse("console:workshop_detail", args=[workshop.pk]) + "#workers")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "general": general,
        "title": _("登记务工人员：%(name)s") % {"name": workshop.name},
        "back": reverse("console:workshop_detail", args=[workshop.pk]),
        "tab": "workshops",
    }
    return render(request, "console/work_form.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(lambda u: _role(u) in REGISTER_ROLES, gettext_lazy("只有县级可以登记以工代赈项目"))
def relief_project_create_view(request: HttpRequest) -> HttpResponse:
    form = ReliefProjectForm(request.POST or None, initial={"year": dt.date.today().year})
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            project = relief_project_create(
                actor=request_user(request),
                name=form.cleaned_data["name"],
                county_code=request_user(request).region_code[:6],
                year=form.cleaned_data["year"],
                central_investment=form.cleaned_data["central_investment"],
                total_investment=form.cleaned_data["total_investment"],
                planned_remuneration=form.cleaned_data["planned_remuneration"],
            )
        except InputRefused as exc:
            _field_errors(form, exc, general)
        else:
            messages.success(request, _("以工代赈项目已登记"))
            return redirect("console:relief_project_detail", project_id=project.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "general": general,
        "title": _("登记以工代赈项目"),
        "back": reverse("console:relief_project_list"),
        "tab": "relief",
    }
    return render(request, "console/work_form.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(
    lambda u: _role(u) in REGISTER_ROLES | WORKER_ROLES, gettext_lazy("您的角色无权登记以工代赈务工人员")
)
def relief_participant_create_view(request: HttpRequest, project_id: int) -> HttpResponse:
    try:
        project = access_relief_project_by_id(request.user, project_id)
    except NotFound:
        return not_found(request)
    form = ParticipantForm(request.POST or None)
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        person_id = person_for_roll(user=request.user, id_number=form.cleaned_data["id_number"])
        if person_id is None:
            form.add_error("id_number", _("本辖区没有该证件号码的登记人员"))
        else:
            try:
                relief_participant_add(
                    actor=request_user(request),
                    project=project,
                    person_id=person_id,
                    from_month=form.cleaned_data["from_month"],
                    to_month=form.cleaned_data["to_month"],
                    pay=form.cleaned_data["pay"],
                    paid_on=form.cleaned_data["paid_on"],
                )
            except InputRefused as exc:
                _field_errors(form, exc, general)
            else:
                messages.success(request, _("务工人员及劳务报酬已登记"))
                return redirect("console:relief_project_detail", project_id=project.pk)
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "general": general,
        "title": _("登记务工人员：%(name)s") % {"name": project.name},
        "back": reverse("console:relief_project_detail", args=[project.pk]),
        "tab": "relief",
    }
    return render(request, "console/work_form.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["POST"])
@role_required(lambda u: _role(u) in WORKER_ROLES, gettext_lazy("您的角色无权登记车间务工人员"))
def workshop_worker_end_view(request: HttpRequest, workshop_id: int, worker_id: int) -> HttpResponse:
    """A worker leaves (离岗): the spell's last month; the refusal as a message on the workshop page."""
    try:
        workshop = access_workshop_by_id(request.user, workshop_id)
    except NotFound:
        return not_found(request)
    worker = workshop_workers(workshop=workshop).filter(pk=worker_id).first()
    if worker is None:
        return not_found(request)
    try:
        workshop_worker_end(
            actor=request_user(request), worker=worker, to_month=request.POST.get("to_month", "")
        )
    except InputRefused as exc:
        for m in refusal_messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("已登记离岗"))
    return redirect(reverse("console:workshop_detail", args=[workshop.pk]) + "#workers")
