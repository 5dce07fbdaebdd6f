"""The watcher: decides which replica follows which rollback, and how often it polls.

Every unfinished watch is listed in Redis. Each replica scans that list, claims the
lease of any watch nobody holds, and follows it (``bot.narrator`` does one poll at a
time). A heartbeat renews this replica's leases; when a replica dies its leases expire
and another replica takes the watches over within a few poll intervals. On shutdown
the leases are released at once so another replica carries on without waiting.

Polling slows fairly when many rollbacks run at once: every watch polls at the same
interval, stretched so that all of them together stay within the DigitalOcean budget.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.errors import BotError, LeaseLostError
from bot.leases import Leases
from bot.logs import bind
from bot.narrator import Narrator
from bot.records import Watch
from bot.store import Store
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

# Share of the DigitalOcean budget polls may use; the rest is kept for people's commands.
POLL_SHARE = 0.8


class Watcher:
    def __init__(
        self,
        *,
        narrator: Narrator,
        store: Store,
        leases: Leases,
        tasks: TaskTracker,
        poll_interval: float,
        budget_per_minute: int,
        budget_window: float = 60.0,
    ) -> None:
        self._narrator = narrator
        self._store = store
        self._leases = leases
        self._tasks = tasks
        self._poll_interval = poll_interval
        self._budget = budget_per_minute
        self._window = budget_window
        self._following: set[str] = set()
        self._lost: set[str] = set()
        self._active = 0
        self._stopping = asyncio.Event()

    @property
    def running(self) -> int:
        return len(self._following)

    @property
    def interval(self) -> float:
        """Seconds between two polls of one watch, given how many watches run in all."""
        fair = self._active * self._window / (self._budget * POLL_SHARE)
        return max(self._poll_interval, fair)

    def start(self, watch: Watch) -> None:
        """Follow a watch this replica just created (it claims the lease first)."""
        self._active += 1
        self._tasks.spawn(self._claim_and_follow(watch), name=f"watch:{watch.deployment_id}")

    def run_background(self) -> None:
        self._tasks.spawn(self._every(self._poll_interval, self.scan), name="watch-scan")
        self._tasks.spawn(self._every(self._leases.ttl / 3, self._renew), name="lease-heartbeat")

    def stop(self) -> None:
        self._stopping.set()

    async def scan(self) -> int:
        """Claim and follow every listed watch nobody follows; return how many."""
        following = set(self._following)
        watches = await self._store.active_watches(skip=following)
        self._active = len(watches) + len(following)
        started = 0
        for watch in watches:
            if watch.deployment_id in self._following or self._stopping.is_set():
                continue
            if await self._leases.claim(watch.deployment_id):
                self._follow_claimed(watch)
                started += 1
        if started:
            log.info("following %d more watch(es)", started)
        return started

    async def _claim_and_follow(self, watch: Watch) -> None:
        if await self._leases.claim(watch.deployment_id):
            self._follow_claimed(watch)

    def _follow_claimed(self, watch: Watch) -> None:
        self._following.add(watch.deployment_id)
        self._lost.discard(watch.deployment_id)
        with bind(deployment=watch.deployment_id, app=watch.app_name):
            self._tasks.spawn(self._follow(watch), name=f"follow:{watch.deployment_id}")

    async def _follow(self, watch: Watch) -> None:
        dep = watch.deployment_id
        keep_lease = False
        try:
            while not watch.done:
                if await self._pause(self.interval) or dep in self._lost:
                    break
                watch = await self._narrator.poll_safely(watch)
        except LeaseLostError:
            log.warning("watch %s: another replica took it over", dep)
            keep_lease = True
        finally:
            self._following.discard(dep)
            if not keep_lease and dep not in self._lost:
                await self._release(dep)

    async def _release(self, dep: str) -> None:
        try:
            await self._leases.release(dep)
        except BotError as exc:
            log.warning("watch %s: lease not released (%s); it will expire", dep, exc.user_message)

    async def _renew(self) -> None:
        lost = await self._leases.renew(set(self._following))
        for dep in lost:
            log.warning("watch %s: lease lost; stopping here", dep)
        self._lost |= lost

    async def _every(self, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
        while not self._stopping.is_set():
            try:
                await work()
            except BotError as exc:
                # Redis is down or Slack refused: keep the loop, try again next time.
                log.warning("%s skipped: %s", getattr(work, "__name__", "work"), exc.user_message)
            if await self._pause(seconds):
                return

    async def _pause(self, seconds: float) -> bool:
        """Wait; True when the bot is shutting down."""
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True
