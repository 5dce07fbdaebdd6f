"""Slack's posting pace per channel, kept by every replica together in Redis.

Slack's rate-limit reference: "chat.postMessage has special rate limiting conditions…
it will generally allow an app to post 1 message per second to a specific channel, with
short bursts over 1 allowed"; beyond that it answers 429. Thirty rollbacks narrated in
one channel would cross that line, so the bot keeps under it itself: at most ``burst``
posts in any ``burst / per_second`` seconds per channel (one a second on average, never
more than a short burst), shared by all replicas through one sorted set per channel.

A narrator that finds no place this turn simply posts at its next turn, telling
everything seen meanwhile in one reply; a person's card or an outcome waits a moment
for its place and is posted anyway if none comes (Slack's own 429 then paces it).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import cast

from bot.errors import StoreUnavailableError
from bot.store import keys
from bot.store.connect import Client
from bot.store.guard import guard

BURST = 3
"""Posts a channel may take at once; at one a second they leave the window in as many
seconds."""

# Takes ARGV[4] places if the window has room for all of them: returns "0", else the
# seconds until it will have.
_TAKE = """
local now, span, burst, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
    tonumber(ARGV[4])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - span)
local used = redis.call('zcard', KEYS[1])
if used + count > burst then
    local entry = redis.call('zrange', KEYS[1], used + count - burst - 1,
        used + count - burst - 1, 'WITHSCORES')
    return tostring(tonumber(entry[2]) + span - now)
end
for i = 1, count do
    redis.call('zadd', KEYS[1], now, ARGV[5] .. i)
end
redis.call('pexpire', KEYS[1], math.ceil(span * 1000))
return '0'
"""


class ChannelPace:
    def __init__(
        self,
        client: Client,
        *,
        per_second: float = 1.0,
        burst: int = BURST,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.burst = burst
        self.span = burst / per_second if per_second > 0 else 0.0
        """Seconds a full burst takes to leave the window (0: no pacing)."""
        self._clock = clock
        self._redis = client
        self._take = client.register_script(_TAKE)

    async def take(self, channel: str, *, count: int = 1) -> float:
        """Take ``count`` places in ``channel`` now: 0, or the seconds until there are
        that many (nothing taken). Without Redis: 0 (Slack's own 429 still paces)."""
        if not self.span:
            return 0.0
        count = min(max(count, 1), self.burst)
        try:
            async with guard(self._redis):
                answer = await self._take(
                    keys=[keys.channel_pace(channel)],
                    args=[self._clock(), self.span, self.burst, count, _member()],
                )
        except StoreUnavailableError:
            return 0.0
        return float(cast(str, answer))

    async def wait(self, channel: str, *, count: int = 1, patience: float = 3.0) -> bool:
        """Wait up to ``patience`` seconds for ``count`` places; True when they were taken."""
        deadline = time.monotonic() + patience
        while True:
            wait = await self.take(channel, count=count)
            if wait <= 0:
                return True
            if time.monotonic() + wait > deadline:
                return False
            await asyncio.sleep(wait + 0.005)


def _member() -> str:
    return secrets.token_hex(6) + ":"
