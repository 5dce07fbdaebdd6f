"""Redis store (redis-py asyncio): cards, decisions, intents to start, watches, and what
the bot remembers of Slack's deliveries and user groups.

Every Redis failure becomes ``StoreUnavailableError`` so callers can tell the user one
clear sentence; nothing here knows about Slack or HTTP. The parts live in
``bot.store.cards``, ``bot.store.start_intents`` and ``bot.store.watches``; ``Store`` is all
of them over one connection pool.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from bot.store import keys
from bot.store.cards import CardRecords
from bot.store.guard import guard
from bot.store.start_intents import StartingIntents
from bot.store.watches import WatchRecords


class Store(CardRecords, StartingIntents, WatchRecords):
    """The bot's only state, shared by every replica."""

    @classmethod
    def from_url(cls, url: str, *, clock: Callable[[], float] = time.time) -> Store:
        return cls(
            redis.Redis.from_url(
                url,
                decode_responses=True,
                # Short enough that a command still gets its answer within Slack's 3 s.
                socket_timeout=1.0,
                socket_connect_timeout=1.0,
                retry=Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
                health_check_interval=15,
                # redis-py fails at once past the pool's size; bursts of commands and
                # hundreds of watches need more than its default of 100.
                max_connections=1000,
            ),
            clock=clock,
        )

    async def aclose(self) -> None:
        await self._redis.aclose()

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError):
            return False

    async def first_delivery(self, delivery_id: str) -> bool:
        """True the first time a delivery id is seen; Slack's retries get False."""
        async with guard(self._redis):
            return bool(
                await self._redis.set(keys.seen(delivery_id), "1", nx=True, ex=keys.SEEN_SECONDS)
            )

    async def cached_group(self, group_id: str) -> list[str] | None:
        async with guard(self._redis):
            raw = await self._redis.get(keys.group(group_id))
        return [str(u) for u in json.loads(raw)] if raw else None

    async def cache_group(self, group_id: str, members: list[str]) -> None:
        async with guard(self._redis):
            await self._redis.set(
                keys.group(group_id), json.dumps(members), ex=keys.GROUP_CACHE_SECONDS
            )
