"""What a listener hands on after its ack: a job, how urgent it is, and whose it is.

The queue itself belongs to the runtime (``bot.runtime.followups``); listeners only see
this interface, so they never reach up into the layer that wires them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from enum import IntEnum

Job = Callable[[], Awaitable[None]]


class Priority(IntEnum):
    """Lower runs first: a click answers someone waiting on a card. ``NOW`` does not wait for
    a lull at all: Slack's 3 s for a ``trigger_id`` (``views.open``) or a modal's answer
    run from the moment Slack sent the request."""

    NOW = -1
    CLICK = 0
    COMMAND = 1


@dataclass(frozen=True)
class Order:
    """How a job is queued: its name (for the log), its priority, and whose it is; an
    ``owner`` holding ``limit`` jobs (queued or running) gets no more until one ends."""

    name: str
    priority: Priority = Priority.COMMAND
    owner: Hashable | None = None
    limit: int | None = None


class WorkQueue(ABC):
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
        return self.put(job, Order(name, priority, owner, limit))

    @abstractmethod
    def put(self, job: Job, order: Order) -> bool:
        """``submit``, its options gathered."""
