"""Sign-in and sign-out (audited by ``console.services``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from shouwang.accounts.throttle import LoginThrottled, wait_text
from shouwang.console.forms import LoginForm
from shouwang.console.services import session_login, session_logout
from shouwang.console.views.common import safe_next


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request))
    form = LoginForm(request.POST if request.method == "POST" else None)
    failed = False
    throttled: LoginThrottled | None = None
    if form.is_bound and form.is_valid():
        try:
            user = session_login(request=request, **form.cleaned_data)
        except LoginThrottled as exc:
            throttled = exc
        else:
            if user is not None:
                return redirect(safe_next(request))
            failed = True
    response = render(
        request,
        "console/login.html",
        {
            "form": form,
            "failed": failed,
            "wait": wait_text(throttled.retry_after) if throttled else "",
            "next": safe_next(request),
        },
        status=429 if throttled else 200,
    )
    if throttled:
        response["Retry-After"] = str(throttled.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Logging out changes state, so it takes a POST (with CSRF); a GET shows the confirmation form.
    # That keeps CSRF tokens off every other page's navigation bar.
    if request.method == "POST":
        session_logout(request=request)
        return redirect("console:login")
    return render(request, "console/logout.html")
