"""The whole flow on Redis behind Sentinel (with a failover mid-rollback) and on a Redis
Cluster of three primaries: real servers on loopback (tests/redis_topologies.py)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import bot
from bot.domain.records import Decision, DecisionKind
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.settings import load_settings
from bot.store.connect import ready
from bot.store.redis_store import Store
from tests.conftest import BotFactory
from tests.constants import DO_TOKEN, SLACK_TOKEN
from tests.factories import make_card
from tests.flow import GOLANG_ID, LIVE, pinned, roll_back, rollback_posts, wait_reply
from tests.redis_topologies import Cluster, SentinelSetup
from tests.slack_driver import SlackDriver

STEP_LINES = 22  # step-status lines of the sample-golang rollback, each said once


@pytest.fixture
def sentinel() -> Iterator[SentinelSetup]:
    setup = SentinelSetup()
    yield setup
    setup.stop()


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    nodes = Cluster()
    yield nodes
    nodes.stop()


def on_sentinel(start_bot: BotFactory, sentinel: SentinelSetup) -> SlackDriver:
    # The servers are set up before the bot so that they stop after it (pytest tears
    # fixtures down in reverse). REDIS_URL names no reachable server: with
    # REDIS_SENTINELS it gives only the db.
    return start_bot(redis_url="redis://127.0.0.1:1/0", redis_sentinels=sentinel.sentinels)


def each_reply_once(slack: FakeSlack, thread_ts: str, *, every_step: bool = True) -> None:
    """The thread ends with one "is live" reply and says nothing twice; ``every_step``:
    each of the rollback's step changes is in it (without it, a status a step held only
    while Redis could not record it may be passed over, as between two polls)."""
    texts = [m.text for m in slack.thread(thread_ts)]
    assert sum(LIVE in t for t in texts) == 1
    assert LIVE in texts[-1]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    assert not [t for t in texts if "lost its record" in t]  # the replica had it all
    lines = [line for t in texts for line in t.splitlines() if "`: *" in line]
    assert len(lines) == len(set(lines))
    assert any("`deploy`: *SUCCESS*" in line for line in lines)
    if every_step:
        assert len(lines) == STEP_LINES
    else:
        assert len(lines) <= STEP_LINES


def commit(driver: SlackDriver, slack: FakeSlack, card_ts: str, live_ts: str) -> None:
    live = slack.message(live_ts)
    driver.press(live, "rollback_commit", user="UBOB")
    wait_reply(slack, card_ts, "Committed by <@UBOB>")


def test_a_whole_flow_behind_sentinel(
    sentinel: SentinelSetup, start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = on_sentinel(start_bot, sentinel)
    card, live = roll_back(driver, slack)
    each_reply_once(slack, card.ts)
    commit(driver, slack, card.ts, live.ts)
    assert not pinned(sim, GOLANG_ID)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_a_rollback_completes_when_sentinel_fails_over_mid_way(
    sentinel: SentinelSetup, start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = on_sentinel(start_bot, sentinel)
    card, _ = roll_back(driver, slack, until="*RUNNING*")
    sentinel.kill_primary_and_wait_for_failover()
    live = wait_reply(slack, card.ts, LIVE, timeout=40)
    each_reply_once(slack, card.ts, every_step=False)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    commit(driver, slack, card.ts, live.ts)  # the promoted replica takes the writes


def test_a_whole_flow_on_a_redis_cluster(
    cluster: Cluster, start_bot: BotFactory, slack: FakeSlack, sim: Simulator
) -> None:
    driver = start_bot(redis_url=cluster.url, redis_cluster=True)
    card, live = roll_back(driver, slack)
    each_reply_once(slack, card.ts)
    commit(driver, slack, card.ts, live.ts)
    assert not pinned(sim, GOLANG_ID)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


async def _transactions(store: Store, start: int) -> None:
    now = time.time()
    cards = [
        make_card(id=f"c{start + i}", created_at=now, expires_at=now + 900, approvals_needed=2)
        for i in range(20)
    ]
    await asyncio.gather(*(store.save_card(card) for card in cards))  # MULTI/EXEC
    assert len(await store.pending_cards()) >= len(cards)  # MGET over many cards
    decision = Decision(kind=DecisionKind.APPROVED, user="UBOB", at=now)
    counted = await asyncio.gather(
        *(store.add_approval(c, decision, starting_until=now + 60) for c in cards)
    )  # Lua over the card's decision, approvals and the shared sets: one slot
    assert [a.approvals for a in counted] == [("UBOB",)] * len(cards)
    won = await asyncio.gather(*(store.claim_decision(c.id, decision) for c in cards))  # Lua
    assert all(first for first, _ in won)
    await asyncio.gather(*(store.reopen_card(card) for card in cards))  # MULTI/EXEC again
    await asyncio.gather(*(store.discard_card(card.id) for card in cards))
    assert [await store.get_card(card.id) for card in cards] == [None] * len(cards)


def test_transactions_on_a_cluster_survive_one_event_loop_after_another(
    cluster: Cluster,
) -> None:
    """redis-py 8.1's async cluster client fails with "Event loop is closed" after a
    ``pipeline(transaction=True)`` (it runs queued commands in a thread with a loop of its
    own): the store's writes that go together, scripts now, run many at once, the client is
    closed, and a new client in a new event loop (``check``, then ``serve``) does it all
    again."""
    settings = load_settings(
        slack_bot_token=SLACK_TOKEN,
        digitalocean_token=DO_TOKEN,
        redis_url=cluster.url,
        redis_cluster=True,
    )

    async def run(start: int) -> None:
        store = Store.connect(settings)
        try:
            await ready(store.client)  # as the bot does on start
            await _transactions(store, start)
        finally:
            await store.aclose()

    for start in (0, 100, 200):
        asyncio.run(run(start))


def test_no_transaction_pipeline_in_the_bot() -> None:
    """Most tests run on one server, where MULTI/EXEC works; on a cluster redis-py 8.1's
    transaction pipeline breaks the client (the test above), so the bot has none."""
    found = [
        str(path)
        for path in Path(bot.__file__).parent.rglob("*.py")
        if ".pipeline(" in path.read_text(encoding="utf-8")
    ]
    assert found == []
