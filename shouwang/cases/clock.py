"""The workflow's notion of "today". One indirection so tests can run a 15-day procedure in one process
(they replace ``today``); every date rule ("not in the future", due dates) reads it from here."""

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()
