"""The Redis store, against a real private redis-server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.domain.records import Decision, DecisionKind
from bot.errors import StoreUnavailableError
from bot.store.redis_store import Store
from tests.factories import make_card, stored_watch
from tests.redis_server import free_port


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    s = Store.from_url(redis_url)
    yield s
    await s.aclose()


async def test_card_round_trip_with_ttl(store: Store, redis_url: str) -> None:
    now = time.time()
    card = make_card(id="c1", created_at=now, expires_at=now + 900)
    await store.save_card(card)
    assert await store.get_card("c1") == card
    assert await store.get_card("missing") is None


async def test_first_decision_wins_even_when_twenty_race(store: Store) -> None:
    decisions = [
        Decision(kind=DecisionKind.APPROVED, user=f"U{i}", at=time.time()) for i in range(20)
    ]
    results = await asyncio.gather(*(store.claim_decision("c1", d) for d in decisions))
    winners = [decision for won, decision in results if won]
    assert len(winners) == 1
    # Every loser is told who won.
    assert {decision.user for _, decision in results} == {winners[0].user}
    assert await store.get_decision("c1") == winners[0]


async def test_watches_are_listed_until_done(store: Store) -> None:
    await store.start_watch(stored_watch("d1"))
    await store.start_watch(stored_watch("d2"))
    assert {w.deployment_id for w in await store.active_watches()} == {"d1", "d2"}
    await store.save_watch(stored_watch("d1", done=True))
    assert [w.deployment_id for w in await store.active_watches()] == ["d2"]
    finished = await store.get_watch("d1")
    assert finished is not None and finished.done
    latest = await store.latest_rollback("app-1")
    assert latest is not None and latest.deployment_id == "d2"


async def test_statuses_survive_a_new_client(store: Store, redis_url: str) -> None:
    await store.save_watch(stored_watch("d1"))
    other = Store.from_url(redis_url)
    try:
        resumed = await other.active_watches()
    finally:
        await other.aclose()
    assert resumed[0].statuses == {"build": "RUNNING"}


async def test_unreachable_redis_is_a_typed_error() -> None:
    dead = Store.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        assert await dead.ping() is False
        with pytest.raises(StoreUnavailableError) as caught:
            await dead.get_card("c1")
        assert "Redis" in caught.value.user_message
    finally:
        await dead.aclose()
