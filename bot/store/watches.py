"""Watched deployments in Redis: the record of each, the set of unfinished ones a restarted
replica resumes, and each app's latest rollback."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from bot.domain.records import Watch, WatchKind
from bot.errors import LeaseLostError
from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard
from bot.store.records_base import RedisRecords, readable


class WatchRecords(RedisRecords):
    """Watches, written only by the replica holding their lease when it says so."""

    def __init__(self, client: Client, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(client, clock=clock)
        self._save_watch = client.register_script(scripts.SAVE_WATCH)

    async def start_watch(self, watch: Watch) -> None:
        """Record a new watch; a rollback also becomes its app's latest rollback. A watch
        already recorded (another replica adopted the same deployment) is left as it is."""
        await self.save_watch(watch, latest=watch.kind == WatchKind.ROLLBACK, new=True)

    async def save_watch(
        self, watch: Watch, *, latest: bool = False, owner: str | None = None, new: bool = False
    ) -> None:
        """Write the watch record; an unfinished watch is also listed for resumption.

        With ``owner``, the write happens only while ``owner`` holds the watch's lease
        (checked in the same script), else ``LeaseLostError``.
        """
        async with guard(self._redis):
            written = await self._save_watch(
                keys=[
                    keys.watch(watch.deployment_id),
                    keys.ACTIVE_WATCHES,
                    keys.app_rollback(watch.app_id),
                    keys.lease(watch.deployment_id),
                ],
                args=[
                    watch.model_dump_json(),
                    "1" if watch.settled else "0",
                    watch.deployment_id,
                    keys.CARD_KEEP_SECONDS,
                    "1" if latest else "0",
                    owner or "",
                    "1" if new else "0",
                ],
            )
        if not written:
            raise LeaseLostError(watch.deployment_id)

    async def get_watch(self, deployment_id: str) -> Watch | None:
        async with guard(self._redis):
            raw = await self._redis.get(keys.watch(deployment_id))
        return Watch.model_validate_json(raw) if raw else None

    async def active_watches(self, *, skip: Collection[str] = ()) -> list[Watch]:
        """Unfinished watches, except those in ``skip`` (not even read)."""
        async with guard(self._redis):
            members = await self._redis.smembers(keys.ACTIVE_WATCHES)
            ids = sorted(str(i) for i in members if str(i) not in skip)
            if not ids:
                return []
            raws = await self._redis.mget([keys.watch(i) for i in ids])
        return readable(Watch, raws)

    async def count_active_watches(self) -> int:
        """How many watches are unfinished, on every replica (one round trip)."""
        async with guard(self._redis):
            return int(await self._redis.scard(keys.ACTIVE_WATCHES))

    async def latest_rollback(self, app_id: str) -> Watch | None:
        """The most recent rollback watch of an app, if the bot started one."""
        async with guard(self._redis):
            deployment_id = await self._redis.get(keys.app_rollback(app_id))
        return await self.get_watch(str(deployment_id)) if deployment_id else None
