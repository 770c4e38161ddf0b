"""Case list, case page with the transition forms of the user's role, document upload."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.access import Forbidden, NotFound
from shouwang.accounts.actors import request_user
from shouwang.cases.models import Case
from shouwang.cases.notices import NoticeStageChoices, notice_for_user, notice_render_html, notice_render_pdf
from shouwang.cases.selectors import access_case_by_id
from shouwang.cases.services import CaseConflict, case_document_upload
from shouwang.cases.transitions import move_get
from shouwang.common.errors import InputRefused
from shouwang.common.uploads import upload_limit_message, uploads_refused
from shouwang.console.casepage import case_page_get
from shouwang.console.forms import (
    RISK_CHOICES,
    CaseFilterForm,
    DocumentUploadForm,
    step_data_from_post,
    step_labels,
)
from shouwang.console.permissions import can_read_households
from shouwang.console.selectors import CaseFilters, case_listing_get
from shouwang.console.services import case_transition_submit
from shouwang.console.views.common import not_found, refusal_messages, role_required

PAGE_SIZE = 50
CONFLICT_MESSAGE = gettext_lazy(
    "该案件已被他人处理（您打开页面后有人办理了这一步），请刷新页面查看最新情况后再操作。"
)


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_households, gettext_lazy("您的角色无权查看案件"))
def case_list_view(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    filters = CaseFilters(
        region=data.get("region", ""),
        kind=data.get("kind", ""),
        state=data.get("state", ""),
        due=data.get("due", ""),
    )
    listing = case_listing_get(
        user=request.user, filters=filters, after=data.get("after", ""), limit=PAGE_SIZE
    )
    return render(
        request,
        "console/case_list.html",
        {
            "form": form,
            "listing": listing,
            "picker": listing.picker,
            "link_filters": listing.filters.as_dict(),
        },
    )


def _render_case(
    request: HttpRequest,
    case: Case,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    action: str = "",
) -> HttpResponse:
    return render(
        request,
        "console/case_detail.html",
        {
            "cp": case_page_get(
                case=case,
                user=request.user,
                posted=request.POST if errors else None,
                failed_action=action if errors else "",
            ),
            "errors": errors or [],
            "failed_action": action,
            "upload_form": DocumentUploadForm(),
            "risk_choices": RISK_CHOICES,
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def case_detail_view(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = access_case_by_id(request.user, case_id)
    except NotFound:
        return not_found(request)
    return _render_case(request, case)


@login_required
@never_cache
@require_POST
def case_transition_view(request: HttpRequest, case_id: int) -> HttpResponse:
    action = request.POST.get("action", "")
    try:
        case = access_case_by_id(request.user, case_id, purpose="transition")
        expected = int(request.POST.get("expected_version", "0"))
        updated = case_transition_submit(
            case=case,
            action=action,
            actor=request_user(request),
            data=step_data_from_post(action, request.POST),
            expected_version=expected,
        )
    except NotFound:
        return not_found(request)
    except ValueError:
        return _render_case(
            request, case, status=422, errors=[_("页面数据不完整，请刷新后重试")], action=action
        )
    except CaseConflict:
        case.refresh_from_db()
        return _render_case(request, case, status=409, errors=[str(CONFLICT_MESSAGE)], action=action)
    except Forbidden as exc:
        return _render_case(request, case, status=403, errors=[str(exc)], action=action)
    except InputRefused as exc:
        return _render_case(
            request, case, status=422, errors=refusal_messages(exc, step_labels()), action=action
        )
    move = move_get(updated.kind, action)
    messages.success(
        request,
        _("已办理：%(action)s；当前环节：%(state)s（案件版本 %(version)s）")
        % {
            "action": move.label if move else action,
            "state": updated.get_state_display(),
            "version": updated.version,
        },
    )
    return redirect("console:case_detail", case_id=updated.pk)


@login_required
@never_cache
@require_POST
def case_document_view(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        case = access_case_by_id(request.user, case_id, purpose="document")
    except NotFound:
        return not_found(request)
    if uploads_refused(request):
        return _render_case(request, case, status=413, errors=[upload_limit_message()], action="upload")
    form = DocumentUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_case(request, case, status=422, errors=[_("请选择材料类型和文件")], action="upload")
    upload = form.cleaned_data["file"]
    try:
        doc = case_document_upload(
            case=case,
            actor=request_user(request),
            kind=form.cleaned_data["kind"],
            filename=upload.name or "upload",
            content=upload,
        )
    except Forbidden as exc:
        return _render_case(request, case, status=403, errors=[str(exc)], action="upload")
    except InputRefused as exc:
        return _render_case(request, case, status=422, errors=refusal_messages(exc), action="upload")
    messages.success(request, _("已上传：%(name)s") % {"name": doc.filename})
    return redirect("console:case_detail", case_id=case.pk)


@login_required
@never_cache
@require_http_methods(["GET"])
def case_notice_view(request: HttpRequest, case_id: int, stage: str) -> HttpResponse:
    """The village's printable notice (公示, R-ID-03 / R-ELIM-04) or announcement (公告) for the case's kind,
    which lists this household with the others of the same stage; ``?format=pdf`` for the PDF. The rules and
    the audit row (an export: it names households) are ``cases.notices.notice_for_user``'s."""
    if stage not in NoticeStageChoices.values:
        raise Http404(stage)
    fmt = "pdf" if request.GET.get("format") == "pdf" else "html"
    try:
        case = access_case_by_id(request.user, case_id, purpose="notice")
        notice = notice_for_user(
            user=request_user(request),
            village_code=case.household.village_id,
            kind=case.kind,
            stage=stage,
            format=fmt,
        )
    except NotFound:
        return not_found(request)
    if fmt == "pdf":
        response = HttpResponse(notice_render_pdf(notice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="notice-{case.household.village_id}-{stage}.pdf"'
        return response
    return HttpResponse(notice_render_html(notice), content_type="text/html; charset=utf-8")
