"""Sign-in and sign-out (audited by ``console.services``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shouwang.console.forms import LoginForm
from shouwang.console.services import LoginLocked, session_login, session_logout
from shouwang.console.views.common import safe_next


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request))
    form = LoginForm(request.POST if request.method == "POST" else None)
    failed = locked = False
    if form.is_bound and form.is_valid():
        try:
            user = session_login(request=request, **form.cleaned_data)
        except LoginLocked:
            locked = True
        else:
            if user is not None:
                return redirect(safe_next(request))
            failed = True
    return render(
        request,
        "console/login.html",
        {"form": form, "failed": failed, "locked": locked, "next": safe_next(request)},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Logging out changes state, so it takes a POST (with CSRF); a GET shows the confirmation form.
    # That keeps CSRF tokens off every other page's navigation bar.
    if request.method == "POST":
        session_logout(request=request)
        return redirect("console:login")
    return render(request, "console/logout.html")
