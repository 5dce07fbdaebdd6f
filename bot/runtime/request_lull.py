"""Acks before follow-up work: work started by a request waits for a lull in requests.

Slack's 3 s ack deadline is hard (a late ack is an error in the person's face); the card
or reply that follows may come a little later. On one event loop, a follow-up task that
starts while requests keep arriving runs its steps between their acks and delays them,
so follow-up work waits until no request is being answered and none has finished for
``quiet_for`` seconds — a few milliseconds when requests are isolated — but never longer
than ``longest`` seconds, so a flood cannot starve it (``bot.runtime.followups`` runs
that work).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

QUIET_FOR = 0.005  # seconds without requests that count as a lull
LONGEST = 2.0  # seconds follow-up work waits at most for a lull


class Lull:
    def __init__(
        self,
        *,
        quiet_for: float = QUIET_FOR,
        longest: float = LONGEST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._quiet_for = quiet_for
        self._longest = longest
        self._clock = clock
        self._busy = 0
        self._last_done = float("-inf")
        self._waiters: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._ticker: asyncio.Task[None] | None = None
        self._opened = False

    @contextmanager
    def request(self) -> Iterator[None]:
        """Wraps the answering of one incoming request, once it has arrived whole.

        Not its arrival: a sender may take its time with the body, or never finish it
        (``bot.entrypoints.http_server`` gives it ``BODY_DEADLINE``), and work after an ack
        waiting on that would wait for nothing.
        """
        self._busy += 1
        try:
            yield
        finally:
            self._busy -= 1
            self._last_done = self._clock()

    @property
    def waiting(self) -> int:
        return sum(not future.done() for _, future in self._waiters)

    def quiet(self) -> bool:
        return self._opened or (
            self._busy == 0 and self._clock() - self._last_done >= self._quiet_for
        )

    async def wait(self) -> None:
        """Return at the next lull, or after ``longest`` seconds at most."""
        if self._opened:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((self._clock() + self._longest, future))
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick(), name="lull")
        await future

    def open(self) -> None:
        """Shutting down: let everything waiting run now, and nothing wait from here on."""
        self._opened = True
        self._release(everyone=True)

    async def _tick(self) -> None:
        try:
            while self._waiters:
                asked = self._clock()
                await asyncio.sleep(self._quiet_for)
                # Waking late means the loop was busy (earlier follow-up work, a garbage
                # collection): requests may be waiting in it unseen, so that is no lull.
                on_time = self._clock() - asked < 1.5 * self._quiet_for
                self._release(everyone=on_time and self.quiet())
        finally:
            self._ticker = None

    def _release(self, *, everyone: bool) -> None:
        now = self._clock()
        while self._waiters and (everyone or self._waiters[0][0] <= now):
            _, future = self._waiters.popleft()
            if not future.done():  # a waiter cancelled meanwhile is simply dropped
                future.set_result(None)
