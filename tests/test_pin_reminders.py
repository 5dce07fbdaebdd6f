"""Pin reminders (issue 17, part 3): a thread is reminded at each age of
ROLLBACK_PIN_REMINDERS while its app stays pinned, once each across a SIGKILL and a second
replica, and never after a commit made outside the bot."""

from __future__ import annotations

import signal
from collections import Counter

import httpx
import pytest
import redis

from bot.domain.records import Watch
from bot.errors import SettingsError
from bot.sandbox.digitalocean import Simulator
from bot.sandbox.digitalocean.clock import ScaledClock
from bot.sandbox.slack.fake import FakeSlack
from bot.settings import load_settings, parse_ages
from bot.slack.blockkit import pin_replies
from bot.slack.blockkit.blocks import COMMIT, REVERT
from bot.slack.blockkit.pin_replies import age_text
from bot.store import keys
from tests.conftest import DO_TOKEN, SLACK_TOKEN, BotFactory, ProcessFactory
from tests.constants import SIGNING_SECRET
from tests.flow import GOLANG_ID, LIVE, roll_back, wait_reply
from tests.slack_driver import SlackDriver
from tests.waiting import wait_until

PINNED_FOR = "has been pinned for"
PER_MINUTE, PER_HOUR = 3000, 180_000
REAL_TIME = {
    "digitalocean_budget_window": "60",
    "digitalocean_requests_per_minute": str(PER_MINUTE),
    "digitalocean_requests_per_hour": str(PER_HOUR),
}
"""The bot's budget against the simulator in real time: its minute is a real minute, with
room for a look every poll interval (DigitalOcean's compressed hour is not what these
tests are about)."""


@pytest.fixture
def sim() -> Simulator:
    """The simulator in real time: a pin's age counts from its deployment's ``created_at``
    (DigitalOcean's clock) to now (the bot's), which a compressed clock would skew."""
    return Simulator.with_sample_apps(
        token=DO_TOKEN,
        clock=ScaledClock(rate=1.0),
        rate_limit_per_minute=PER_MINUTE,
        rate_limit_per_hour=PER_HOUR,
    )


def test_ages_are_read_in_any_unit_and_a_bad_one_stops_start_up() -> None:
    assert parse_ages("90s, 30m,2h,1d") == (90.0, 1800.0, 7200.0, 86400.0)
    assert parse_ages("") == ()
    assert [age_text(a) for a in (90, 1800, 7200, 86400, 172800)] == [
        "90 s", "30 min", "2 h", "1 day", "2 days",
    ]  # fmt: skip
    with pytest.raises(SettingsError) as refused:
        load_settings(
            slack_bot_token=SLACK_TOKEN, digitalocean_token=DO_TOKEN, rollback_pin_reminders="2x"
        )
    assert str(refused.value).startswith("ROLLBACK_PIN_REMINDERS is not valid: must be")


def test_a_reminder_names_the_app_the_people_and_offers_commit_and_revert() -> None:
    watch = Watch(
        deployment_id="dep-123456789",
        app_id="a1",
        app_name="checkout-api",
        channel="C1",
        thread_ts="1.0",
        requester="UALICE",
        approver="UBOB",
        started_at=0.0,
    )
    message = pin_replies.reminder(watch, 1800)
    assert message.text.startswith(
        "⏰ `checkout-api` has been pinned for 30 min: deploys from git are blocked until you "
        "commit or revert"
    )
    assert message.text.endswith("Requested by <@UALICE> and approved by <@UBOB>.")
    buttons = message.blocks[-1]["elements"]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (COMMIT, "dep-123456789"),
        (REVERT, "dep-123456789"),
    ]
    hostile = watch.model_copy(update={"app_name": "<!here>", "requester": "", "approver": ""})
    text = pin_replies.reminder(hostile, 90).text
    assert "<!here>" not in text and "pinned for 90 s" in text and "Requested" not in text


def _reminders(slack: FakeSlack, thread_ts: str) -> Counter[str]:
    return Counter(
        m.text.split(PINNED_FOR)[1].split(":")[0].strip()
        for m in slack.thread(thread_ts)
        if PINNED_FOR in m.text
    )


def _redis(redis_url: str, key: str) -> str:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return str(client.get(key) or "")
    finally:
        client.close()


def _looks_pass(redis_url: str, count: int) -> None:
    """Wait until ``count`` more looks at the fleet are published: rounds ran on them."""
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        start = int(client.hget(keys.FLEET_LOOK, "seq") or 0)
        wait_until(
            lambda: int(client.hget(keys.FLEET_LOOK, "seq") or 0) >= start + count,
            timeout=20,
            what=f"{count} more looks",
        )
    finally:
        client.close()


def test_each_age_is_told_once_across_a_sigkill_and_a_second_replica(
    bot_process: ProcessFactory, slack: FakeSlack, redis_url: str
) -> None:
    settings = {
        "rollback_pin_reminders": "4s,8s",
        "rollback_fleet_interval": "0.5",
        **REAL_TIME,
    }
    first = bot_process(**settings)
    second = bot_process(**settings)
    driver = SlackDriver(bot_url=second.url, slack_url=slack.url, signing_secret=SIGNING_SECRET)
    card, live = roll_back(driver, slack)
    reminder = wait_reply(slack, card.ts, f"{PINNED_FOR} 4 s", timeout=20)
    assert "Requested by <@UALICE> and approved by <@UBOB>." in reminder.text
    assert set(reminder.buttons()) == {COMMIT, REVERT}
    # The replica taking the rounds dies at once; the other takes them over.
    holder = _redis(redis_url, keys.lease(keys.PIN_ROUNDS_LEASE))
    dying, surviving = (first, second) if f":{first.pid}:" in holder else (second, first)
    assert f":{dying.pid}:" in holder
    assert dying.proc is not None
    dying.proc.send_signal(signal.SIGKILL)
    dying.proc.wait(timeout=10)
    wait_reply(slack, card.ts, f"{PINNED_FOR} 8 s", timeout=30)
    _looks_pass(redis_url, 4)
    assert _reminders(slack, card.ts) == Counter({"4 s": 1, "8 s": 1})
    assert f":{surviving.pid}:" in _redis(redis_url, keys.lease(keys.PIN_ROUNDS_LEASE))
    assert live.ts != reminder.ts
    driver.close()


def test_no_reminder_after_a_commit_made_outside_the_bot(
    start_bot: BotFactory, slack: FakeSlack, sim_url: str, redis_url: str
) -> None:
    bot = start_bot(
        rollback_pin_reminders="8s",
        rollback_fleet_interval=0.2,
        **REAL_TIME,
    )
    card, live = roll_back(bot, slack)
    assert _reminders(slack, card.ts) == Counter()  # committed before its age
    httpx.post(
        f"{sim_url}/v2/apps/{GOLANG_ID}/rollback/commit",
        headers={"Authorization": f"Bearer {DO_TOKEN}"},
        timeout=10,
    ).raise_for_status()
    ended = slack.wait_for(
        lambda: next(
            (m for m in slack.thread(card.ts) if m.ts == live.ts and not m.buttons()), None
        )
    )
    assert "Committed in the control panel" in str(ended.blocks)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        made = float(client.hget(keys.FLEET_LOOK, "taken_at") or 0)
        wait_until(
            lambda: float(client.hget(keys.FLEET_LOOK, "taken_at") or 0) > made + 9,
            timeout=20,
            what="looks past the reminder's age",
        )
    finally:
        client.close()
    _looks_pass(redis_url, 2)
    assert _reminders(slack, card.ts) == Counter()
    assert LIVE in live.text


def test_a_commit_clicked_on_a_reminder_ends_every_button_of_the_rollback(
    start_bot: BotFactory, slack: FakeSlack
) -> None:
    bot = start_bot(rollback_pin_reminders="2s", rollback_fleet_interval=0.2, **REAL_TIME)
    card, live = roll_back(bot, slack)
    reminder = wait_reply(slack, card.ts, f"{PINNED_FOR} 2 s", timeout=20)
    bot.press(reminder, COMMIT, user="UBOB")
    wait_reply(slack, card.ts, "Committed by <@UBOB>")

    def ended(ts: str) -> bool:
        message = next(m for m in slack.thread(card.ts) if m.ts == ts)
        return not message.buttons() and "Committed by <@UBOB>" in str(message.blocks)

    # The reminder clicked and the success reply both: no button left to click again.
    slack.wait_for(lambda: ended(reminder.ts) and ended(live.ts))
