"""Login throttling shared by the console, the field app and the API (decision 0007).

Failures are counted per (user name, client address) pair and per client address, never per user name
alone: a stranger guessing an official's password from one address is slowed down there, while the
official signs in from their own address as usual. After ``free`` failures a key is refused for ``base``
seconds, doubling with each further failure up to ``cap``; the count is forgotten after ``quiet`` without a
failure (the row expires). A refusal is decided before the password is looked at, so a refused attempt tells
nothing about the password, and it changes no count.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shouwang.accounts.models import LoginThrottle

PAIR = "pair"
ADDRESS = "address"


@dataclass(frozen=True)
class ThrottlePolicy:
    free: int  # failures allowed before the first refusal period
    base: timedelta  # the first refusal period; doubles with each further failure
    cap: timedelta  # the longest refusal period
    quiet: timedelta  # the count is forgotten this long after the last failure

    def delay(self, failures: int) -> timedelta | None:
        if failures < self.free:
            return None
        # 2**n grows fast: clamp the exponent before multiplying so a long attack cannot overflow.
        exponent = min(failures - self.free, 32)
        return min(self.base * (2**exponent), self.cap)


# One person mistyping their own password: five tries, then 1, 2, 4 … minutes, at most an hour.
PAIR_POLICY = ThrottlePolicy(
    free=5, base=timedelta(minutes=1), cap=timedelta(hours=1), quiet=timedelta(hours=24)
)
# One address trying many names (password spraying); generous, because a township office or a mobile
# carrier puts many officials behind one address.
ADDRESS_POLICY = ThrottlePolicy(
    free=30, base=timedelta(minutes=1), cap=timedelta(hours=1), quiet=timedelta(hours=1)
)


class LoginThrottled(Exception):
    """Sign-in refused without looking at the password; ``retry_after`` seconds until the next try."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after

    @property
    def message(self) -> str:
        return f"登录尝试过于频繁，请{wait_text(self.retry_after)}后再试"


def wait_text(seconds: int) -> str:
    """ "45秒" / "3分钟" / "1小时": how long to wait, rounded up, for the console's message."""
    if seconds < 60:
        return f"{seconds}秒"
    if seconds < 3600:
        return f"{ceil(seconds / 60)}分钟"
    return f"{ceil(seconds / 3600)}小时"


def _keys(username: str, address: str) -> Q:
    return Q(scope=ADDRESS, address=address, username="") | Q(
        scope=PAIR, address=address, username=username[:150]
    )


def login_throttle_wait(*, username: str, address: str, now: datetime | None = None) -> int:
    """Seconds until ``username`` may try again from ``address`` (0: may try now). Reads only."""
    now = now or timezone.now()
    until = (
        LoginThrottle.objects.filter(_keys(username, address), locked_until__gt=now)
        .order_by("-locked_until")
        .values_list("locked_until", flat=True)
        .first()
    )
    return 0 if until is None else max(1, ceil((until - now).total_seconds()))


@transaction.atomic
def login_throttle_fail(*, username: str, address: str, now: datetime | None = None) -> None:
    """Count one failed sign-in against the pair and the address; start or lengthen their refusal."""
    now = now or timezone.now()
    LoginThrottle.objects.filter(expires_at__lte=now).delete()
    for scope, name, policy in ((PAIR, username[:150], PAIR_POLICY), (ADDRESS, "", ADDRESS_POLICY)):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            scope=scope,
            address=address,
            username=name,
            defaults={"last_failure_at": now, "expires_at": now + policy.quiet},
        )
        row.failures += 1
        row.last_failure_at = now
        delay = policy.delay(row.failures)
        if delay is not None:
            row.locked_until = now + delay
        row.expires_at = max(now + policy.quiet, row.locked_until or now)
        row.save(update_fields=["failures", "last_failure_at", "locked_until", "expires_at"])


def login_throttle_clear(*, username: str, address: str) -> None:
    """A successful sign-in forgets the pair's failures. The address's count stays: signing in to one's
    own account must not reset a spraying address."""
    LoginThrottle.objects.filter(scope=PAIR, address=address, username=username[:150]).delete()
