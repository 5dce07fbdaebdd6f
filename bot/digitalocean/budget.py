"""DigitalOcean's two rate windows, budgeted in Redis and shared by every replica.

DigitalOcean allows a token 250 requests a minute and 5,000 an hour, each request
counting on its own timer for a minute and for an hour (``shared/do-openapi``,
``description.yml``, "Rate Limit"). The bot keeps its own share of both
(``DIGITALOCEAN_REQUESTS_PER_MINUTE`` / ``_PER_HOUR``) as one sorted set of the requests
of the last hour per lane, all replicas together: a request takes a place only while both
windows have room (``bot.store.scripts``: one Lua script, so two replicas never take the
last place twice).

Two lanes share the windows, each counted apart. Polls may fill only ``POLL_SHARE`` of
each window, so people's commands always find a reserve; commands may fill the rest of
the hour and half of any minute (``COMMAND_SHARES``), so rollbacks in flight keep being
told however many commands come. A
command waits at most ``COMMAND_PATIENCE`` seconds for a place and otherwise is refused at
once with the time one frees up (``DOBudgetError``), never left waiting silently.

What DigitalOcean says on each answer tightens the budget
(``bot.digitalocean.rate_headers``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import cast

from bot.digitalocean.rate_headers import RateHeaders
from bot.errors import DOBudgetError, StoreUnavailableError
from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard

log = logging.getLogger(__name__)

POLL_SHARE = 0.8
"""Share of each window that polls may fill: the rest is kept for people's commands (a
proposal makes 3 calls, an approval 2)."""

COMMAND_SHARES = (0.5, 1 - POLL_SHARE)
"""Shares of the minute and of the hour that commands may fill. The hour is split, never
shared: were commands to take more of it than polls leave, the hour would fill before it
ends and every rollback in flight would go untold until its oldest requests expired. A
minute may be shared, at the cost of a wait shorter than a minute: people's clicks come in
bursts."""

COMMAND_PATIENCE = 5.0
"""Seconds a person's command may wait for a place before it is told when one frees up."""

_READ_RATE_EVERY = 1 / 12  # of the minute window: the allowance read every 5 s per replica


class Lane(StrEnum):
    COMMAND = "command"
    POLL = "poll"


@dataclass(frozen=True)
class Limits:
    per_minute: int
    per_hour: int
    window: float = 60.0
    """Seconds of DigitalOcean's minute; shorter only where a test or benchmark runs a
    simulated DigitalOcean on a compressed clock. Its hour is 60 of these."""

    @property
    def hour(self) -> float:
        return self.window * 60


class RateBudget:
    def __init__(
        self,
        client: Client,
        limits: Limits,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self.limits = limits
        self._clock = clock
        self._take = client.register_script(scripts.BUDGET_TAKE)
        # One waiter of this process asks Redis at a time: when a place frees, a crowd of
        # waiters asking at once would exhaust the connection pool for nothing.
        self._turn = asyncio.Lock()
        self._headers = RateHeaders(
            client, window=limits.window, per_hour=limits.per_hour, clock=clock
        )
        self._rate_read = (-math.inf, 0.0)  # (when, poll_rate) as last read

    def lane(self, lane: Lane) -> BudgetLane:
        """What a DigitalOcean client of ``lane`` acquires places from."""
        return BudgetLane(self, lane)

    def patience(self, lane: Lane) -> float:
        """Seconds a caller of ``lane`` may wait for a place (or a 429's retry-after)."""
        return COMMAND_PATIENCE if lane == Lane.COMMAND else self.limits.window

    async def acquire(self, lane: Lane) -> float:
        """Wait for a place; return how long this call waited (seconds).

        ``DOBudgetError`` when none frees up within the lane's patience."""
        waited = 0.0
        patience = self.patience(lane)
        while True:
            try:
                async with self._turn:
                    wait = await self._try(lane)
            except StoreUnavailableError:
                # Without Redis there is no shared count; DigitalOcean's own 429 and
                # retry-after still protect us, so go ahead rather than stall.
                return waited
            if wait <= 0:
                return waited
            if waited + wait > patience:
                raise _spent(now=self._clock(), wait=wait)
            wait = min(wait, self.limits.window) + 0.005
            waited += wait
            await asyncio.sleep(wait)

    async def _try(self, lane: Lane) -> float:
        (minute_share, hour_share), own, other = (
            ((POLL_SHARE, POLL_SHARE), keys.BUDGET_POLLS, keys.BUDGET_COMMANDS)
            if lane == Lane.POLL
            else (COMMAND_SHARES, keys.BUDGET_COMMANDS, keys.BUDGET_POLLS)
        )
        async with guard(self._redis):
            answer = await self._take(
                keys=[own, other, keys.BUDGET_PAUSE, keys.BUDGET_ALLOWANCE],
                args=[
                    self._clock(),
                    self.limits.window,
                    self.limits.hour,
                    self.limits.per_minute,
                    self.limits.per_hour,
                    minute_share,
                    secrets.token_hex(8),
                    hour_share,
                ],
            )
        return float(cast(str, answer))

    async def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from DigitalOcean's rate-limit headers on an answer."""
        await self._headers.observe(status, headers)

    async def used(self) -> tuple[int, int]:
        """Requests counted in the current minute and hour (for metrics and benchmarks)."""
        now = self._clock()
        minute = hour = 0
        async with guard(self._redis):
            for key in (keys.BUDGET_POLLS, keys.BUDGET_COMMANDS):
                await self._redis.zremrangebyscore(key, "-inf", now - self.limits.hour)
                minute += await self._redis.zcount(key, f"({now - self.limits.window}", "+inf")
                hour += await self._redis.zcard(key)
        return minute, hour

    async def poll_rate(self) -> float:
        """Polls a second all replicas together may make within both windows' poll share,
        given what DigitalOcean leaves the bot of the hour (read again every few seconds)."""
        now = self._clock()
        if now - self._rate_read[0] < self.limits.window * _READ_RATE_EVERY:
            return self._rate_read[1]
        hourly = self.limits.per_hour
        try:
            async with guard(self._redis):
                allowance = await self._redis.get(keys.BUDGET_ALLOWANCE)
            if allowance is not None:
                hourly = min(hourly, int(float(allowance)))
        except (StoreUnavailableError, ValueError):
            pass
        self._rate_read = (now, self.static_poll_rate(per_hour=hourly))
        return self._rate_read[1]

    def static_poll_rate(self, *, per_hour: int | None = None) -> float:
        """``poll_rate`` from the settings alone (or a given hourly allowance)."""
        hourly = self.limits.per_hour if per_hour is None else per_hour
        per_second = min(self.limits.per_minute / self.limits.window, hourly / self.limits.hour)
        # Never zero: a watch is still polled now and then, and its poll waits for a place.
        return max(per_second * POLL_SHARE, 1 / self.limits.window)


class BudgetLane:
    """One lane of the budget, as a DigitalOcean transport sees it (``do_http.Throttle``)."""

    def __init__(self, budget: RateBudget, lane: Lane) -> None:
        self._budget = budget
        self.lane = lane
        self.patience = budget.patience(lane)

    async def acquire(self) -> float:
        return await self._budget.acquire(self.lane)

    async def observe(self, status: int, headers: Mapping[str, str]) -> None:
        await self._budget.observe(status, headers)


def _spent(*, now: float, wait: float) -> DOBudgetError:
    frees_at = now + wait
    seconds = max(1, math.ceil(wait))
    when = datetime.fromtimestamp(frees_at, tz=UTC).strftime("%H:%M:%S UTC")
    span = f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"
    return DOBudgetError(
        "The bot's share of DigitalOcean's API rate limit is used up right now; "
        f"it frees up in about {span} ({when}). Nothing was done: try again then.",
        frees_at=frees_at,
    )
