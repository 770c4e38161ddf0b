"""Entry point of the screening bench's child processes (``multiprocessing`` spawn).

A spawned child imports the module of its target before it runs anything, and the bench imports models and
services, which need Django's app registry. So the child starts here, in a module that imports nothing of the
project: it sets Django up, and only then imports the worker it was given by dotted path."""

from typing import Any

import django
from django.utils.module_loading import import_string


def bench_child_run(worker: str, *args: Any) -> None:
    """In a fresh process: ``django.setup()``, then ``worker(*args)`` (``worker`` a dotted path)."""
    django.setup()
    import_string(worker)(*args)
