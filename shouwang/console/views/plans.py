"""一户一策 in the console: the household's plan (measures, helpers) on its own page, one measure (and a
helper) added at a time. Adapters only: the R-AID rules are ``cases.services.plan_measures_add``'s, and each
refusal is shown under the field it concerns."""

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.cases import clock
from shouwang.cases.models import AssistancePlan, Case
from shouwang.cases.selectors import access_case_by_id
from shouwang.cases.services import (
    CaseConflict,
    HelperInput,
    MeasureInput,
    measure_end,
    plan_contact_set,
    plan_measures_add,
    plan_measures_check,
)
from shouwang.common.errors import InputRefused, RowError
from shouwang.console.forms import PLAN_ROWS, PlanContactForm, PlanHelperForm, PlanMeasureFormSet
from shouwang.console.permissions import can_edit_plans
from shouwang.console.views.common import forbidden, not_found, refusal_messages

# Where a refusal lands: "measures[0].person_id" → that row's person; the whole plan's rules (R-AID-01/05/08,
# column "measures") above the rows; a helper's problems under the helper's fields.
_MEASURE_FIELD = {"person_id": "person"}
_HELPER_FIELD = {"name": "name", "unit": "unit", "phone": "phone", "end_on": "name"}
_ROW = re.compile(r"^measures\[(\d+)\]\.(\w+)$")


def _place(errors: list[RowError], rows: list[Any], helper: PlanHelperForm, plan_errors: list[str]) -> None:
    for e in errors:
        column = e.column or ""
        row = _ROW.match(column)
        if row and int(row.group(1)) < len(rows):
            form = rows[int(row.group(1))]
            field = _MEASURE_FIELD.get(row.group(2), row.group(2))
            if field in form.fields:
                form.add_error(field, e.reason)
                continue
        if column.startswith("helpers"):
            leaf = column.rsplit(".", 1)[-1] if "." in column else "name"
            helper.add_error(_HELPER_FIELD.get(leaf, "name"), e.reason)
            continue
        plan_errors.append(e.reason)


@dataclass
class _PlanForm:
    """The bound plan form and, when its fields parse, what it asks the service to add."""

    rows: Any  # PlanMeasureFormSet
    helper: PlanHelperForm
    valid: bool = False
    filled: list[Any] = field(default_factory=list)
    measures: list[MeasureInput] = field(default_factory=list)
    helpers: list[HelperInput] = field(default_factory=list)


def _plan_form(request: HttpRequest, case: Case, *, bound: bool = True) -> _PlanForm:
    """The form of the plan page (GET, or ``bound=False``: blank rows; POST: the submitted ones), shared by
    saving and the live check so that both hand the service the same measures and helper."""
    members = [
        (p.pk, f"{p.name}（{p.get_relation_display()}）") for p in case.household.members.order_by("id")
    ]
    data = (request.POST or None) if bound else None
    form = _PlanForm(
        rows=PlanMeasureFormSet(
            data,
            prefix="m",
            form_kwargs={"members": members},
            initial=[{"start_on": clock.today()}] * PLAN_ROWS,
        ),
        helper=PlanHelperForm(data, prefix="h"),
    )
    if data is None or not (form.rows.is_valid() and form.helper.is_valid()):
        return form
    form.valid = True
    form.filled = [f for f in form.rows.forms if f.cleaned_data.get("measure_type")]
    form.measures = [
        MeasureInput(
            measure_type=f.cleaned_data["measure_type"],
            item=f.cleaned_data["item"],
            description=f.cleaned_data["description"],
            person_id=f.cleaned_data["person"],
            start_on=f.cleaned_data["start_on"],
            end_on=f.cleaned_data["end_on"],
            amount=f.cleaned_data["amount"],
            loan_term_months=f.cleaned_data["loan_term_months"],
            subsidised=f.cleaned_data["subsidised"],
        )
        for f in form.filled
    ]
    h = form.helper.cleaned_data
    if h["name"] or h["unit"] or h["phone"]:
        start = next((m.start_on for m in form.measures), None) or clock.today()
        form.helpers = [HelperInput(name=h["name"], unit=h["unit"], phone=h["phone"], start_on=start)]
    return form


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_view(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        purpose = "measures" if request.method == "POST" else "view"
        case = access_case_by_id(request.user, case_id, purpose=purpose)
    except NotFound:
        return not_found(request)
    form = _plan_form(request, case)
    plan_errors: list[str] = []
    if form.valid:
        try:
            plan_measures_add(
                case=case,
                actor=request_user(request),
                measures=form.measures,
                helpers=form.helpers,
                expected_version=int(request.POST.get("expected_version") or case.version),
            )
        except Forbidden as exc:
            return forbidden(request, str(exc))
        except CaseConflict:
            plan_errors.append(_("案件已被他人更新，请核对后重新提交"))
            case.refresh_from_db()
        except InputRefused as exc:
            _place(exc.errors or [], form.filled, form.helper, plan_errors)
        else:
            messages.success(request, _("已加入帮扶计划"))
            return redirect("console:plan", case_id=case.pk)
    return _render_plan(request, case, form, plan_errors, PlanContactForm())


def _render_plan(
    request: HttpRequest,
    case: Case,
    form: _PlanForm,
    plan_errors: list[str],
    contact: PlanContactForm,
) -> HttpResponse:
    plan = AssistancePlan.objects.filter(household=case.household).first()
    return render(
        request,
        "console/plan.html",
        {
            "case": case,
            "rows": form.rows,
            "helper": form.helper,
            "plan_errors": plan_errors,
            "contact": contact,
            "plan": plan,
            "measures": list(plan.measures.select_related("person").order_by("start_on", "id"))
            if plan
            else [],
            "helpers": list(plan.helpers.order_by("start_on", "id")) if plan else [],
            "can_edit": can_edit_plans(request.user),
            "today": clock.today(),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@never_cache
@require_POST
def plan_contact_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """Set the monitoring contact (监测联系人) from the plan page; refusals under the contact's fields."""
    try:
        case = access_case_by_id(request.user, case_id, purpose="plan_contact")
    except NotFound:
        return not_found(request)
    contact = PlanContactForm(request.POST)
    if contact.is_valid():
        try:
            plan_contact_set(
                case=case,
                actor=request_user(request),
                name=contact.cleaned_data["contact_name"],
                phone=contact.cleaned_data["contact_phone"],
            )
        except Forbidden as exc:
            return forbidden(request, str(exc))
        except InputRefused as exc:
            for e in exc.errors or []:
                contact.add_error(e.column if e.column in contact.fields else "contact_name", e.reason)
        else:
            messages.success(request, _("已登记监测联系人"))
            return redirect("console:plan", case_id=case.pk)
    return _render_plan(request, case, _plan_form(request, case, bound=False), [], contact)


@login_required
@never_cache
@require_POST
def plan_check_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """The live check of the plan form (htmx, on input): the same form parsing and the same service rules
    as saving (``cases.services.plan_measures_check``, a dry run), nothing written. Answers with every
    error slot of the form, swapped out of band, so the refusals appear next to their fields as the user
    fills the form in; without JavaScript, submitting checks the same way."""
    try:
        case = access_case_by_id(request.user, case_id, purpose="check")
    except NotFound:
        return not_found(request)
    form = _plan_form(request, case)
    plan_errors: list[str] = []
    if form.valid:
        try:
            errors = plan_measures_check(
                case=case, actor=request_user(request), measures=form.measures, helpers=form.helpers
            )
        except Forbidden as exc:
            return forbidden(request, str(exc))
        _place(errors, form.filled, form.helper, plan_errors)
    return render(
        request,
        "console/_plan_checked.html",
        {"rows": form.rows, "helper": form.helper, "plan_errors": plan_errors},
    )


@login_required
@never_cache
@require_POST
def measure_end_view(request: HttpRequest, case_id: int, measure_id: int) -> HttpResponse:
    """End one measure (the date and a reason from the row's small form); refusals come back as a message."""
    try:
        case = access_case_by_id(request.user, case_id, purpose="measures")
        ended_on = dt.date.fromisoformat(request.POST.get("ended_on") or clock.today().isoformat())
        measure = measure_end(
            case=case,
            measure_id=measure_id,
            actor=request_user(request),
            ended_on=ended_on,
            reason=(request.POST.get("reason") or "").strip(),
        )
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except ValueError:
        messages.error(request, _("结束日期格式应为YYYY-MM-DD"))
    except InputRefused as exc:
        messages.error(request, "；".join(refusal_messages(exc, with_message=True)))
    else:
        messages.success(request, _("已结束措施：%(label)s") % {"label": measure.get_measure_type_display()})
    return redirect("console:plan", case_id=case_id)
