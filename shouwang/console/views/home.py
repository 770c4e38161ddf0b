"""The home page: the work queue for officials; others go to their first page."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from shouwang.console.permissions import (
    can_read_audit,
    can_read_households,
    can_view_dashboard,
    has_work_queue,
)
from shouwang.console.workqueue import work_queue_get


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if has_work_queue(user):
        return render(request, "console/home.html", {"sections": work_queue_get(user=user)})
    if can_view_dashboard(user):
        return redirect("console:dashboard")
    if can_read_households(user):
        return redirect("console:household_list")
    if can_read_audit(user):
        return redirect("console:audit_list")
    return render(request, "console/welcome.html")
