"""The whole flow on Redis behind Sentinel (with a failover mid-rollback) and on a Redis
Cluster of three primaries: real servers on loopback (tests/redis_topologies.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.conftest import BotFactory
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
    # fixtures down in reverse). REDIS_URL names no reachable server: with REDIS_SENTINELS it gives only the db.
    return start_bot(redis_url="redis://127.0.0.1:1/0", redis_sentinels=sentinel.sentinels)


def each_reply_once(slack: FakeSlack, thread_ts: str) -> None:
    texts = [m.text for m in slack.thread(thread_ts)]
    assert sum(LIVE in t for t in texts) == 1
    assert LIVE in texts[-1]
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    assert not [t for t in texts if "lost its record" in t]  # the replica had it all
    lines = [line for t in texts for line in t.splitlines() if "`: *" in line]
    assert len(lines) == len(set(lines)) == STEP_LINES


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
    each_reply_once(slack, card.ts)
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
