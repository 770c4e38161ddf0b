"""The audit log page (auditors and the county; region-scoped by ``accounts.access.access_audit_scope``)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.accounts.access import Forbidden, access_audit_scope
from shouwang.accounts.models import User
from shouwang.audit.selectors import audit_list
from shouwang.console.forms import AuditFilterForm
from shouwang.console.views.common import forbidden
from shouwang.regions.models import Region

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
    # Names for the codes the rows store (issue 14): the actor's display name (the account name in its
    # tooltip and filter link) and each region code's name.
    usernames = {e.actor_label for e in page.entries}
    people = dict(User.objects.filter(username__in=usernames).values_list("username", "display_name"))
    codes = {e.region_code for e in page.entries} - {""}
    regions = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    context = {"form": form, "page": page, "query": query.urlencode(), "people": people, "regions": regions}
    return render(request, "console/audit_list.html", context)
