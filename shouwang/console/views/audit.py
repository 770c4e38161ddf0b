"""The audit log page (auditors and the county; region-scoped by ``accounts.access.access_audit_scope``)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import Forbidden, access_audit_scope
from shouwang.audit.selectors import audit_list
from shouwang.console.forms import AuditFilterForm
from shouwang.console.views.common import forbidden

PAGE_SIZE = 50


@login_required
@never_cache
@require_http_methods(["GET"])
def audit_list_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    try:
        page = audit_list(
            scope=access_audit_scope(request.user),
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
