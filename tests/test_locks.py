"""Per-app locks: what a claim comes to, against a real private redis-server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from bot.store.locks import AppLocks, Claim


@pytest.fixture
async def locks(redis_url: str) -> AsyncIterator[AppLocks]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield AppLocks(client)
    await client.aclose()


async def test_a_claim_says_whether_it_was_taken_and_by_whom(locks: AppLocks) -> None:
    assert await locks.claim("app-lock-1", "card-a", ttl=60) == Claim(taken=True)
    # A claim whose answer was lost is made again by its owner: it must not lock it out.
    assert await locks.claim("app-lock-1", "card-a", ttl=60) == Claim(taken=True)
    assert await locks.claim("app-lock-1", "card-b", ttl=60) == Claim(taken=False, holder="card-a")
    assert not await locks.release("app-lock-1", "card-b")
    assert await locks.release("app-lock-1", "card-a")
    assert await locks.claim("app-lock-1", "card-b", ttl=60) == Claim(taken=True)
    assert await locks.holder("app-lock-1") == "card-b"
