"""A managed Redis/Valkey fails over in the middle of a rollback (issue 14): the rollback
still completes, every reply is posted exactly once, the card ends and the lock is freed."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ReadOnlyError

from bot.errors import StoreUnavailableError
from bot.fleet.telling import Teller
from bot.sandbox.slack.fake import FakeSlack
from bot.slack.blockkit.blocks import Message
from bot.slack.client import Chat, make_web_client
from bot.slack.pace import ChannelPace
from bot.store import keys
from bot.store.guard import drop_connections
from bot.store.leases import Leases
from bot.store.redis_store import Store
from tests.constants import SIGNING_SECRET, SLACK_TOKEN
from tests.factories import make_watch
from tests.flow import EXPECTED_STEP_REPLIES, GOLANG_ID, LIVE, roll_back, step_lines, wait_reply
from tests.processes import BotProcess
from tests.redis_failover import ManagedRedis, managed_redis
from tests.slack_driver import SlackDriver
from tests.waiting import wait_until

Start = Callable[..., BotProcess]


@pytest.fixture
def managed() -> Iterator[ManagedRedis]:
    with managed_redis() as pair:
        yield pair


@pytest.fixture
def start_on(managed: ManagedRedis, sim_url: str, slack: FakeSlack) -> Iterator[Start]:
    started: list[BotProcess] = []

    def start(**settings: str) -> BotProcess:
        bot = BotProcess(slack_url=slack.url, do_url=sim_url, redis_url=managed.url, **settings)
        started.append(bot.start())
        return bot

    yield start
    for bot in started:
        bot.close()


def rollback_on(bot: BotProcess, slack: FakeSlack) -> str:
    """A rollback under way as far as its first step: its thread."""
    driver = SlackDriver(bot_url=bot.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
    try:
        return roll_back(driver, slack, until="*RUNNING*")[0].ts
    finally:
        driver.close()


def check_told_once(slack: FakeSlack, thread_ts: str) -> None:
    """Every reply of the thread exactly once, the step changes in order, the end last.

    A step's passing state may go untold: DigitalOcean's deployment moves on while a poll
    cannot tell (the simulator moves one tick a poll, and a poll that read it before Redis
    went away told nothing), and the next poll tells where the step is by then."""
    texts = [m.text for m in slack.thread(thread_ts)]
    assert len(texts) == len(set(texts)), texts
    assert texts[0].startswith("Rollback started by <@UBOB>")
    # The verdict on the app's health follows the end, once (if it came yet).
    assert sum("verified:" in t for t in texts) <= 1, texts
    replies = [t for t in texts if "verified:" not in t]
    assert sum(LIVE in t for t in replies) == 1 and LIVE in replies[-1], texts
    told = [(n, line) for n, t in enumerate(texts) for line in step_lines(t)]
    lines = [line for _, line in told]
    expected = [line for group in EXPECTED_STEP_REPLIES for line in group]
    assert len(lines) == len(set(lines)), lines  # no step change told twice
    assert set(lines) <= set(expected)
    assert {line for line in expected if "*SUCCESS*" in line} <= set(lines)  # every end
    reply_of = {line: n for n, line in told}
    for earlier, later in itertools.pairwise(EXPECTED_STEP_REPLIES):
        before = [reply_of[line] for line in earlier if line in reply_of]
        after = [reply_of[line] for line in later if line in reply_of]
        assert max(before, default=0) <= min(after, default=len(texts)), texts


def ends_told_once(slack: FakeSlack, managed: ManagedRedis, thread_ts: str) -> None:
    """The rollback goes live, its card and lock show the end, and its thread told it once."""
    wait_reply(slack, thread_ts, LIVE, timeout=40)
    check_ended(slack, managed, thread_ts)
    check_told_once(slack, thread_ts)


def check_ended(slack: FakeSlack, managed: ManagedRedis, card_ts: str) -> None:
    """The card shows the end, and the app's lock is released on the new primary."""
    slack.wait_for(lambda: "*ACTIVE*" in slack.message(card_ts).text)
    assert "6/6 steps" in slack.message(card_ts).text
    with managed.client() as client:
        wait_until(lambda: not client.exists(keys.app_lock(GOLANG_ID)))


@pytest.mark.parametrize("poll_interval", ["0.2", "1"])
def test_rollback_completes_across_a_failover_telling_each_reply_once(
    start_on: Start, managed: ManagedRedis, slack: FakeSlack, poll_interval: str
) -> None:
    bot = start_on(rollback_poll_interval=poll_interval)
    thread = rollback_on(bot, slack)
    # Longer than a lease lasts (three poll intervals): the watch's lease lapses meanwhile.
    managed.failover(outage=3 * float(poll_interval) + 1)
    ends_told_once(slack, managed, thread)


def test_demoted_primary_still_reachable_then_the_hostname_moves(
    start_on: Start, managed: ManagedRedis, slack: FakeSlack
) -> None:
    bot = start_on()
    thread = rollback_on(bot, slack)
    managed.promote()  # the bot's connections still reach the old primary: READONLY
    # Writes refused for longer than a lease lasts: the watch's lease lapses meanwhile.
    wait_until(lambda: not managed.leases())
    assert LIVE not in " ".join(m.text for m in slack.thread(thread))
    managed.repoint()  # the hostname moves; connections already open stay where they are
    ends_told_once(slack, managed, thread)


def test_a_step_reply_in_flight_at_the_failover_is_told_once(
    start_on: Start, managed: ManagedRedis, slack: FakeSlack
) -> None:
    bot = start_on(rollback_poll_interval="1")
    thread = rollback_on(bot, slack)
    # The next reply takes effect in Slack; Slack's answer reaches the bot only once Redis
    # is gone, so what it told cannot be recorded until the failover is over.
    gate = hold_next_reply(slack, thread)
    managed.failover(outage=4, meanwhile=gate.set)
    ends_told_once(slack, managed, thread)


def test_the_final_reply_in_flight_at_a_failover_is_told_once(
    start_on: Start, managed: ManagedRedis, slack: FakeSlack
) -> None:
    bot = start_on(rollback_poll_interval="1")
    thread = rollback_on(bot, slack)
    wait_reply(slack, thread, "`deploy › finalize`: *RUNNING*")
    gate = hold_next_reply(slack, thread)  # the last step reply

    def meanwhile() -> None:
        # Nothing is posted while Redis is away: the next post is the final reply.
        final.append(slack.hold("chat.postMessage"))
        gate.set()

    final: list[threading.Event] = []
    managed.failover(outage=4, meanwhile=meanwhile)
    wait_reply(slack, thread, LIVE, timeout=40)
    managed.failover(outage=4, meanwhile=final[0].set)
    check_ended(slack, managed, thread)
    check_told_once(slack, thread)


def hold_next_reply(slack: FakeSlack, thread_ts: str) -> threading.Event:
    """The thread's next reply is posted but Slack's answer waits for the returned gate."""
    last = slack.thread(thread_ts)[-1].ts
    gate = slack.hold("chat.postMessage")
    slack.wait_for(lambda: slack.thread(thread_ts)[-1].ts != last or None)
    return gate


async def test_no_reply_is_posted_while_a_demoted_primary_refuses_writes(
    managed: ManagedRedis, slack: FakeSlack
) -> None:
    store = Store.from_url(managed.url)
    chat = Chat(make_web_client(token=SLACK_TOKEN, base_url=f"{slack.url}/api/"))
    await chat.open()
    leases = Leases(store.client, owner="replica-a", ttl=30)
    pace = ChannelPace(store.client, per_second=0)  # no pacing: posts go at once
    teller = Teller(chat=chat, pace=pace, store=store, leases=leases)
    try:
        watch = make_watch(channel="CDEPLOY", started_at=time.time())
        await store.start_watch(watch)
        assert await leases.claim(watch.deployment_id)
        await teller.say(watch, Message(text="before"))
        posted = len(slack.messages)
        await asyncio.to_thread(managed.promote)  # reads still work there; writes: READONLY
        with pytest.raises(StoreUnavailableError):
            await teller.say(watch, Message(text="after"))
        assert len(slack.messages) == posted  # nothing was posted that could not be recorded
    finally:
        await chat.aclose()
        await store.aclose()


async def test_the_command_after_the_hostname_moves_reaches_the_new_primary(
    managed: ManagedRedis,
) -> None:
    store = Store.from_url(managed.url)
    try:
        assert await store.first_delivery("before")  # the pool holds a connection now
        await asyncio.to_thread(managed.promote)
        with pytest.raises(StoreUnavailableError):  # READONLY from the old primary
            await store.first_delivery("during")
        managed.repoint()  # no connection is cut: only the bot can let go of them
        assert await store.first_delivery("after")
    finally:
        await store.aclose()


async def test_a_cluster_client_keeps_its_connections_it_follows_moved_itself(
    managed: ManagedRedis,
) -> None:
    cluster = RedisCluster(host="127.0.0.1", port=managed.proxy.port)  # not connected yet
    try:
        await drop_connections(cluster, ReadOnlyError())  # no pool to drop: nothing happens
        assert not hasattr(cluster, "connection_pool")
    finally:
        await cluster.aclose()
