"""Public-welfare posts (公益性岗位, R-EMP-07): the list, a post's page with its recruitment stage and
actions, the application form that shows the eligibility reasons before anything is submitted, the month's
attendance and payments, and dismissal. Adapters only: the rules are ``publicposts.services`` and
``publicposts.eligibility``'s; reads are ``publicposts.selectors``'."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
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

from shouwang.accounts.access import Forbidden, NotFound, signed_in_with_region
from shouwang.accounts.actors import Viewer, request_user
from shouwang.common.errors import InputRefused
from shouwang.console.postforms import (
    ApplicantForm,
    DismissForm,
    PeriodForm,
    PostFilterForm,
    PostForm,
    ReviewForm,
)
from shouwang.console.selectors import region_picker_get
from shouwang.console.views.common import forbidden, not_found, refusal_messages, role_required
from shouwang.publicposts import clock
from shouwang.publicposts.choices import PostStageChoices
from shouwang.publicposts.eligibility import age_on, eligibility_check
from shouwang.publicposts.models import PostApplication, PostHolder, PublicPost
from shouwang.publicposts.parameters import post_params_get
from shouwang.publicposts.selectors import (
    access_post_by_id,
    holder_months,
    holders_in_q,
    post_applications,
    post_holders,
    post_list,
)
from shouwang.publicposts.services import (
    MonthEntry,
    PostInput,
    application_review,
    holder_dismiss,
    holder_renew,
    post_apply,
    post_create,
    post_month_record,
    post_transition,
)
from shouwang.publicposts.transitions import (
    APPLYING_STAGES,
    LOCAL,
    MANAGERS,
    PROCEDURE,
    READERS_OF_POSTS,
    REVIEW_STAGES,
    post_moves_from,
)
from shouwang.regions.choices import RegionLevelChoices
from shouwang.regions.models import Region
from shouwang.registry.choices import COUNTED_RESIDENCE
from shouwang.registry.selectors import access_household_by_id

POSTS_LISTED = 500
FIELD_LABELS = {
    "village_code": "行政村",
    "name": "岗位名称",
    "post_class": "岗位类别",
    "funding": "资金来源",
    "monthly_subsidy": "月补贴",
    "insurance": "保险",
    "places": "岗位数",
    "term_months": "聘期",
}


def _role(user: Viewer, roles: frozenset[str]) -> bool:
    official = signed_in_with_region(user)
    return official is not None and official.role in roles


def can_read_posts(user: Viewer) -> bool:
    return _role(user, READERS_OF_POSTS)


@login_required
@never_cache
@require_http_methods(["GET"])
@role_required(can_read_posts, gettext_lazy("您的角色无权查看公益性岗位"))
def post_list_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    picker = region_picker_get(user=user, region_code=request.GET.get("region", ""))
    form = PostFilterForm(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    vacant = {"yes": True, "no": False}.get(f.get("vacant", ""))
    region = picker.current.code if picker else ""
    qs = post_list(
        user=user,
        village=region if region != user.region_code else "",
        post_class=f.get("post_class", ""),
        stage=f.get("stage", ""),
        vacant=vacant,
    )
    rows = list(qs[: POSTS_LISTED + 1])
    keep = {k: request.GET.get(k, "") for k in ("post_class", "stage", "vacant")}
    return render(
        request,
        "console/post_list.html",
        {
            "rows": rows[:POSTS_LISTED],
            "more": len(rows) > POSTS_LISTED,
            "form": form if form.is_bound else PostFilterForm(),
            "picker": picker,
            "keep": keep,
            "can_manage": _role(user, MANAGERS),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
@role_required(lambda u: _role(u, MANAGERS), gettext_lazy("您的角色无权设立公益性岗位"))
def post_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    villages = [
        (r.code, r.full_name or r.name)
        for r in Region.objects.filter(level=RegionLevelChoices.VILLAGE, code__startswith=user.region_code)
    ]
    form = PostForm(request.POST or None, villages=villages)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            post = post_create(actor=user, data=PostInput(**form.cleaned_data))
        except InputRefused as exc:
            errors = refusal_messages(exc, FIELD_LABELS)
        except (NotFound, Forbidden) as exc:
            return forbidden(request, str(exc) or _("行政村不在您的辖区"))
        else:
            messages.success(request, _("岗位已设立"))
            return redirect("console:post_detail", post_id=post.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "console/post_form.html", {"form": form, "errors": errors}, status=status)


def _stepper(post: PublicPost) -> list[dict[str, str]]:
    labels = dict(PostStageChoices.choices)
    if post.stage not in PROCEDURE:
        return [{"label": str(labels[s]), "state": "done"} for s in PROCEDURE]
    at = [str(s) for s in PROCEDURE].index(post.stage)
    return [
        {"label": str(labels[s]), "state": "done" if i < at else "current" if i == at else "todo"}
        for i, s in enumerate(PROCEDURE)
    ]


def _detail_context(request: HttpRequest, post: PublicPost, **extra: Any) -> dict[str, Any]:
    user = request_user(request)
    holders = list(post_holders(post=post))
    today = clock.today()
    months = [f"{d.year}-{d.month:02d}" for d in _last_months(today, 3)]
    records = holder_months(holders=[h.pk for h in holders])
    return {
        "post": post,
        "path": _stepper(post),
        "actions": [m for m in post_moves_from(post.stage) if user.role in m.roles],
        "others": [
            m for m in post_moves_from(post.stage) if user.role not in m.roles and m.action != "close"
        ],
        "applications": list(post_applications(post=post)),
        "can_review": post.stage in REVIEW_STAGES and user.role in MANAGERS,
        "can_apply": post.stage in APPLYING_STAGES and user.role in LOCAL,
        "can_record": user.role in LOCAL and bool(holders),
        "can_dismiss": user.role in MANAGERS,
        "holders": holders,
        "active": sum(1 for h in holders if h.status == "active"),
        "months": months,
        "month_rows": [
            {"holder": h, "cells": [records.get((h.pk, m)) for m in months]}
            for h in holders
            if h.status == "active"
        ],
        "review_form": ReviewForm(),
        **extra,
    }


def _last_months(today: dt.date, n: int) -> list[dt.date]:
    out, d = [], today.replace(day=1)
    for _i in range(n):
        out.append(d)
        d = (d - dt.timedelta(days=1)).replace(day=1)
    return list(reversed(out))


@login_required
@never_cache
@require_http_methods(["GET"])
def post_detail_view(request: HttpRequest, post_id: int) -> HttpResponse:
    try:
        post = access_post_by_id(request.user, post_id)
    except NotFound:
        return not_found(request)
    return render(request, "console/post_detail.html", _detail_context(request, post))


@login_required
@never_cache
@require_http_methods(["POST"])
def post_transition_view(request: HttpRequest, post_id: int) -> HttpResponse:
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_transition")
    except NotFound:
        return not_found(request)
    action = request.POST.get("action", "")
    seen = request.POST.get("expected_version", "")
    try:
        post_transition(
            post=post,
            action=action,
            actor=request_user(request),
            expected_version=int(seen) if seen.isdigit() else None,
        )
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except NotFound:
        return not_found(request)
    except InputRefused as exc:
        post.refresh_from_db()
        context = _detail_context(request, post, errors=refusal_messages(exc), failed=exc.message)
        return render(request, "console/post_detail.html", context, status=422)
    messages.success(request, _("已办理"))
    return redirect("console:post_detail", post_id=post.pk)


@login_required
@never_cache
@require_http_methods(["POST"])
def application_review_view(request: HttpRequest, post_id: int, application_id: int) -> HttpResponse:
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_review")
    except NotFound:
        return not_found(request)
    application = PostApplication.objects.filter(pk=application_id, post=post).first()
    form = ReviewForm(request.POST)
    if application is None or not form.is_valid():
        return not_found(request)
    try:
        application_review(
            application=application,
            actor=request_user(request),
            approved=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        context = _detail_context(request, post, errors=refusal_messages(exc), failed=exc.message)
        return render(request, "console/post_detail.html", context, status=422)
    messages.success(request, _("审核已登记"))
    return redirect(reverse("console:post_detail", args=[post.pk]) + "#applications")


def _candidates(
    request: HttpRequest, post: PublicPost, form: ApplicantForm
) -> tuple[Any, list[dict[str, Any]]]:
    """The household's counted members, each with the reasons they may not be hired (checked with the
    form's health-check and cadre answers)."""
    try:
        household = access_household_by_id(
            request.user, form.cleaned_data["household_no"], purpose="post_apply"
        )
    except NotFound:
        return None, []
    today = clock.today()
    out = []
    for p in household.members.filter(residence__in=COUNTED_RESIDENCE).order_by("pk"):
        refusals = eligibility_check(
            person=p,
            post=post,
            on=today,
            health_checked=form.cleaned_data["health_checked"],
            cadre_relative=form.cleaned_data["cadre_relative"],
        )
        out.append({"person": p, "age": age_on(p.birth_date, today), "refusals": refusals})
    return household, out


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def post_apply_view(request: HttpRequest, post_id: int) -> HttpResponse:
    """GET with a 户编号: the members and their eligibility; POST: the application of one of them."""
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_apply")
    except NotFound:
        return not_found(request)
    user = request_user(request)
    if user.role not in LOCAL:
        return forbidden(request, _("您的角色无权登记岗位报名"))
    data = request.POST if request.method == "POST" else request.GET
    form = ApplicantForm(data if "household_no" in data else None)
    household: Any = None
    candidates: list[dict[str, Any]] = []
    errors: list[str] = []
    status = 200
    if form.is_bound and form.is_valid():
        household, candidates = _candidates(request, post, form)
        if household is None:
            errors = [_("户编号不存在或不在您的辖区")]
        elif request.method == "POST":
            person_id = form.cleaned_data["person_id"]
            try:
                post_apply(
                    post=post,
                    person_id=person_id or 0,
                    actor=user,
                    health_checked=form.cleaned_data["health_checked"],
                    cadre_relative=form.cleaned_data["cadre_relative"],
                )
            except (Forbidden, NotFound) as exc:
                return forbidden(request, str(exc))
            except InputRefused as exc:
                errors, status = refusal_messages(exc, with_message=True), 422
            else:
                messages.success(request, _("报名已登记"))
                return redirect(reverse("console:post_detail", args=[post.pk]) + "#applications")
    context = {
        "post": post,
        "form": form if form.is_bound else ApplicantForm(),
        "household": household,
        "candidates": candidates,
        "errors": errors,
        "open": post.stage in APPLYING_STAGES,
        "params": post_params_get(region_code=post.village_id, year=clock.today().year),
    }
    return render(request, "console/post_apply.html", context, status=status)


def _money(value: str) -> Decimal | None:
    value = value.strip()
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal(-1)  # refused by the service as out of range, next to its row


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def post_months_view(request: HttpRequest, post_id: int) -> HttpResponse:
    """One month's attendance and subsidy payments of the post's holders."""
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_months")
    except NotFound:
        return not_found(request)
    user = request_user(request)
    if user.role not in LOCAL:
        return forbidden(request, _("您的角色无权登记考勤和补贴发放"))
    today = clock.today()
    previous = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    pform = PeriodForm(request.POST if request.method == "POST" else request.GET or {"period": previous})
    period = pform.cleaned_data["period"] if pform.is_valid() else previous
    holders = list(PostHolder.objects.filter(holders_in_q(period), post=post).select_related("person"))
    records = holder_months(holders=[h.pk for h in holders])
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        entries = []
        for h in holders:
            days = request.POST.get(f"days-{h.pk}", "").strip()
            if days == "":
                continue
            paid_on = request.POST.get(f"paid_on-{h.pk}", "").strip()
            try:
                paid_date = dt.date.fromisoformat(paid_on) if paid_on else None
            except ValueError:
                paid_date = dt.date(1900, 1, 1)  # refused by the service: before the month
            entries.append(
                MonthEntry(
                    holder_id=h.pk,
                    days_worked=int(days) if days.isdigit() else 999,
                    subsidy_paid=_money(request.POST.get(f"paid-{h.pk}", "")),
                    paid_on=paid_date,
                    note=request.POST.get(f"note-{h.pk}", "")[:255],
                )
            )
        try:
            post_month_record(post=post, period=period, entries=entries, actor=user)
        except Forbidden as exc:
            return forbidden(request, str(exc))
        except InputRefused as exc:
            errors, status = refusal_messages(exc, with_message=True), 422
        else:
            messages.success(request, _("考勤和补贴发放已保存"))
            return redirect(reverse("console:post_months", args=[post.pk]) + f"?period={period}")
    rows = [
        {
            "holder": h,
            "record": records.get((h.pk, period)),
            "posted": {k: request.POST.get(f"{k}-{h.pk}", "") for k in ("days", "paid", "paid_on", "note")},
        }
        for h in holders
    ]
    context = {
        "post": post,
        "period": period,
        "rows": rows,
        "errors": errors,
        "posted": request.method == "POST",
    }
    return render(request, "console/post_months.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def holder_dismiss_view(request: HttpRequest, post_id: int, holder_id: int) -> HttpResponse:
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_dismiss")
    except NotFound:
        return not_found(request)
    holder = PostHolder.objects.filter(pk=holder_id, post=post).select_related("person").first()
    if holder is None:
        return not_found(request)
    user = request_user(request)
    if user.role not in MANAGERS:
        return forbidden(request, _("您的角色无权办理公益性岗位离岗"))
    form = DismissForm(request.POST or None, initial={"ended_on": clock.today()})
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            holder_dismiss(holder=holder, actor=user, **form.cleaned_data)
        except InputRefused as exc:
            errors = refusal_messages(exc, with_message=True)
        else:
            messages.success(request, _("离岗已办理"))
            return redirect(reverse("console:post_detail", args=[post.pk]) + "#holders")
    status = 422 if request.method == "POST" else 200
    context = {"post": post, "holder": holder, "form": form, "errors": errors}
    return render(request, "console/post_dismiss.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["POST"])
def holder_renew_view(request: HttpRequest, post_id: int, holder_id: int) -> HttpResponse:
    """续聘 from the holders table; a refusal re-renders the post page with the reasons."""
    try:
        post = access_post_by_id(request.user, post_id, purpose="post_dismiss")
    except NotFound:
        return not_found(request)
    holder = PostHolder.objects.filter(pk=holder_id, post=post).first()
    if holder is None:
        return not_found(request)
    try:
        holder_renew(holder=holder, actor=request_user(request))
    except Forbidden as exc:
        return forbidden(request, str(exc))
    except InputRefused as exc:
        context = _detail_context(request, post, errors=refusal_messages(exc), failed=exc.message)
        return render(request, "console/post_detail.html", context, status=422)
    messages.success(request, _("续聘已办理"))
    return redirect(reverse("console:post_detail", args=[post.pk]) + "#holders")
