"""The approvals of a card that needs several (``Store.add_approval``), against a real
redis-server: each person once, the quorum decided once, an earlier decision winning."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.domain.records import Card, Decision, DecisionKind
from bot.store import keys
from bot.store.redis_store import Store
from tests.factories import make_card


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[Store]:
    s = Store.from_url(redis_url)
    yield s
    await s.aclose()


def two_of_them() -> Card:
    now = time.time()
    return make_card(id="q1", created_at=now, expires_at=now + 900, approvals_needed=2)


def approval(user: str) -> Decision:
    return Decision(kind=DecisionKind.APPROVED, user=user, at=time.time())


async def test_the_second_person_decides_with_both_in_order(store: Store) -> None:
    card = two_of_them()
    await store.save_card(card)
    first = await store.add_approval(card, approval("UBOB"), starting_until=time.time() + 60)
    assert (first.decision, first.approvals) == (None, ("UBOB",))
    # The tally lives as long as the card.
    ttl = await store.client.ttl(keys.approvals(card.id))
    assert 900 < ttl <= 900 + keys.CARD_KEEP_SECONDS
    again = await store.add_approval(card, approval("UBOB"), starting_until=time.time() + 60)
    assert again.again and again.approvals == ("UBOB",)
    last = await store.add_approval(card, approval("UCAROL"), starting_until=time.time() + 60)
    assert last.won and last.decision is not None
    assert (last.decision.user, last.decision.approvals) == ("UCAROL", ("UBOB", "UCAROL"))
    assert await store.get_decision(card.id) == last.decision
    assert await store.pending_cards() == []  # decided: no longer swept
    assert await store.lapsed_starts(time.time() + 120) == [card.id]  # the intent to start


async def test_twenty_second_approvals_decide_once(store: Store) -> None:
    card = two_of_them()
    await store.add_approval(card, approval("UBOB"), starting_until=time.time() + 60)
    results = await asyncio.gather(
        *(
            store.add_approval(card, approval(f"U{i}"), starting_until=time.time() + 60)
            for i in range(20)
        )
    )
    winners = [r.decision for r in results if r.won]
    assert len(winners) == 1 and winners[0] is not None
    assert {r.decision for r in results} == {winners[0]}  # every loser is told who won


async def test_an_earlier_decision_wins_and_reopening_forgets_the_approvals(
    store: Store,
) -> None:
    card = two_of_them()
    await store.add_approval(card, approval("UBOB"), starting_until=time.time() + 60)
    expired = Decision(kind=DecisionKind.EXPIRED, at=time.time())
    assert (await store.claim_decision(card.id, expired))[0]
    late = await store.add_approval(card, approval("UCAROL"), starting_until=time.time() + 60)
    assert (late.won, late.decision) == (False, expired)
    await store.reopen_card(card)
    assert await store.approvals(card.id) == ()
    fresh = await store.add_approval(card, approval("UCAROL"), starting_until=time.time() + 60)
    assert fresh.approvals == ("UCAROL",)
