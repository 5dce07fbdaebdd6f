"""An unlucky operator's faults, one at a time, against the running bot: Redis that refuses
writes or comes back empty, Slack that drops an edit or closes a channel, DigitalOcean
that answers a POST with nothing readable, a button from an older rollback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest
import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.progress import BUILD_FAILURE
from bot.sandbox.slack.fake import BOT_USER, FakeSlack
from bot.store import keys
from tests.conftest import BotFactory
from tests.flow import (
    GOLANG_ID,
    LIVE,
    ask_for_rollback,
    pinned,
    roll_back,
    rollback_posts,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver


@pytest.fixture
def store(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.config_set("maxmemory", 0)  # whatever a test left behind
    client.close()


def approved(driver: SlackDriver, slack: FakeSlack, *, channel: str = "CDEPLOY") -> str:
    before = len(slack.top_level(channel))
    driver.command("sample-golang", user="UALICE", channel=channel)
    card = slack.wait_for(lambda: slack.top_level(channel)[before:])[0]
    driver.press(card, "rollback_approve", user="UBOB")
    return card.ts


def told_once(slack: FakeSlack, thread: str) -> list[str]:
    """The thread's replies, having checked that each says something new: no reply and
    no step line twice, one outcome."""
    texts = [m.text for m in slack.thread(thread)]
    assert len(texts) == len(set(texts)), texts
    lines = [line for t in texts for line in t.splitlines() if "`: *" in line]
    assert len(lines) == len(set(lines)), texts
    assert sum(LIVE in t for t in texts) == 1, texts
    return texts


def until(probe: object, *, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not callable(probe) or not probe():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.02)


def test_while_redis_refuses_writes_no_reply_is_told_twice(
    driver: SlackDriver, slack: FakeSlack, store: redis.Redis, caplog: pytest.LogCaptureFixture
) -> None:
    thread = approved(driver, slack)
    wait_reply(slack, thread, "*RUNNING*")
    # A full maxmemory with noeviction: reads work, every write is refused (OOM).
    store.config_set("maxmemory-policy", "noeviction")
    store.config_set("maxmemory", 1)
    try:
        until(lambda: sum("will retry" in r.getMessage() for r in caplog.records) >= 5)
    finally:
        store.config_set("maxmemory", 0)
    wait_reply(slack, thread, LIVE, timeout=20)
    wait_reply(slack, thread, "verified:")
    texts = told_once(slack, thread)
    assert len(texts) == 11  # started, 8 progress replies, live, its health


def test_redis_restarted_empty_mid_rollback_is_said_and_the_thread_carries_on(
    driver: SlackDriver, slack: FakeSlack, store: redis.Redis
) -> None:
    thread = approved(driver, slack)
    wait_reply(slack, thread, "*RUNNING*")
    store.flushall()  # as a Redis without persistence comes back from a restart
    wait_reply(slack, thread, "lost its record of this rollback", timeout=15)
    wait_reply(slack, thread, LIVE, timeout=20)
    told_once(slack, thread)


def test_a_channel_closed_to_the_bot_mutes_the_watch_which_still_ends(
    driver: SlackDriver, slack: FakeSlack, store: redis.Redis
) -> None:
    slack.add_channel("GOPS", private=True, members={"UALICE", "UBOB", BOT_USER})
    thread = approved(driver, slack, channel="GOPS")
    wait_reply(slack, thread, "*RUNNING*")
    slack.add_channel("GOPS", private=True, members={"UALICE", "UBOB"})  # the bot removed
    refused_before = len(slack.refusals)
    until(lambda: not store.smembers(keys.ACTIVE_WATCHES))  # the watch ended on its own
    # Told to Slack once (the refusal), never hammered: the watch went on muted.
    assert len(slack.refusals) - refused_before <= 2
    # And let go of the app: just after the watch is stored as ended (``Narrator._finish``).
    until(lambda: not store.keys(keys.APP_LOCK_PREFIX + "*"))
    driver.command("audit sample-golang", user="UALICE", channel="CDEPLOY")
    wait_response(slack, "not told in Slack (channel_not_found)")


def test_a_failed_card_edit_while_approving_does_not_strand_the_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    edit_fails = partial(slack.fail, "chat.update", status=200, error="internal_error", times=1)
    card, _ = roll_back(driver, slack, meanwhile=edit_fails)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    # The card catches up with the rollback: its buttons gone, its status line current.
    slack.wait_for(lambda: "*ACTIVE*" in slack.message(card.ts).text)
    assert slack.message(card.ts).buttons() == {}


def test_a_post_answered_with_nothing_readable_is_adopted_not_sent_again(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    # DigitalOcean starts the rollback but answers 200 without the deployment.
    post = rf"/v2/apps/{GOLANG_ID}/rollback"
    unreadable = partial(sim.inject, "POST", post, status=200, body={}, after_effect=True)
    card, _ = roll_back(driver, slack, meanwhile=unreadable)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    told_once(slack, card.ts)


def test_an_older_rollbacks_revert_button_acts_on_nothing_else(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    sim.set_rollback_failure(GOLANG_ID, BUILD_FAILURE)
    first = approved(driver, slack)
    failure = wait_reply(slack, first, "failed")
    sim.set_rollback_failure(GOLANG_ID, None)
    second = approved(driver, slack)
    wait_reply(slack, second, LIVE)
    assert pinned(sim, GOLANG_ID)
    # The first rollback's Revert, as a reply from before this fix would still carry it.
    first_dep = sim.list_deployments(GOLANG_ID)[1]["id"]
    driver.click(
        "rollback_revert", str(first_dep), user="UBOB", message_ts=failure.ts, blocks=failure.blocks
    )
    wait_response(slack, "which the app is no longer pinned to")
    assert sim.count("POST", rf"/v2/apps/{GOLANG_ID}/rollback/revert") == 0
    assert pinned(sim, GOLANG_ID)  # the second rollback, untouched


def test_the_sweeper_goes_on_past_a_card_it_cannot_read(
    start_bot: BotFactory, slack: FakeSlack, store: redis.Redis
) -> None:
    # A record the bot cannot read (written by another version, say), overdue: it once
    # ended the sweeper for good, and no card expired in that process again.
    store.set(keys.card("unreadable"), "{not json")
    store.zadd(keys.PENDING_CARDS, {"unreadable": time.time() - 60})
    driver = start_bot(rollback_confirm_ttl=1)
    card = ask_for_rollback(driver, slack)
    slack.wait_for(lambda: "Expired" in slack.message(card.ts).text, timeout=15)
