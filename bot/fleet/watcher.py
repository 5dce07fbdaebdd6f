"""The watcher: decides which replica follows which rollback, and when it polls each.

Every unfinished watch is listed in Redis. Each replica scans that list, claims the
lease of any watch nobody holds, and follows it (``bot.fleet.narrator`` does one poll at a
time). A heartbeat renews this replica's leases; when a replica dies its leases expire
and another replica takes the watches over within a few poll intervals. On shutdown
the leases are released at once so another replica carries on without waiting.

A poll reads the latest look at the whole fleet, which one replica at a time takes
(``bot.fleet.looker``) and every replica reads: each watch is polled when a new look is in
(``bot.fleet.polls``), and DigitalOcean is asked about one deployment only where the look
cannot tell, at the pace the budget allows (``bot.fleet.fair_share``).
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.domain.records import Watch
from bot.errors import StoreUnavailableError
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView
from bot.fleet.lease_keeper import LeaseKeeper
from bot.fleet.looker import Looker
from bot.fleet.narrator import Narrator
from bot.fleet.polls import PollLoop
from bot.store.leases import Leases
from bot.store.redis_store import Store
from bot.tasks import TaskTracker, repeat

log = logging.getLogger(__name__)


class Watcher:
    def __init__(
        self,
        *,
        narrator: Narrator,
        store: Store,
        leases: Leases,
        tasks: TaskTracker,
        share: FairShare,
        view: FleetView,
        looker: Looker,
    ) -> None:
        self._store = store
        self._leases = leases
        self._narrator = narrator
        self._keeper = LeaseKeeper(leases=leases, store=store, narrator=narrator)
        self._tasks = tasks
        self._share = share
        self.view = view
        self.looker = looker
        self._stopping = asyncio.Event()
        self._polls = PollLoop(
            narrator=narrator,
            keeper=self._keeper,
            tasks=tasks,
            share=self._share,
            view=view,
            stopping=self._stopping,
        )
        self._lapsed: dict[str, float] = {}  # watch nobody follows → since when, seen here

    @property
    def running(self) -> int:
        return len(self._polls)

    def reads(self) -> dict[str, int]:
        """How this replica learnt of deployments: looks at the fleet it took, and
        deployments it read by id."""
        return {"look": self.looker.looks, "deployment": self._narrator.readings.asked}

    @property
    def interval(self) -> float:
        """Seconds between two polls of one watch, given how many watches run in all."""
        return self._share.interval

    def start(self, watch: Watch) -> None:
        """Follow a watch this replica just created (it claims the lease first)."""
        self._share.active += 1
        self.looker.wake()  # the fleet is looked at every poll interval from now on
        self._tasks.spawn(self._claim(watch), name=f"watch:{watch.deployment_id}")

    def run_background(self) -> None:
        every, until = self._share.poll_interval, self._stopping
        heartbeat = self._leases.ttl / 3
        self._tasks.spawn(self._polls.run(), name="watch-pacer")
        self._tasks.spawn(self.looker.run(self._stopping), name="fleet-looker")
        self._tasks.spawn(repeat(self.scan, every=every, until=until), name="watch-scan")
        self._tasks.spawn(repeat(self._renew, every=heartbeat, until=until), name="lease-heartbeat")

    def stop(self) -> None:
        self._stopping.set()
        self._polls.wake()
        self.looker.wake()

    async def scan(self) -> int:
        """Claim and follow every listed watch nobody follows; return how many."""
        await self._share.read_rate()
        following = self._polls.following()
        watches = await self._store.active_watches(skip=following)
        self._share.active = len(watches) + len(following)
        held = await self._leases.held(w.deployment_id for w in watches)
        now = time.monotonic()
        # A lease seen lapsed is claimed only once it has stayed so for half its ttl: its
        # follower, if alive (its renewals refused while Redis refused writes), takes it
        # back first and still remembers what it told; a dead one's is taken over after.
        lapsed = {w.deployment_id: self._lapsed.get(w.deployment_id, now) for w in watches}
        self._lapsed = {dep: since for dep, since in lapsed.items() if dep not in held}
        grace = self._leases.ttl / 2
        started = 0
        for watch in watches:
            dep = watch.deployment_id
            if dep in self._polls or dep in held or self._stopping.is_set():
                continue
            if now - self._lapsed[dep] < grace:
                continue
            try:
                claimed = await self._claim(watch)
            except StoreUnavailableError:
                # Redis refuses writes (or went away): the grace counts again from when it
                # takes them, so a follower whose renewals were refused meanwhile gets its
                # watches back first.
                self._lapsed.clear()
                raise
            started += claimed
        if started:
            log.info("following %d more watch(es)", started)
        return started

    async def _claim(self, watch: Watch) -> bool:
        dep = watch.deployment_id
        if not await self._leases.claim(dep):
            return False
        if self._stopping.is_set():  # the pacing loop has let go of its watches already
            await self._keeper.release(dep)
            return False
        # Read again now that it is ours: the copy in hand may predate the last owner's
        # final poll (it finished and let go between our read and our claim), and
        # following that copy would tell the end, or steps, a second time.
        fresh = await self._store.get_watch(dep)
        if fresh is None or fresh.settled:
            await self._keeper.release(dep)
            return False
        self._polls.follow(fresh)
        return True

    async def _renew(self) -> None:
        lost = await self._leases.renew(self._polls.following())
        for dep in lost:
            if await self._polls.reclaim(dep) is False:
                log.warning("watch %s: lease lost; stopping here", dep)
                self._polls.lose(dep)
