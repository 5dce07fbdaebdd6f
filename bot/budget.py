"""One DigitalOcean rate budget shared by every replica, kept in Redis.

DigitalOcean allows 250 requests a minute per token. Every request first takes a slot
in a sliding one-minute window (a Lua script, so replicas cannot both take the last
slot); when the window is full the caller waits for the oldest slot to expire. The
``ratelimit-remaining`` / ``ratelimit-reset`` headers of each answer tighten this
further: if DigitalOcean says the token is spent (other tools may share it), everyone
waits until it resets.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from typing import cast

import redis.asyncio as redis

from bot import keys
from bot.errors import StoreUnavailableError
from bot.store import guard

log = logging.getLogger(__name__)

_WINDOW = 60.0
_LOW_WATER = 5  # remaining requests at which we stop and wait for DigitalOcean's reset

# Returns 0 when a slot was taken, else the seconds to wait before trying again.
_TAKE = """
local now = tonumber(ARGV[1])
local pause = tonumber(redis.call('get', KEYS[2]) or '0')
if pause > now then
    return tostring(pause - now)
end
redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[2]))
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[3]) then
    redis.call('zadd', KEYS[1], now, ARGV[4])
    redis.call('pexpire', KEYS[1], math.ceil(tonumber(ARGV[2]) * 1000))
    return '0'
end
local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + tonumber(ARGV[2]) - now)
"""


class RateBudget:
    def __init__(
        self,
        client: redis.Redis,
        *,
        per_minute: int,
        window: float = _WINDOW,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self.per_minute = per_minute
        self.window = window  # seconds; shorter only where a test or benchmark speeds time up
        self._clock = clock
        self._take = client.register_script(_TAKE)
        # One waiter of this process asks Redis at a time: when a slot frees, a crowd of
        # waiters asking at once would exhaust the connection pool for nothing.
        self._turn = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for a slot; return how long this call waited (seconds)."""
        waited = 0.0
        while True:
            try:
                async with self._turn:
                    wait = await self._try()
            except StoreUnavailableError:
                # Without Redis there is no shared count; DigitalOcean's own 429 and
                # retry-after still protect us, so go ahead rather than stall.
                return waited
            if wait <= 0:
                return waited
            wait = min(wait, self.window) + 0.01
            waited += wait
            await asyncio.sleep(wait)

    async def _try(self) -> float:
        async with guard():
            answer = await self._take(
                keys=[keys.BUDGET_WINDOW, keys.BUDGET_PAUSE],
                args=[self._clock(), self.window, self.per_minute, secrets.token_hex(8)],
            )
        return float(cast(str, answer))

    async def observe(self, headers: Mapping[str, str]) -> None:
        """Learn from DigitalOcean's rate-limit headers on an answer."""
        try:
            remaining = int(headers.get("ratelimit-remaining", ""))
            reset = float(headers.get("ratelimit-reset", ""))
        except ValueError:
            return
        if remaining > _LOW_WATER:
            return
        log.warning(
            "DigitalOcean budget nearly spent (%d left); pausing until %.0f", remaining, reset
        )
        try:
            async with guard():
                # Only ever push the pause later, whichever replica saw it first.
                current = float(await self._redis.get(keys.BUDGET_PAUSE) or 0)
                if reset > current:
                    await self._redis.set(keys.BUDGET_PAUSE, reset, exat=int(reset) + 1)
        except StoreUnavailableError:
            return

    async def used(self) -> int:
        """Requests counted in the current window (for metrics and benchmarks)."""
        async with guard():
            await self._redis.zremrangebyscore(
                keys.BUDGET_WINDOW, "-inf", self._clock() - self.window
            )
            return int(await self._redis.zcard(keys.BUDGET_WINDOW))
