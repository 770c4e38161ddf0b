"""actor_user / request_user: an official is the user; a label or an anonymous request is not."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from shouwang.accounts.actors import actor_user, request_user
from shouwang.accounts.models import User
from shouwang.audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_actor_user_is_the_official_or_none_for_a_label() -> None:
    official = User.objects.create_user(username="li", password="x", role="village")
    assert actor_user(official) is official
    assert actor_user("citizen") is None


def test_request_user_accepts_the_lazy_signed_in_user_and_refuses_anonymous() -> None:
    official = User.objects.create_user(username="li", password="x", role="village")
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: official)  # type: ignore[assignment]  # as the middleware does
    assert request_user(request) == official
    request.user = AnonymousUser()
    with pytest.raises(TypeError):
        request_user(request)


def test_the_audit_log_records_a_user_a_label_and_an_anonymous_user() -> None:
    official = User.objects.create_user(username="li", password="x", role="village")
    rows = [
        audit_record(actor=actor, action="view", object_type="household")
        for actor in (official, "citizen", AnonymousUser(), None)
    ]
    assert [(r.actor_label, r.actor_role, r.actor_id) for r in rows] == [
        ("li", "village", official.pk),
        ("citizen", "", None),
        ("system", "", None),
        ("system", "", None),
    ]
