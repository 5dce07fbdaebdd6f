"""Crashes, replicas, outages: real ``rollback-bot serve`` processes (issue 4)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.redis_server import RedisServer
from bot.sandbox.slack.fake import FakeSlack
from bot.store import keys
from tests.conftest import ProcessFactory
from tests.constants import SIGNING_SECRET
from tests.flow import (
    GOLANG_ID,
    roll_back,
    rollback_posts,
    told_once_in_order,
    wait_reply,
    wait_response,
)
from tests.processes import BotProcess
from tests.slack_driver import SlackDriver


def drive(process: BotProcess, slack: FakeSlack) -> SlackDriver:
    return SlackDriver(bot_url=process.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)


def rollback_on(process: BotProcess, slack: FakeSlack, *, until: str) -> str:
    """A rollback asked of and approved on ``process``, under way as far as a reply that
    says ``until``: its thread."""
    card, _ = roll_back(drive(process, slack), slack, until=until)
    return card.ts


def check_thread(slack: FakeSlack, thread_ts: str, *, repeats_allowed: int) -> None:
    """The thread ends with the true outcome and says each step change once, in order.

    ``repeats_allowed``: replies that may be said twice (one in flight at a crash).
    """
    texts = [m.text for m in slack.thread(thread_ts)]
    assert sum("is live on the rollback" in t for t in texts) == 1
    assert "is live on the rollback" in texts[-1]
    repeated = sum(n - 1 for n in Counter(texts).values())
    assert repeated <= repeats_allowed, texts
    told_once_in_order(texts, retold=repeats_allowed)


def test_sigkill_mid_rollback_then_restart(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator
) -> None:
    first = bot_process()
    thread = rollback_on(first, slack, until="*RUNNING*")
    first.kill()
    assert not any("is live" in m.text for m in slack.thread(thread))
    bot_process()
    wait_reply(slack, thread, "is live on the rollback", timeout=30)
    check_thread(slack, thread, repeats_allowed=1)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_surviving_replica_takes_over_from_a_killed_one(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator
) -> None:
    leader, other = bot_process(), bot_process()
    thread = rollback_on(leader, slack, until="*RUNNING*")
    leader.kill()
    wait_reply(slack, thread, "is live on the rollback", timeout=30)
    check_thread(slack, thread, repeats_allowed=1)
    assert "following 1 more watch(es)" in other.log()


def test_sigterm_hands_the_watch_over_at_once(
    bot_process: ProcessFactory, slack: FakeSlack, redis_url: str
) -> None:
    leader, other = bot_process(), bot_process()
    thread = rollback_on(leader, slack, until="*RUNNING*")
    assert leader.proc is not None
    pid = leader.proc.pid
    assert leader.terminate() in (0, -15)
    assert "Application shutdown complete." in leader.log()
    # The leader gave its lease back rather than letting it expire.
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    owners = [client.get(key) for key in client.scan_iter(keys.LEASE_PREFIX + "*")]
    assert not any(f":{pid}:" in str(owner) for owner in owners)
    wait_reply(slack, thread, "is live on the rollback", timeout=30)
    check_thread(slack, thread, repeats_allowed=0)  # a clean hand-over repeats nothing
    assert "following 1 more watch(es)" in other.log()


def test_digitalocean_and_slack_errors_mid_rollback(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator
) -> None:
    bot = bot_process()
    thread = rollback_on(bot, slack, until="Rollback started")
    looks = "/v2/apps"  # how the rollback is followed: looks at the whole fleet
    sim.inject("GET", looks, status=500, times=3)
    sim.inject("GET", looks, status=429, retry_after=1)
    slack.fail("chat.postMessage", status=429, retry_after=1, times=2)
    slack.fail("chat.update", status=200, error="internal_error", times=2)
    wait_reply(slack, thread, "is live on the rollback", timeout=40)
    check_thread(slack, thread, repeats_allowed=0)
    assert sum(r.status == 429 for r in sim.requests) == 1  # only the injected one


def test_watch_that_never_progresses_gives_up_and_says_so(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator
) -> None:
    bot = bot_process(rollback_watch_timeout="2")
    thread = rollback_on(bot, slack, until="Rollback started")
    # Neither a look at the fleet nor the deployment itself answers, ever.
    sim.inject("GET", rf"/v2/apps(/{GOLANG_ID}/deployments/.+)?", status=503, times=None)
    text = wait_reply(slack, thread, "Stopped watching", timeout=30).text
    assert "Check it in the DigitalOcean control panel" in text


@pytest.fixture
def durable_redis() -> Iterator[RedisServer]:
    server = RedisServer(persistent=True)
    server.start()
    yield server
    server.stop()


def test_redis_outage_pauses_the_watch_and_refuses_commands_clearly(
    durable_redis: RedisServer, sim_url: str, slack: FakeSlack, sim: Simulator
) -> None:
    bot = BotProcess(slack_url=slack.url, do_url=sim_url, redis_url=durable_redis.url)
    bot.env["ROLLBACK_POLL_INTERVAL"] = "0.5"
    try:
        bot.start()
        driver = drive(bot, slack)
        thread = roll_back(driver, slack, until="*RUNNING*")[0].ts
        durable_redis.kill()
        asked = time.monotonic()
        ack = driver.command("sample-warn")
        assert time.monotonic() - asked < 3.0  # inside Slack's ack window
        assert ack.json()["text"] == "Working on it…"
        # Redis is first needed after the ack; the person is told through response_url.
        wait_response(slack, "state store (Redis) is unavailable")
        assert not [m for m in slack.top_level() if "sample-warn" in m.text]
        assert httpx.get(f"{bot.url}/readyz").status_code == 503
        durable_redis.start()
        wait_reply(slack, thread, "is live on the rollback", timeout=40)
        check_thread(slack, thread, repeats_allowed=1)
        assert httpx.get(f"{bot.url}/readyz").status_code == 200
        driver.command("status")
        wait_response(slack, "No rollbacks in flight")
    finally:
        bot.close()
