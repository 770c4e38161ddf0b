"""Reads of public-welfare posts. Lists are scoped to the caller's region (``accounts.access``); a post
outside it and a missing one give the same ``NotFound`` (audited)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, QuerySet

from shouwang.accounts.access import NotFound, signed_in_with_region
from shouwang.accounts.actors import Viewer
from shouwang.audit.models import AuditActionChoices
from shouwang.audit.services import audit_record
from shouwang.publicposts.choices import HolderStatusChoices
from shouwang.publicposts.models import PostApplication, PostHolder, PostMonthRecord, PublicPost
from shouwang.publicposts.transitions import READERS_OF_POSTS


def _scope_q(user: Viewer, prefix: str = "") -> Q:
    official = signed_in_with_region(user)
    if official is None or official.role not in READERS_OF_POSTS:
        return Q(pk__in=[])
    return post_region_q(official.region_code[:12], prefix)


def post_region_q(code: str, prefix: str = "") -> Q:
    """Posts inside region ``code`` (a group's worker sees its village's posts), on the denormalised
    codes."""
    if len(code) <= 6:
        return Q(**{f"{prefix}county_code__startswith": code})
    if len(code) <= 9:
        return Q(**{f"{prefix}township_code": code})
    return Q(**{f"{prefix}village_id": code[:12]})


def post_list(
    *, user: Viewer, village: str = "", post_class: str = "", stage: str = "", vacant: bool | None = None
) -> QuerySet[PublicPost]:
    """The caller's posts with their active holder count (``active``), filtered."""
    qs = PublicPost.objects.filter(_scope_q(user))
    if village:
        qs = qs.filter(post_region_q(village))
    if post_class:
        qs = qs.filter(post_class=post_class)
    if stage:
        qs = qs.filter(stage=stage)
    qs = qs.annotate(active=Count("holders", filter=Q(holders__status=HolderStatusChoices.ACTIVE)))
    if vacant is not None:
        qs = qs.filter(active__lt=F("places")) if vacant else qs.filter(active__gte=F("places"))
    return qs.select_related("village").order_by("village_id", "pk")


def access_post_by_id(user: Viewer, post_id: int, *, purpose: str = "post_view") -> PublicPost:
    """The post if ``user`` may see it, else ``NotFound`` (the same for a missing one); every look and
    every refusal audited."""
    post = PublicPost.objects.select_related("village").filter(pk=post_id).first()
    if post is None or not PublicPost.objects.filter(_scope_q(user), pk=post_id).exists():
        audit_record(
            actor=user,
            action=AuditActionChoices.NOT_FOUND if post is None else AuditActionChoices.ACCESS_DENIED,
            object_type="public_post",
            object_id=str(post_id),
            region_code=post.village_id if post else "",
            reason=purpose,
        )
        raise NotFound(str(post_id))
    # The post's page and the API list its applicants and holders (names, masked IDs): each look is
    # audited, as a household's is (an action's own audit row records the others).
    if purpose in ("post_view", "post_api"):
        audit_record(
            actor=user,
            action=AuditActionChoices.VIEW,
            object_type="public_post",
            object_id=str(post_id),
            region_code=post.village_id,
            reason=purpose,
        )
    return post


def post_holders(*, post: PublicPost, active_only: bool = False) -> QuerySet[PostHolder]:
    qs = PostHolder.objects.filter(post=post).select_related("person", "household")
    if active_only:
        qs = qs.filter(status=HolderStatusChoices.ACTIVE)
    return qs.order_by("-status", "start_on", "pk")  # active ("active" > "ended") first


def post_applications(*, post: PublicPost) -> QuerySet[PostApplication]:
    return (
        PostApplication.objects.filter(post=post, round=post.round)
        .select_related("person", "household")
        .order_by("applied_on", "pk")
    )


def holder_months(*, holders: Iterable[int]) -> dict[tuple[int, str], PostMonthRecord]:
    return {(r.holder_id, r.period): r for r in PostMonthRecord.objects.filter(holder_id__in=list(holders))}


def holders_in_q(period: str) -> Q:
    """Holders whose tenure covers some day of ``period`` (YYYY-MM)."""
    year, month = int(period[:4]), int(period[5:7])
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    return Q(start_on__lte=last) & (Q(ended_on__isnull=True) | Q(ended_on__gte=first))


def post_holders_in(
    *, period: str, county_codes: Iterable[str], person_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """person_id → post id of the people holding a public-welfare post in ``period`` (some day of the
    month) in these counties (and among ``person_ids`` when given): the employment roster counts them as
    公益性岗位 (R-EMP-02, R-EMP-05), and a public-post measure needs one (R-AID-05).
    A person with two tenures in the month (left one post, took another) maps to the later one."""
    qs = PostHolder.objects.filter(holders_in_q(period), county_code__in=list(county_codes))
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    rows = qs.order_by("start_on", "pk").values_list("person_id", "post_id")
    return dict(rows)
