"""Waiting on state that nothing can notify a test of: other processes, Redis keys."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], object], *, timeout: float = 10, what: str = "the condition"
) -> None:
    """Return once ``condition()`` is true; ``TimeoutError`` naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polled: another process's state sends no notice
