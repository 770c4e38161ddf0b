"""Who acts and who looks: the types services and selectors take instead of ``Any``.

A service that only an official may perform takes ``actor: User``; one that also runs for the public
channel or the system (clue intake, overdue escalation) takes ``actor: Actor``; a guarded lookup or list
takes ``user: Viewer``, which is what ``request.user`` is, and treats an anonymous viewer as seeing nothing.
"""

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from shouwang.accounts.models import User

# An official, or the label of work nobody signed in for: "system", "cli", "citizen" (the public
# self-report channel), "bench". The audit log records the label as the actor.
Actor: TypeAlias = User | str
Viewer: TypeAlias = User | AnonymousUser


def actor_user(actor: Actor) -> User | None:
    """The signed-in official behind ``actor``, or None for work on nobody's behalf (``created_by``)."""
    return actor if isinstance(actor, User) else None


def request_user(request: HttpRequest) -> User:
    """The user of a request that has passed authentication (the API's bearer token, the console's
    login). An anonymous user here is a routing mistake, not a refusal to render."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("request.user is not signed in: the route must require authentication")
    return user
