"""The region dashboard (reads only the pre-aggregated statistics)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from shouwang.console.dashboard import dashboard_get
from shouwang.console.forms import DashboardForm
from shouwang.console.permissions import can_view_dashboard
from shouwang.console.views.common import role_required


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_view_dashboard, gettext_lazy("区域统计面向县级、州（市）级、省级和乡镇，以及审计监督人员"))
def dashboard_view(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    board = dashboard_get(
        user=request.user, region_code=data.get("region", ""), period=data.get("period", "")
    )
    if board is not None:
        form.fields["period"].widget.choices = [(p, p) for p in board.periods]
    return render(request, "console/dashboard.html", {"board": board, "form": form})
