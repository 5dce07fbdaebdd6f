"""The poll loop: when this replica polls each watch it follows.

A watch's poll reads the latest look at the fleet (``bot.fleet.readings``), so each watch
gets a turn as soon as a new look is published, whichever replica took it: a step change
is told one look after it happens. Should no new look come (nobody is taking looks), each
watch still gets a turn every interval the budget allows, and reads DigitalOcean itself.
Each poll is a task of its own (``bot.fleet.narrator`` does the poll), so a slow poll
delays no other; at most ``TURN_LIMIT`` run at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bot.domain.records import Watch
from bot.errors import LeaseLostError
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView
from bot.fleet.lease_keeper import LeaseKeeper
from bot.fleet.narrator import Narrator
from bot.fleet.turns import Turns
from bot.logs import bind
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

TURN_LIMIT = 64
"""Polls of one replica under way at once. A poll that finds nothing new costs two Redis
reads; one that tells a change, a Slack post and a Redis write. Hundreds of watches turning
on one look then queue here rather than open hundreds of connections at once."""


class PollLoop:
    def __init__(
        self,
        *,
        narrator: Narrator,
        keeper: LeaseKeeper,
        tasks: TaskTracker,
        share: FairShare,
        view: FleetView,
        stopping: asyncio.Event,
    ) -> None:
        self._narrator = narrator
        self._keeper = keeper
        self._tasks = tasks
        self._share = share
        self._stopping = stopping
        self._watches: dict[str, Watch] = {}  # followed here, as of their latest poll
        self._turns = Turns(view=view, share=share)
        self._polling: set[str] = set()
        self._lost: set[str] = set()
        self._wake = asyncio.Event()  # the loop has a new turn to consider
        self._slots = asyncio.Semaphore(TURN_LIMIT)

    def __len__(self) -> int:
        return len(self._watches)

    def __contains__(self, dep: object) -> bool:
        return dep in self._watches

    def following(self) -> set[str]:
        return set(self._watches)

    def follow(self, watch: Watch) -> None:
        """Poll ``watch`` at once, and on every look from then on (its lease is ours)."""
        dep = watch.deployment_id
        self._watches[dep] = watch
        self._turns.add(dep)
        self._lost.discard(dep)
        self._wake.set()

    def lose(self, dep: str) -> None:
        """Another replica holds the lease now: poll it no more."""
        self._lost.add(dep)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        """Start each watch's poll on its turn, until the watcher stops."""
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                seq = await self._turns.latest()
                now = time.monotonic()
                for dep in [d for d in self._watches if d not in self._polling]:
                    if self._turns.due(dep, seq, now):
                        self._begin(dep, seq, now)
                await self._nap(self._turns.tick)
        finally:
            # Polls under way release their own leases when they end.
            idle = [dep for dep in self._watches if dep not in self._polling]
            held = [dep for dep in idle if dep not in self._lost]
            for dep in idle:
                self._forget(dep)
            await asyncio.gather(*(self._keeper.release(dep) for dep in held))

    async def reclaim(self, dep: str) -> bool | None:
        """``LeaseKeeper.reclaim``, for a watch this replica still follows."""
        watch = self._watches.get(dep)
        if watch is None or self._stopping.is_set():
            return False
        return await self._keeper.reclaim(watch)

    def _begin(self, dep: str, seq: int | None, now: float) -> None:
        if dep in self._lost:  # the heartbeat found another replica holds it now
            self._forget(dep)
            return
        self._turns.begin(dep, seq, now)
        watch = self._watches[dep]
        with bind(deployment=dep, app=watch.app_name):
            if self._tasks.spawn(self._poll(watch), name=f"poll:{dep}") is not None:
                self._polling.add(dep)

    async def _poll(self, watch: Watch) -> None:
        dep = watch.deployment_id
        carry_on = keep_lease = False
        try:
            async with self._slots:
                watch = await self._narrator.poll_safely(watch)
            # A watch that still owes Redis a record (or its outcome's aftercare) stays.
            carry_on = not watch.settled or self._narrator.teller.owes(dep)
        except LeaseLostError:
            if await self.reclaim(dep) is False:
                log.warning("watch %s: another replica took it over", dep)
                keep_lease = True
            else:  # taken back, or cannot tell yet: the next turn or heartbeat sees
                carry_on = True
        finally:
            self._polling.discard(dep)
            self._turns.ended(dep)
            self._wake.set()  # the turn is recorded at once: the look-taker may wait for it
            if carry_on and not self._stopping.is_set() and dep not in self._lost:
                self._watches[dep] = watch
            else:
                self._forget(dep)
                if watch.done:
                    self._share.finished()
                if not keep_lease and dep not in self._lost:
                    await self._keeper.release(dep)

    def _forget(self, dep: str) -> None:
        self._turns.drop(dep)
        self._watches.pop(dep, None)
        self._narrator.forget(dep)

    async def _nap(self, seconds: float) -> None:
        """Wait until the next tick or something changes (a watch added, stop)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
