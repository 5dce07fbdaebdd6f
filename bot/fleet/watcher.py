"""The watcher: decides which replica follows which rollback, and when it polls each.

Every unfinished watch is listed in Redis. Each replica scans that list, claims the
lease of any watch nobody holds, and follows it (``bot.fleet.narrator`` does one poll at a
time). A heartbeat renews this replica's leases; when a replica dies its leases expire
and another replica takes the watches over within a few poll intervals. On shutdown
the leases are released at once so another replica carries on without waiting.

Polling slows fairly when many rollbacks run at once: every watch is polled once per
interval, stretched so that all of them together stay within the DigitalOcean budget,
and one pacing loop per replica spreads its polls evenly over that interval
(``bot.fleet.pacing``), so they never arrive at DigitalOcean in bunches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable

from bot.digitalocean.budget import RateBudget
from bot.domain.records import Watch
from bot.errors import BotError, LeaseLostError, StoreUnavailableError
from bot.fleet.narrator import Narrator
from bot.fleet.pacing import Pacer
from bot.logs import bind
from bot.store.leases import Leases
from bot.store.redis_store import Store
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)


class Watcher:
    def __init__(
        self,
        *,
        narrator: Narrator,
        store: Store,
        leases: Leases,
        tasks: TaskTracker,
        poll_interval: float,
        budget: RateBudget,
    ) -> None:
        self._narrator = narrator
        self._store = store
        self._leases = leases
        self._tasks = tasks
        self._poll_interval = poll_interval
        self._budget = budget
        # Polls a second all replicas may make: the poll share of the tighter of
        # DigitalOcean's two windows (the hour, unless the bot's settings say otherwise),
        # read again at every scan as other tools' use of the token changes it.
        self._rate = budget.static_poll_rate()
        self._watches: dict[str, Watch] = {}  # followed here, as of their latest poll
        self._pacer = Pacer()
        self._lost: set[str] = set()
        self._lapsed: dict[str, float] = {}  # watch nobody follows → since when, seen here
        self._active = 0
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()  # the pacing loop has a new turn to consider

    @property
    def running(self) -> int:
        return len(self._watches)

    @property
    def interval(self) -> float:
        """Seconds between two polls of one watch, given how many watches run in all."""
        return max(self._poll_interval, self._fair)

    @property
    def _fair(self) -> float:
        """The interval the budget allows: all replicas together poll each watch once.

        Paced at the hourly rate even when the hour is still empty: polls that ran ahead
        at the minute's pace would fill the hour in twenty minutes and then stop for forty.
        """
        return self._active / self._rate

    def start(self, watch: Watch) -> None:
        """Follow a watch this replica just created (it claims the lease first)."""
        self._active += 1
        self._tasks.spawn(self._claim(watch), name=f"watch:{watch.deployment_id}")

    def run_background(self) -> None:
        self._tasks.spawn(self._pace(), name="watch-pacer")
        self._tasks.spawn(self._every(self._poll_interval, self.scan), name="watch-scan")
        self._tasks.spawn(self._every(self._leases.ttl / 3, self._renew), name="lease-heartbeat")

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def scan(self) -> int:
        """Claim and follow every listed watch nobody follows; return how many."""
        self._rate = await self._budget.poll_rate()
        following = set(self._watches)
        watches = await self._store.active_watches(skip=following)
        self._active = len(watches) + len(following)
        held = await self._leases.held(w.deployment_id for w in watches)
        now = time.monotonic()
        # A lease seen lapsed is claimed only once it has stayed so for half its ttl: its
        # follower, if alive (its renewals refused while Redis refused writes), takes it
        # back first and still remembers what it told; a dead one's is taken over after.
        lapsed = {w.deployment_id: self._lapsed.get(w.deployment_id, now) for w in watches}
        self._lapsed = {dep: since for dep, since in lapsed.items() if dep not in held}
        started = 0
        for watch in watches:
            dep = watch.deployment_id
            if dep in self._watches or dep in held or self._stopping.is_set():
                continue
            if now - self._lapsed[dep] < self._leases.ttl / 2:
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
            await self._release(dep)
            return False
        # Read again now that it is ours: the copy in hand may predate the last owner's
        # final poll (it finished and let go between our read and our claim), and
        # following that copy would tell the end, or steps, a second time.
        fresh = await self._store.get_watch(dep)
        if fresh is None or fresh.done:
            await self._release(dep)
            return False
        self._watches[dep] = fresh
        self._lost.discard(dep)
        self._pacer.add(dep, time.monotonic())
        self._wake.set()
        return True

    async def _pace(self) -> None:
        """Start each poll on its turn; polls run as tasks, so a slow one delays no other."""
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                now = time.monotonic()
                turn = self._pacer.next_turn(
                    now, interval=self.interval, fair=self._fair, least=self._poll_interval
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
            await asyncio.gather(*(self._release(dep) for dep in idle))

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
            carry_on = not watch.done
        except LeaseLostError:
            if await self._reclaim(dep) is False:
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
                    # One fewer in all, at once: waiting for the next scan to learn it
                    # would space the remaining polls too far apart meanwhile.
                    self._active = max(0, self._active - 1)
                if not keep_lease and dep not in self._lost:
                    await self._release(dep)

    def _forget(self, dep: str) -> None:
        self._watches.pop(dep, None)
        self._pacer.discard(dep)
        self._narrator.forget(dep)

    async def _release(self, dep: str) -> None:
        try:
            await self._leases.release(dep)
        except BotError as exc:
            log.warning("watch %s: lease not released (%s); it will expire", dep, exc.user_message)

    async def _renew(self) -> None:
        lost = await self._leases.renew(set(self._watches))
        for dep in lost:
            if await self._reclaim(dep) is False:
                log.warning("watch %s: lease lost; stopping here", dep)
                self._lost.add(dep)

    async def _reclaim(self, dep: str) -> bool | None:
        """Take back a lease that lapsed with nobody else taking it: Redis refused its
        renewal for a while, or came back empty. True: taken back; False: another replica
        follows the watch now; None: Redis cannot say yet (it refuses writes), so the watch
        stays here, telling nothing, until it can.

        An empty Redis forgot the watch itself: this replica is the only one that still
        knows it, so it records it again and says so in the thread rather than going quiet.
        """
        watch = self._watches.get(dep)
        if watch is None or self._stopping.is_set():
            return False
        try:
            if not await self._leases.claim(dep):
                return False  # another replica follows it now
            if await self._store.get_watch(dep) is None:
                await self._narrator.restore(watch)
        except BotError as exc:
            log.warning("watch %s: lease not taken back yet: %s", dep, exc.user_message)
            return None
        log.warning("watch %s: its lease had lapsed; taken back", dep)
        return True

    async def _every(self, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
        while not self._stopping.is_set():
            try:
                await work()
            except BotError as exc:
                # Redis is down or Slack refused: keep the loop, try again next time.
                log.warning("%s skipped: %s", getattr(work, "__name__", "work"), exc.user_message)
            except Exception:
                # A bug must not end the loop that every watch depends on.
                log.exception("%s failed; trying again", getattr(work, "__name__", "work"))
            if await self._pause(seconds):
                return

    async def _nap(self, seconds: float) -> None:
        """Wait until a turn is due or something changes (a watch added, a poll ended, stop)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), None if math.isinf(seconds) else seconds)

    async def _pause(self, seconds: float) -> bool:
        """Wait; True when the bot is shutting down."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True
