"""Follow-up work: what a request asked for, done after its ack; clicks first, then commands.

A listener acks, then hands its slow part here. Handing over is only a queue append (the
ack path stays as short as the floor's); a few workers, tracked like every background
task, take the work, each piece at a lull in incoming requests (``bot.runtime.request_lull``) and
in the request's own context, so its log lines keep the request id. At most ``at_once`` pieces
run together: after a flood, a thousand starting in the same instant would hold the event
loop for seconds and delay the next acks.

Two queues, each first in, first out: clicks (``Priority.CLICK``) are taken before any
command, so an approval is not stuck behind a pile of proposals — someone is waiting on
a card for it, and it is quick. A piece may name an ``owner`` and a ``limit``: an owner
holding ``limit`` pieces (queued or running) gets no more until one ends, so one person's
flood cannot fill the queue in front of everyone else (``bot.slack.listeners`` says so at
once).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass

from bot.runtime.request_lull import Lull
from bot.slack.work_queue import Job, Order, Priority, WorkQueue
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

AT_ONCE = 8


@dataclass(frozen=True)
class _Piece:
    context: contextvars.Context
    job: Job
    name: str
    owner: Hashable | None


class FollowUps(WorkQueue):
    def __init__(self, tasks: TaskTracker, *, lull: Lull, at_once: int = AT_ONCE) -> None:
        self._tasks = tasks
        self._lull = lull
        self._at_once = at_once
        self._queues: dict[Priority, deque[_Piece]] = {p: deque() for p in sorted(Priority)}
        self._held: Counter[Hashable] = Counter()
        self._workers = 0

    def __len__(self) -> int:
        """Pieces of work not started yet."""
        return sum(len(queue) for queue in self._queues.values())

    def held(self, owner: Hashable) -> int:
        """Pieces of ``owner``'s queued or running."""
        return self._held[owner]

    def put(self, job: Job, order: Order) -> bool:
        """Queue ``job``; False (nothing queued) when its owner already holds its limit.

        No await here: the count read and the append are one step, so two requests of
        one owner answered together cannot both take the last place.
        """
        owner = order.owner
        if owner is not None:
            if order.limit is not None and self._held[owner] >= order.limit:
                return False
            self._held[owner] += 1
        piece = _Piece(contextvars.copy_context(), job, order.name, owner)
        if order.priority == Priority.NOW:
            if self._tasks.spawn(self._run(piece), name=order.name) is None and owner is not None:
                self._held[owner] -= 1  # shutting down: it never ran
            return True
        self._queues[order.priority].append(piece)
        if self._workers < self._at_once:
            self._workers += 1
            if self._tasks.spawn(self._work(), name="follow-ups") is None:
                self._workers -= 1  # shutting down; TaskTracker said so in the log
        return True

    def _next(self) -> _Piece | None:
        for queue in self._queues.values():  # in priority order (built sorted)
            if queue:
                return queue.popleft()
        return None

    async def _work(self) -> None:
        try:
            while len(self):
                # The piece is chosen after the lull, so a click that came meanwhile
                # goes ahead of the commands queued before it.
                await self._lull.wait()
                piece = self._next()
                if piece is None:
                    return
                await self._run(piece)
        finally:
            self._workers -= 1

    async def _run(self, piece: _Piece) -> None:
        async def run() -> None:
            await piece.job()

        try:
            await asyncio.create_task(run(), name=piece.name, context=piece.context)
        except Exception:  # one piece failing must not stop the ones queued behind it
            log.exception("follow-up %s failed", piece.name)
        finally:
            # Ended however it ended (done, failed, cancelled at shutdown): its place is free.
            if piece.owner is not None:
                self._held[piece.owner] -= 1
                if not self._held[piece.owner]:
                    del self._held[piece.owner]
