"""Clues without a household (R-ID-01): hotline calls and self-reports without an ID, grid workers' reports
of people not in the registry. Staff find the household in their region and the clue joins or opens its case.
Adapters only: the rules are ``cases.services.clue_household_resolve``'s (through ``console.services``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.cases.selectors import access_clue_by_id
from shouwang.channels.models import SelfReport
from shouwang.common.errors import InputRefused
from shouwang.console.permissions import can_make_clues, can_read_households
from shouwang.console.selectors import household_candidates, unmatched_clues_get
from shouwang.console.services import clue_match
from shouwang.console.views.common import forbidden, not_found, refusal_messages, role_required

CLUES_LISTED = 200


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看风险线索"))
def clue_list_view(request: HttpRequest) -> HttpResponse:
    total, rows = unmatched_clues_get(user=request.user, limit=CLUES_LISTED)
    return render(request, "console/clue_list.html", {"rows": rows, "total": total})


@login_required
@never_cache
@require_http_methods(["GET"])
def clue_detail_view(request: HttpRequest, clue_id: int) -> HttpResponse:
    """One clue: who and what was reported, and — while it has no household — the search to match it."""
    try:
        clue = access_clue_by_id(request.user, clue_id)
    except NotFound:
        return not_found(request)
    # The page shows the reported person's name and description: a look at personal data.
    audit_record(
        actor=request.user,
        action=AuditActionChoices.VIEW,
        object_type="clue",
        object_id=str(clue.pk),
        region_code=clue.village_id,
    )
    q = (request.GET.get("q") or "").strip()[:64]
    candidates = (
        household_candidates(user=request.user, village_code=clue.village_id, q=q)
        if q and clue.household_id is None
        else None
    )
    report = SelfReport.objects.filter(clue=clue).first()
    return render(
        request,
        "console/clue_detail.html",
        {
            "clue": clue,
            "q": q,
            "candidates": candidates,
            "report": report,
            "can_match": can_make_clues(request.user),
        },
    )


@login_required
@never_cache
@require_POST
def clue_match_view(request: HttpRequest, clue_id: int) -> HttpResponse:
    try:
        clue = access_clue_by_id(request.user, clue_id)
        case = clue_match(
            user=request_user(request), clue=clue, household_no=request.POST.get("household_no", "")
        )
    except NotFound:
        return not_found(request)
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        messages.error(request, "；".join(refusal_messages(exc, with_message=True)))
        return redirect("console:clue_detail", clue_id=clue_id)
    messages.success(
        request,
        _("已匹配到农户%(no)s，线索转入案件#%(case)s") % {"no": case.household.household_no, "case": case.pk},
    )
    return redirect("console:case_detail", case_id=case.pk)
