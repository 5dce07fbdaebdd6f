"""The look-taker: one replica at a time looks at the whole fleet (``GET /v2/apps``, 200
apps a page) and shares what it saw through Redis (``bot.store.fleet_snapshots``).

It holds a lease (``lease:fleet-look``), renewed as it goes; when it dies the lease runs
out and another replica takes the next look, and on shutdown it lets go at once. A look
is taken every ``ROLLBACK_POLL_INTERVAL`` while any rollback is followed (on any replica)
and every ``ROLLBACK_FLEET_INTERVAL`` otherwise; the interval stretches only when the
fleet needs more pages than the poll share of DigitalOcean's budget allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable

from bot.digitalocean.budget import RateBudget
from bot.digitalocean.client import DigitalOceanClient
from bot.errors import BotError
from bot.fleet.fleet_view import look_tick
from bot.store import keys
from bot.store.fleet_snapshots import FleetSnapshots
from bot.store.leases import Leases
from bot.store.redis_store import Store

log = logging.getLogger(__name__)

PER_PAGE = 200
"""The most apps DigitalOcean lists on one page (``per_page``'s maximum in the spec)."""


class Looker:
    def __init__(
        self,
        *,
        do: DigitalOceanClient,
        snapshots: FleetSnapshots,
        store: Store,
        leases: Leases,
        budget: RateBudget,
        poll_interval: float,
        fleet_interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._do = do
        self._snapshots = snapshots
        self._store = store
        self._leases = leases
        self._budget = budget
        self.poll_interval = poll_interval
        self.fleet_interval = fleet_interval
        self._clock = clock
        self._wake = asyncio.Event()
        self._unread_since: tuple[int, float] | None = None  # (look seq, since when)
        self.holding = False
        """Whether this replica held the look's lease at its last turn."""
        self.looks = 0
        """Looks this replica published (for tests and metrics)."""

    def wake(self) -> None:
        """Something changed (a rollback started here, or shutdown): look again now."""
        self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Take the looks due while this replica holds the lease, until ``stopping``."""
        try:
            while not stopping.is_set():
                self._wake.clear()
                try:
                    wait = await self.turn()
                except BotError as exc:
                    log.warning("fleet look skipped: %s", exc.user_message)
                    wait = min(self.poll_interval, self._heartbeat)
                except Exception:
                    log.exception("fleet look failed; trying again")
                    wait = min(self.poll_interval, self._heartbeat)
                if stopping.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), wait)
        finally:
            with contextlib.suppress(BotError):
                await self._leases.release(keys.FLEET_LOOK_LEASE)

    @property
    def tick(self) -> float:
        """How soon to ask again whether the last look has been read."""
        return look_tick(self.poll_interval)

    @property
    def _heartbeat(self) -> float:
        """How often the lease is renewed (or claimed by a replica that does not hold it)."""
        return self._leases.ttl / 3

    async def turn(self) -> float:
        """Take a look if this replica holds the lease and one is due; seconds until the
        next turn."""
        if not await self._leases.claim(keys.FLEET_LOOK_LEASE):
            self.holding = False
            return self._heartbeat
        if not self.holding:
            self.holding = True
            log.info("fleet looks: this replica takes them now")
        last = await self._snapshots.look()
        interval = await self.interval(pages=last.pages if last else 1)
        due = (last.taken_at + interval) if last is not None else -math.inf
        now = self._clock()
        if now < due:
            return min(due - now, self._heartbeat)
        if last is not None and await self._unread(last.seq, now=now, interval=interval):
            return self.tick
        await self.take(interval=interval)
        return min(interval, self._heartbeat)

    async def _unread(self, seq: int, *, now: float, interval: float) -> bool:
        """Whether to wait for a watch that has not had its turn on look ``seq`` yet:
        replacing that look now would replace news nobody told. Wait an interval at most,
        counted from when this replica first found it unread (a watch whose follower died,
        or whose channel is at Slack's pace, holds the looks up no longer)."""
        if not await self._snapshots.unread(seq):
            self._unread_since = None
            return False
        if self._unread_since is None or self._unread_since[0] != seq:
            self._unread_since = (seq, now)
        return now - self._unread_since[1] < interval

    async def interval(self, *, pages: int) -> float:
        """Seconds between looks: the poll interval while a rollback is followed, else the
        fleet interval; longer only if the pages would not fit the budget's poll share."""
        following = await self._store.count_active_watches()
        wanted = self.poll_interval if following else self.fleet_interval
        return max(wanted, pages / await self._budget.poll_rate())

    async def take(self, *, interval: float) -> int:
        """One look at every page; its seq once published, 0 if the lease was lost."""
        taken_at = self._clock()
        apps: dict[str, str] = {}
        async for app in self._do.iter_apps(per_page=PER_PAGE):
            apps[app.id] = app.model_dump_json()
            if len(apps) % PER_PAGE == 0 and not await self._leases.extend(keys.FLEET_LOOK_LEASE):
                log.warning("fleet look: lease lost half-way; another replica looks now")
                return 0
        pages = max(1, math.ceil(len(apps) / PER_PAGE))
        seq = await self._snapshots.publish(
            apps,
            owner=self._leases.owner,
            taken_at=taken_at,
            interval=interval,
            grace=2 * self._leases.ttl,
            pages=pages,
        )
        if seq:
            self.looks += 1
        else:
            log.warning("fleet look: not published (lease lost, or a newer look is in)")
        return seq
