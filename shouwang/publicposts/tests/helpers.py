"""Test data for public-welfare posts: named posts and applicants built through the services.

* ``make_post``: a 保洁员 post in 堂琅社区 (VILLAGE_A), 800 元/月, accident insurance, one place, 12 months.
* H_LI (builders): 李建国 (born 1975-03-08), 张玉兰 (1978), 李明 (2011, a pupil), 李秀英 (1948).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from shouwang.accounts.models import User
from shouwang.publicposts import clock
from shouwang.publicposts.models import PostHolder, PublicPost
from shouwang.publicposts.services import (
    PostInput,
    application_review,
    post_apply,
    post_create,
    post_transition,
)
from shouwang.registry.models import Household, Person
from shouwang.testing.builders import VILLAGE_A

TODAY = dt.date(2025, 3, 20)


def set_today(monkeypatch: Any, day: dt.date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def make_post(actor: User, *, village: str = VILLAGE_A, **overrides: Any) -> PublicPost:
    data = {
        "village_code": village,
        "name": "堂琅社区保洁员",
        "post_class": "cleaning",
        "funding": "linkage",
        "monthly_subsidy": Decimal("800"),
        "insurance": "accident",
        "places": 1,
        "term_months": 12,
        "department": "县人社局",
        **overrides,
    }
    return post_create(actor=actor, data=PostInput(**data))


def member(household: Household, name: str) -> Person:
    return household.members.get(name=name)


def hire_through(
    post: PublicPost, person: Person, actor: User, monkeypatch: Any, start: dt.date = TODAY, **apply: Any
) -> PostHolder:
    """Walk ``post`` from draft to hire with ``person`` as the one applicant (notice of 5 days)."""
    set_today(monkeypatch, start)
    post = post_transition(post=post, action="announce", actor=actor)
    app = post_apply(post=post, person_id=person.pk, actor=actor, **apply)
    post = post_transition(post=post, action="close_applications", actor=actor)
    application_review(application=app, actor=actor, approved=True)
    post = post_transition(post=post, action="notice_start", actor=actor)
    set_today(monkeypatch, start + dt.timedelta(days=5))
    post_transition(post=post, action="hire", actor=actor)
    return PostHolder.objects.get(post=post, person=person)
