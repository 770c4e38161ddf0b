"""The assistance half of the console: visits (R-ID-06: the lists of follow-up and routine visits due and
overdue in the user's region, and the visit form of one case or of one household without a case, optionally
with the household's new income) and the
elimination review (R-ELIM). Adapters only: the rules are ``cases.services``'s (``visit_record``,
``elimination_refusals``), the lists ``console.workqueue.visits_due`` and ``console.elimination``."""

from collections.abc import Callable
from decimal import Decimal
from functools import partial
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

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.cases import clock
from shouwang.cases.selectors import access_case_by_id, open_identification_case
from shouwang.cases.services import CaseConflict
from shouwang.cases.services.visits import IncomeInput, household_visit_record, visit_record
from shouwang.common.errors import InputRefused
from shouwang.console.elimination import elimination_review_get
from shouwang.console.forms import INCOME_FIELDS, VisitForm
from shouwang.console.permissions import can_read_households, can_record_visits
from shouwang.console.views.common import forbidden, not_found, role_required
from shouwang.console.workqueue import routine_visits_due, visits_due
from shouwang.registry.selectors import access_household_by_id

VISITS_LISTED = 500


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_record_visits, gettext_lazy("您的角色无权登记走访"))
def visits_due_view(request: HttpRequest) -> HttpResponse:
    official = request_user(request)
    today = clock.today()
    rows = visits_due(official, today, cap=VISITS_LISTED + 1)
    routine_total, routine_overdue, routine = routine_visits_due(official, today, limit=VISITS_LISTED)
    by_village = _by_village(rows[:VISITS_LISTED], routine)
    village = request.GET.get("village", "")
    if village in by_village:
        # One village's lists (the summary above stays whole).
        rows = [r for r in rows if r["village_code"] == village]
        routine = [r for r in routine if r["village_code"] == village]
    return render(
        request,
        "console/visits_due.html",
        {
            "rows": rows[:VISITS_LISTED],
            "more": len(rows) > VISITS_LISTED,
            "overdue": sum(1 for r in rows[:VISITS_LISTED] if r["overdue"]),
            "routine": routine,
            "routine_total": routine_total,
            "routine_overdue": routine_overdue,
            "routine_more": routine_total > len(routine) and not village,
            "by_village": sorted(by_village.values(), key=lambda v: (-v["overdue"], v["name"])),
            "village": by_village.get(village),
            "today": today,
        },
    )


def _by_village(rows: list[dict[str, Any]], routine: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per village: follow-up visits due and overdue, routine visits due and overdue (the listed rows)."""
    out: dict[str, dict[str, Any]] = {}
    for kind, items in (("follow_up", rows), ("routine", routine)):
        for r in items:
            v = out.setdefault(
                r["village_code"],
                {
                    "code": r["village_code"],
                    "name": r["village"],
                    "overdue": 0,
                    "follow_up": [0, 0],
                    "routine": [0, 0],
                },
            )
            v[kind][0] += 1
            if r["overdue"]:
                v[kind][1] += 1
                v["overdue"] += 1
    return out


def _income(data: dict[str, Any]) -> IncomeInput | None:
    if not data.get("with_income"):
        return None
    return IncomeInput(
        period=data["income_period"],
        **{name: data.get(name) or Decimal(0) for name in INCOME_FIELDS},
    )


def _visit_form_post(
    request: HttpRequest, form: VisitForm, record: Callable[..., Any]
) -> tuple[bool, list[str], HttpResponse | None]:
    """Validate and record a visit; refusals go under the field they concern. (saved, general errors,
    response to return instead)."""
    general: list[str] = []
    if not form.is_valid():
        return False, general, None
    try:
        record(
            actor=request_user(request),
            visited_on=form.cleaned_data["visited_on"],
            notes=form.cleaned_data["notes"],
            income=_income(form.cleaned_data),
            **{k: form.cleaned_data[k] for k in ("risk_level", "new_risks", "risk_note") if k in form.fields},
        )
    except Forbidden as exc:
        return False, general, forbidden(request, str(exc))
    except CaseConflict:
        general.append(_("案件已被他人更新，请核对后重新提交"))
        return False, general, None
    except InputRefused as exc:
        for e in exc.errors or []:
            # The service names the form's fields ("income.wage" → wage, "income.period" → income_period).
            column = (e.column or "").removeprefix("income.")
            field = "income_period" if column == "period" else column
            if field in form.fields:
                form.add_error(field, e.reason)
            else:
                general.append(e.reason)
        return False, general, None
    messages.success(request, _("走访已登记"))
    return True, general, None


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def visit_create_view(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = access_case_by_id(
            request.user, case_id, purpose="visit" if request.method == "POST" else "view"
        )
    except NotFound:
        return not_found(request)
    form = VisitForm(request.POST or None, initial={"visited_on": clock.today()})
    general: list[str] = []
    if request.method == "POST":
        # The form carries the version it was shown with (like the plan page); a post without one (a
        # script) is compared with nothing, a garbled one is a conflict.
        seen = request.POST.get("expected_version")
        expected = None if seen is None else int(seen) if seen.isdigit() else -1
        record = partial(visit_record, case=case, expected_version=expected)
        saved, general, response = _visit_form_post(request, form, record)
        if response is not None:
            return response
        if saved:
            return redirect("console:case_detail", case_id=case.pk)
        case.refresh_from_db()  # a conflict shows the case as it is now, with its current version
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "console/visit_form.html",
        {"household": case.household, "case": case, "form": form, "general": general},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_visit_create_view(request: HttpRequest, household_no: str) -> HttpResponse:
    """A routine visit (常态化走访) of a household without an open identification case; a household with one
    goes to its case's follow-up visit form (tiers, R-ID-06)."""
    try:
        household = access_household_by_id(
            request.user, household_no, purpose="visit" if request.method == "POST" else "view"
        )
    except NotFound:
        return not_found(request)
    if not can_record_visits(request.user):
        return forbidden(request, _("您的角色无权登记走访"))
    case = open_identification_case(household)
    if case is not None:
        return redirect("console:visit_create", case_id=case.pk)
    form = VisitForm(request.POST or None, initial={"visited_on": clock.today()}, routine=True)
    general: list[str] = []
    if request.method == "POST":
        saved, general, response = _visit_form_post(
            request, form, partial(household_visit_record, household=household)
        )
        if response is not None:
            return response
        if saved:
            return redirect(reverse("console:household_detail", args=[household.household_no]) + "#visits")
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "console/visit_form.html",
        {"household": household, "case": None, "form": form, "general": general},
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看监测户"))
def elimination_review_view(request: HttpRequest) -> HttpResponse:
    rows, total = elimination_review_get(user=request.user)
    return render(
        request,
        "console/elimination.html",
        {"rows": rows, "total": total, "qualifying": sum(1 for r in rows if r.qualifies)},
    )
