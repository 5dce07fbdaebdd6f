"""A restarted bot picks up its watches from Redis and continues the thread."""

from __future__ import annotations

import asyncio

import redis

from bot.entrypoints.http_server import create_app
from bot.runtime.wiring import Runtime
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from bot.store import keys
from tests.conftest import SettingsFactory
from tests.constants import SIGNING_SECRET
from tests.factories import stored_watch
from tests.flow import roll_back, wait_reply
from tests.servers import ServerThread
from tests.slack_driver import SlackDriver


def test_restarted_bot_continues_the_thread_without_repeating(
    make_settings: SettingsFactory, slack: FakeSlack, sim: Simulator
) -> None:
    # Slow enough polls that the restart lands mid-rollback (eight polls to the end).
    settings = make_settings(rollback_poll_interval=0.3)
    first = ServerThread(create_app(settings)).start()
    driver = SlackDriver(bot_url=first.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
    try:
        card, _ = roll_back(driver, slack, until="*RUNNING*")
    finally:
        first.stop()  # graceful: the watcher stops between polls
        driver.close()
    before = [m.text for m in slack.thread(card.ts)]
    assert not any("is live on the rollback" in t for t in before)

    with ServerThread(create_app(settings)):
        wait_reply(slack, card.ts, "is live on the rollback")
        wait_reply(slack, card.ts, "verified:")

    texts = [m.text for m in slack.thread(card.ts)]
    assert texts[: len(before)] == before
    # started + 8 progress replies + success + its health: nothing lost or repeated
    assert len(texts) == 11
    lines = [line for t in texts for line in t.splitlines() if "`: *" in line]
    assert len(lines) == len(set(lines))


async def test_a_watch_that_ended_while_being_claimed_is_not_followed_again(
    make_settings: SettingsFactory, redis_url: str, slack: FakeSlack, sim: Simulator
) -> None:
    # A scan read the watch unfinished; its owner then told the end and let go; this
    # replica claims the lease with the old copy in hand.
    runtime = Runtime.build(make_settings())
    await runtime.start()
    try:
        finished = stored_watch("d-ended", done=True)
        await runtime.deps.store.save_watch(finished)
        runtime.deps.watcher.start(finished.model_copy(update={"done": False}))
        # A negative: give a follower twenty poll intervals (0.05 s) to poll or post.
        await asyncio.sleep(1.0)
        assert not [r for r in sim.requests if "d-ended" in r.path]
        assert slack.messages == []
        assert runtime.deps.watcher.running == 0
        lease = redis.Redis.from_url(redis_url).exists(keys.lease("d-ended"))
        assert lease == 0  # let go at once, for nobody to follow
    finally:
        await runtime.aclose()
