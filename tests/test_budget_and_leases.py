"""The shared DigitalOcean budget and the watch leases, against a real Redis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from bot.budget import RateBudget
from bot.leases import Leases


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[redis.Redis, redis.Redis]]:
    """Two connections, as two replicas would have."""
    one = redis.Redis.from_url(redis_url, decode_responses=True)
    two = redis.Redis.from_url(redis_url, decode_responses=True)
    yield one, two
    await one.aclose()
    await two.aclose()


async def test_two_replicas_never_exceed_the_shared_budget(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    # Time scaled down: 5 requests per 0.5 s window, 15 requests wanted at once.
    budgets = [RateBudget(c, per_minute=5, window=0.5) for c in clients]
    granted: list[float] = []

    async def request(budget: RateBudget) -> None:
        await budget.acquire()
        granted.append(time.monotonic())

    await asyncio.gather(*(request(budgets[i % 2]) for i in range(15)))
    granted.sort()
    assert len(granted) == 15
    for i in range(len(granted) - 5):
        # Any 6 consecutive grants span more than one window.
        assert granted[i + 5] - granted[i] >= 0.5 - 0.02
    assert granted[-1] - granted[0] >= 1.0  # 15 at 5 a window needs three windows


async def test_digitalocean_saying_spent_pauses_every_replica(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    one, two = (RateBudget(c, per_minute=250) for c in clients)
    reset = time.time() + 0.6
    await one.observe({"ratelimit-remaining": "2", "ratelimit-reset": str(reset)})
    started = time.monotonic()
    waited = await two.acquire()
    assert waited > 0.3 and time.monotonic() - started > 0.3
    # Plenty left: no pause, no wait.
    await one.observe({"ratelimit-remaining": "200", "ratelimit-reset": str(time.time() + 60)})
    assert await one.acquire() == 0


async def test_lease_is_held_by_one_replica_and_taken_over_when_it_lapses(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    a = Leases(clients[0], owner="replica-a", ttl=0.3)
    b = Leases(clients[1], owner="replica-b", ttl=0.3)
    assert await a.claim("dep-1")
    assert not await b.claim("dep-1")
    assert await a.renew(["dep-1"]) == set()
    await asyncio.sleep(0.4)  # let the lease lapse, as when its owner dies
    assert await b.claim("dep-1")
    assert await a.renew(["dep-1"]) == {"dep-1"}  # a learns it lost it
    await a.release("dep-1")  # not a's to release: nothing happens
    assert await b.holds("dep-1")
    await b.release("dep-1")
    assert await a.claim("dep-1")
