"""A replica killed while it starts an approved rollback: the rollback is never lost, the
card never stays at "Checking the app once more…", the app's lock never lingers."""

from __future__ import annotations

import redis

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from bot.store import keys
from tests.conftest import ProcessFactory
from tests.constants import SIGNING_SECRET
from tests.flow import GOLANG_ID, rollback_posts, wait_card, wait_reply
from tests.processes import BotProcess
from tests.slack_driver import SlackDriver


def drive(process: BotProcess, slack: FakeSlack) -> SlackDriver:
    return SlackDriver(bot_url=process.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)


def killed_mid_start(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator, *, method: str, path: str
) -> Message:
    """Approve a card, and kill the replica while DigitalOcean answers ``method path``
    slowly; start a replica that never saw the approval. The card."""
    first = bot_process()
    driver = drive(first, slack)
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    # Only what comes after the approval counts: the proposal read the app by id too.
    sim.journal.clear()
    sim.inject(method, path, status=None, delay=3.0)
    driver.press(card, "rollback_approve", user="UBOB")
    sim.journal.wait_for_arrival(method, path)
    first.kill()
    return card


def test_killed_while_digitalocean_makes_the_rollback_it_is_adopted_and_told(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator, redis_url: str
) -> None:
    # DigitalOcean takes its time over the POST, and makes the rollback all the same.
    post = rf"/v2/apps/{GOLANG_ID}/rollback"
    card = killed_mid_start(bot_process, slack, sim, method="POST", path=post)
    bot_process()
    wait_reply(slack, card.ts, "Rollback started", timeout=30)
    wait_reply(slack, card.ts, "is live on the rollback", timeout=30)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    slack.wait_for(lambda: not store.keys(keys.APP_LOCK_PREFIX + "*"), timeout=10)
    assert not store.zcard(keys.STARTING)


def test_killed_before_asking_digitalocean_the_card_says_nothing_changed(
    bot_process: ProcessFactory, slack: FakeSlack, sim: Simulator, redis_url: str
) -> None:
    # The check of the app before the rollback hangs; the replica dies meanwhile.
    app = rf"/v2/apps/{GOLANG_ID}"
    card = killed_mid_start(bot_process, slack, sim, method="GET", path=app)
    second = bot_process()
    # Not before a POST that was on its way could have been made: then, at once.
    slack.wait_for(lambda: "nothing changed" in slack.message(card.ts).text, timeout=45)
    assert rollback_posts(sim, GOLANG_ID) == []
    store = redis.Redis.from_url(redis_url, decode_responses=True)
    assert not store.keys(keys.APP_LOCK_PREFIX + "*")  # the app is free to roll back again
    again = drive(second, slack)
    again.command("sample-golang", user="UALICE")
    slack.wait_for(lambda: len(slack.top_level()) == 2)
    newer = slack.top_level()[-1]
    assert "rollback_approve" in newer.buttons()
