"""Holding the leases of the watches this replica follows: letting go of one, and taking
back one that lapsed while nobody else took it."""

from __future__ import annotations

import logging

from bot.domain.records import Watch
from bot.errors import BotError
from bot.fleet.narrator import Narrator
from bot.store.leases import Leases
from bot.store.redis_store import Store

log = logging.getLogger(__name__)


class LeaseKeeper:
    def __init__(self, *, leases: Leases, store: Store, narrator: Narrator) -> None:
        self.leases = leases
        self._store = store
        self._narrator = narrator

    async def release(self, dep: str) -> None:
        try:
            await self.leases.release(dep)
        except BotError as exc:
            log.warning("watch %s: lease not released (%s); it will expire", dep, exc.user_message)

    async def reclaim(self, watch: Watch) -> bool | None:
        """Take back a lease that lapsed with nobody else taking it: Redis refused its
        renewal for a while, or came back empty. True: taken back; False: another replica
        follows the watch now; None: Redis cannot say yet (it refuses writes), so the watch
        stays here, telling nothing, until it can.

        An empty Redis forgot the watch itself: this replica is the only one that still
        knows it, so it records it again and says so in the thread rather than going quiet.
        """
        dep = watch.deployment_id
        try:
            if not await self.leases.claim(dep):
                return False  # another replica follows it now
            if await self._store.get_watch(dep) is None:
                await self._narrator.restore(watch)
        except BotError as exc:
            log.warning("watch %s: lease not taken back yet: %s", dep, exc.user_message)
            return None
        log.warning("watch %s: its lease had lapsed; taken back", dep)
        return True
