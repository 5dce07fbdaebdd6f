"""The poll loop: when this replica polls each watch it follows.

One pacing loop per replica hands out turns (``bot.fleet.pacing``) at the pace the budget
allows (``bot.fleet.fair_share``) and starts each poll on its turn as a task of its own
(``bot.fleet.narrator`` does the poll), so a slow poll delays no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time

from bot.domain.records import Watch
from bot.errors import LeaseLostError
from bot.fleet.fair_share import FairShare
from bot.fleet.lease_keeper import LeaseKeeper
from bot.fleet.narrator import Narrator
from bot.fleet.pacing import Pacer
from bot.logs import bind
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)


class PollLoop:
    def __init__(
        self,
        *,
        narrator: Narrator,
        keeper: LeaseKeeper,
        tasks: TaskTracker,
        share: FairShare,
        stopping: asyncio.Event,
    ) -> None:
        self._narrator = narrator
        self._keeper = keeper
        self._tasks = tasks
        self._share = share
        self._stopping = stopping
        self._watches: dict[str, Watch] = {}  # followed here, as of their latest poll
        self._pacer = Pacer()
        self._lost: set[str] = set()
        self._wake = asyncio.Event()  # the pacing loop has a new turn to consider

    def __len__(self) -> int:
        return len(self._watches)

    def __contains__(self, dep: object) -> bool:
        return dep in self._watches

    def following(self) -> set[str]:
        return set(self._watches)

    def follow(self, watch: Watch) -> None:
        """Poll ``watch`` from its next free turn on (its lease is this replica's)."""
        dep = watch.deployment_id
        self._watches[dep] = watch
        self._lost.discard(dep)
        self._pacer.add(dep, time.monotonic())
        self._wake.set()

    def lose(self, dep: str) -> None:
        """Another replica holds the lease now: poll it no more."""
        self._lost.add(dep)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Start each poll on its turn, until the watcher stops."""
        share = self._share
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                now = time.monotonic()
                turn = self._pacer.next_turn(
                    now, interval=share.interval, fair=share.fair, least=share.poll_interval
                )
                if isinstance(turn, float):
                    await self._nap(turn)
                else:
                    self._begin(turn.key)
        finally:
            # Polls under way release their own leases when they end.
            idle = [dep for dep in self._pacer.waiting() if dep not in self._lost]
            for dep in self._pacer.waiting():
                self._forget(dep)
            await asyncio.gather(*(self._keeper.release(dep) for dep in idle))

    async def reclaim(self, dep: str) -> bool | None:
        """``LeaseKeeper.reclaim``, for a watch this replica still follows."""
        watch = self._watches.get(dep)
        if watch is None or self._stopping.is_set():
            return False
        return await self._keeper.reclaim(watch)

    def _begin(self, dep: str) -> None:
        if dep in self._lost:  # the heartbeat found another replica holds it now
            self._forget(dep)
            return
        watch = self._watches[dep]
        with bind(deployment=dep, app=watch.app_name):
            if self._tasks.spawn(self._poll(watch), name=f"poll:{dep}") is None:
                self._pacer.done(dep)  # shutting down: released when the loop ends

    async def _poll(self, watch: Watch) -> None:
        dep = watch.deployment_id
        carry_on = keep_lease = False
        try:
            watch = await self._narrator.poll_safely(watch)
            # A watch that still owes Redis a record (or its outcome's aftercare) stays.
            carry_on = not watch.done or self._narrator.teller.owes(dep)
        except LeaseLostError:
            if await self.reclaim(dep) is False:
                log.warning("watch %s: another replica took it over", dep)
                keep_lease = True
            else:  # taken back, or cannot tell yet: the next turn or heartbeat sees
                carry_on = True
        finally:
            # Either way a poll fewer is under way: the pacing loop may be waiting for that.
            self._wake.set()
            if carry_on and not self._stopping.is_set() and dep not in self._lost:
                self._watches[dep] = watch
                self._pacer.done(dep)
            else:
                self._forget(dep)
                if watch.done:
                    self._share.finished()
                if not keep_lease and dep not in self._lost:
                    await self._keeper.release(dep)

    def _forget(self, dep: str) -> None:
        self._watches.pop(dep, None)
        self._pacer.discard(dep)
        self._narrator.forget(dep)

    async def _nap(self, seconds: float) -> None:
        """Wait until a turn is due or something changes (a watch added, a poll ended, stop)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), None if math.isinf(seconds) else seconds)
