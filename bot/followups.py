"""Follow-up work: what a request asked for, done after its ack, in arrival order.

A listener acks, then hands its slow part here. Handing over is only a queue append (the
ack path stays as short as the floor's); a few workers, tracked like every background
task, take the work in order, each piece at a lull in incoming requests (``bot.lull``)
and in the request's own context, so its log lines keep the request id. At most
``at_once`` pieces run together: after a flood, a thousand starting in the same instant
would hold the event loop for seconds and delay the next acks.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bot.lull import Lull
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

AT_ONCE = 8

Job = Callable[[], Awaitable[None]]


class FollowUps:
    def __init__(self, tasks: TaskTracker, *, lull: Lull, at_once: int = AT_ONCE) -> None:
        self._tasks = tasks
        self._lull = lull
        self._at_once = at_once
        self._queue: deque[tuple[contextvars.Context, Job, str]] = deque()
        self._workers = 0

    def __len__(self) -> int:
        """Pieces of work not started yet."""
        return len(self._queue)

    def submit(self, job: Job, *, name: str) -> None:
        self._queue.append((contextvars.copy_context(), job, name))
        if self._workers < self._at_once:
            self._workers += 1
            if self._tasks.spawn(self._work(), name="follow-ups") is None:
                self._workers -= 1  # shutting down; TaskTracker said so in the log

    async def _work(self) -> None:
        try:
            while self._queue:
                await self._lull.wait()
                if not self._queue:
                    return
                context, job, name = self._queue.popleft()
                await self._run(context, job, name)
        finally:
            self._workers -= 1

    @staticmethod
    async def _run(context: contextvars.Context, job: Job, name: str) -> None:
        async def run() -> None:
            await job()

        try:
            await asyncio.create_task(run(), name=name, context=context)
        except Exception:  # one piece failing must not stop the ones queued behind it
            log.exception("follow-up %s failed", name)
