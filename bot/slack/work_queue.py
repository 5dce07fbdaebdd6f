"""What a listener hands on after its ack: a job, how urgent it is, and whose it is.

The queue itself belongs to the runtime (``bot.runtime.followups``); listeners only see
this interface, so they never reach up into the layer that wires them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from enum import IntEnum
from typing import Protocol

Job = Callable[[], Awaitable[None]]


class Priority(IntEnum):
    """Lower runs first: a click answers someone waiting on a card."""

    CLICK = 0
    COMMAND = 1


class WorkQueue(Protocol):
    def submit(
        self,
        job: Job,
        *,
        name: str,
        priority: Priority = Priority.COMMAND,
        owner: Hashable | None = None,
        limit: int | None = None,
    ) -> bool:
        """Queue ``job``; False (nothing queued) when ``owner`` already holds ``limit``."""
        ...
