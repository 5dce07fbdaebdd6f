"""Redis store (redis-py asyncio): cards, decisions, intents to start, watches, and what
the bot remembers of Slack's deliveries and user groups.

Every Redis failure becomes ``StoreUnavailableError`` so callers can tell the user one
clear sentence; nothing here knows about Slack or HTTP. The parts live in
``bot.store.cards``, ``bot.store.start_intents`` and ``bot.store.watches``; ``Store`` is all
of them over one connection pool (cards with ``bot.store.approvals``, their approvals).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import RedisError

from bot.settings import Settings
from bot.store import keys
from bot.store.approvals import CardApprovals
from bot.store.connect import connect
from bot.store.guard import guard
from bot.store.start_intents import StartingIntents
from bot.store.watches import WatchRecords

POOL_OPTIONS: dict[str, Any] = {
    "decode_responses": True,
    # Short enough that a command still gets its answer within Slack's 3 s.
    "socket_timeout": 1.0,
    "socket_connect_timeout": 1.0,
    "retry": Retry(ExponentialBackoff(cap=0.2, base=0.05), retries=1),
    "health_check_interval": 15,
    # redis-py fails at once past the pool's size; bursts of commands and hundreds of
    # watches need more than its default of 100 (on a cluster: per node).
    "max_connections": 1000,
}


class Store(CardApprovals, StartingIntents, WatchRecords):
    """The bot's only state, shared by every replica."""

    @classmethod
    def connect(cls, settings: Settings, *, clock: Callable[[], float] = time.time) -> Store:
        """The store on the settings' Redis: one server, Sentinel's primary or a cluster."""
        return cls(connect(settings, **POOL_OPTIONS), clock=clock)

    @classmethod
    def from_url(cls, url: str, *, clock: Callable[[], float] = time.time) -> Store:
        """The store on one plain server, for tests and tools that have only its URL."""
        return cls(redis.Redis.from_url(url, **POOL_OPTIONS), clock=clock)

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
