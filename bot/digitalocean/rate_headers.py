"""What DigitalOcean's rate-limit headers tell the shared budget (``bot.digitalocean.budget``).

What DigitalOcean says tightens the budget:

* ``ratelimit-remaining`` is what is left of the *hour* for the whole token; when other
  tools use the same token, the bot's hourly allowance shrinks to what they leave
  (learned from each answer, forgotten after a minute without news).
* A 429 with ``retry-after`` is the burst limit: every replica pauses that long (at most
  the minute window). A 429 without it is the hourly limit: the allowance drops to what
  the bot already has in flight, and every replica pauses until ``ratelimit-reset`` — but
  never longer than the minute window before looking again, since one stale reset must
  not freeze the bot for an hour.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import cast

from bot.errors import StoreUnavailableError
from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard

log = logging.getLogger(__name__)

_ALLOWANCE_MARGIN = 10  # requests in flight that DigitalOcean may not have counted yet
_OBSERVE_EVERY = 1 / 60  # of the minute window: one reading of the headers a second per replica


class RateHeaders:
    """Turns each answer's headers into the budget's allowance and pause, in Redis."""

    def __init__(
        self,
        client: Client,
        *,
        window: float,
        per_hour: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._window = window
        self._hour = window * 60
        self._per_hour = per_hour
        self._clock = clock
        self._redis = client
        self._allow = client.register_script(scripts.BUDGET_ALLOW)
        self._pause = client.register_script(scripts.BUDGET_PAUSE)
        self._observed = -math.inf

    async def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from DigitalOcean's rate-limit headers on an answer (never raises for
        Redis: without it there is nothing to share)."""
        try:
            if status == 429:
                await self._refused(headers)
            else:
                await self._left(headers)
        except StoreUnavailableError:
            return

    async def _left(self, headers: Mapping[str, str]) -> None:
        limit, remaining = _int(headers, "ratelimit-limit"), _int(headers, "ratelimit-remaining")
        if limit is None or remaining is None or remaining >= self._per_hour:
            return  # more is left of the hour than the bot's own share: nothing to learn
        now = self._clock()
        if now - self._observed < self._window * _OBSERVE_EVERY:
            return
        self._observed = now
        async with guard(self._redis):
            allowance = await self._allow(
                keys=[keys.BUDGET_POLLS, keys.BUDGET_COMMANDS, keys.BUDGET_ALLOWANCE],
                args=[
                    now,
                    self._hour,
                    limit,
                    remaining,
                    _ALLOWANCE_MARGIN,
                    math.ceil(self._window * 1000),
                ],
            )
        if int(cast(int, allowance)) < self._per_hour:
            log.info(
                "DigitalOcean says %d requests are left of the token's hour; the bot's "
                "hourly allowance is %s",
                remaining,
                allowance,
            )

    async def _refused(self, headers: Mapping[str, str]) -> None:
        now = self._clock()
        retry_after = _float(headers, "retry-after")
        if retry_after is not None:
            until = now + min(max(retry_after, 0.0), self._window)
            log.warning("DigitalOcean's burst limit was hit; pausing %.1f s", until - now)
        else:
            # The hourly limit: nothing more is left of the hour. The next place frees
            # when the oldest request expires (ratelimit-reset); look again no later
            # than a minute from now however far away that says it is.
            reset = _float(headers, "ratelimit-reset") or now + self._window
            until = min(max(reset, now), now + self._window)
            log.warning("DigitalOcean's hourly limit was hit; pausing %.1f s", until - now)
            self._observed = -math.inf
            await self._left({**headers, "ratelimit-remaining": "0"})
        async with guard(self._redis):
            await self._pause(
                keys=[keys.BUDGET_PAUSE], args=[until, math.ceil((until - now) * 1000) + 1]
            )


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = _float(headers, name)
    return None if value is None else int(value)


def _float(headers: Mapping[str, str], name: str) -> float | None:
    try:
        value = float(headers.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
