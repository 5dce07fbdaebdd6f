"""Intents to start a rollback (``bot.usecases.starting``): an approval records one, the
starting replica keeps it alive, and another replica recovers one that lapses."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard
from bot.store.records_base import RedisRecords


class StartingIntents(RedisRecords):
    """Approved cards whose rollback is being started, scored by when the intent lapses."""

    def __init__(self, client: Client, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(client, clock=clock)
        self._take_lapsed = client.register_script(scripts.TAKE_LAPSED)

    async def keep_starting(self, card_id: str, *, until: float) -> None:
        """Push the intent's lapse later, if it is still there (never bring one back)."""
        async with guard(self._redis):
            await self._redis.zadd(keys.STARTING, {card_id: until}, xx=True)

    async def forget_starting(self, card_id: str) -> None:
        async with guard(self._redis):
            await self._redis.zrem(keys.STARTING, card_id)
            await self._redis.srem(keys.STARTING_RECHECKED, card_id)

    async def recheck_start_later(self, card_id: str, *, until: float) -> bool:
        """Look at a lapsed intent once more at ``until``; False if it was looked at again
        already (then it is for the caller to conclude)."""
        async with guard(self._redis):
            if not await self._redis.sadd(keys.STARTING_RECHECKED, card_id):
                return False
            await self._redis.zadd(keys.STARTING, {card_id: until}, xx=True)
        return True

    async def lapsed_starts(self, now: float, *, limit: int = 20) -> list[str]:
        """Cards whose intent to start lapsed: their replica stopped mid-start."""
        async with guard(self._redis):
            ids = await self._redis.zrangebyscore(keys.STARTING, "-inf", now, 0, limit)
        return [str(i) for i in ids]

    async def take_lapsed_start(self, card_id: str, *, now: float, until: float) -> bool:
        """Whether this caller won the lapsed intent of ``card_id`` to recover it."""
        async with guard(self._redis):
            won = await self._take_lapsed(keys=[keys.STARTING], args=[card_id, now, until])
        return bool(won)
