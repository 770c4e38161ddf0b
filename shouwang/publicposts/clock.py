"""The public-post app's notion of "today" (as ``cases.clock``, which this app may not import: it sits
below cases). Tests replace ``today`` to run a recruitment with its public-notice days in one process."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
