"""Failures around the flow: DigitalOcean errors, slowness, Slack pushback, forged requests."""

from __future__ import annotations

import time
from functools import partial

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.flow import (
    GOLANG_ID,
    LIVE,
    approve,
    ask_for_rollback,
    roll_back,
    rollback_posts,
    told_once_in_order,
    wait_card,
    wait_reply,
    wait_response,
)
from tests.slack_driver import SlackDriver

ROLLBACK = rf"/v2/apps/{GOLANG_ID}/rollback"


def test_digitalocean_401_is_one_clear_sentence(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    sim.inject("GET", r"/v2/apps(/[^/]+)?", status=401, times=None)  # the list and one app
    driver.command("sample-golang")
    text = wait_response(slack, "401")
    assert text == (
        "DigitalOcean rejected the bot's API token (401 Unauthorized): "
        "an operator should check DIGITALOCEAN_TOKEN."
    )
    assert slack.top_level() == []


def test_digitalocean_404_on_the_app_is_one_clear_sentence(
    driver: SlackDriver, slack: FakeSlack
) -> None:
    driver.command("00000000-0000-4000-8000-000000000000")
    text = wait_response(slack, "404")
    assert text == (
        "DigitalOcean could not find an app with id "
        "`00000000-0000-4000-8000-000000000000` (404 Not Found)."
    )


def test_ack_comes_before_a_slow_digitalocean_answers(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    sim.latency = 1.0
    ack = driver.command("sample-golang")
    # Nothing from DigitalOcean had come back yet when Slack got its answer.
    assert ack.status_code == 200 and "Working on it" in ack.json()["text"]
    assert slack.top_level() == [] and slack.response_texts() == []
    wait_card(slack, "sample-golang")


def test_rollback_post_that_failed_with_500_is_adopted_not_resent(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(driver, slack)
    # The 500 comes after DigitalOcean did the work, as a dropped answer would.
    sim.inject("POST", ROLLBACK, status=500, after_effect=True)
    approve(driver, card)
    wait_response(slack, "Rolling `sample-golang` back")
    wait_reply(slack, card.ts, LIVE)
    assert len(rollback_posts(sim, GOLANG_ID)) == 1


def test_rollback_refused_by_digitalocean_is_shown_on_the_card(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = ask_for_rollback(driver, slack)
    sim.inject("POST", ROLLBACK, status=401)
    approve(driver, card)
    wait_response(slack, "The rollback did not start")
    slack.wait_for(lambda: "did not start" in str(slack.message(card.ts).blocks))
    assert slack.thread(card.ts) == []


def test_slack_429_on_a_thread_reply_is_waited_out(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    post_429 = partial(slack.fail, "chat.postMessage", status=429, retry_after=1, times=1)
    card, _ = roll_back(driver, slack, timeout=20, meanwhile=post_429)
    assert [c.status for c in slack.calls_to("chat.postMessage")].count(429) == 1
    texts = [m.text for m in slack.thread(card.ts)]
    assert len(texts) == len(set(texts)), texts
    # The replies waited for Slack's retry-after while DigitalOcean went on: each step
    # still told once, in order, to its end.
    told_once_in_order(texts)


def test_forged_and_stale_signatures_get_401_and_do_nothing(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    body = driver.command_body("sample-golang")
    forged = driver.post(body, headers={"x-slack-signature": "v0=" + "0" * 64})
    stale = driver.post(body, timestamp=int(time.time()) - 301)
    assert forged.status_code == 401 and stale.status_code == 401
    ok = driver.post(driver.command_body("help"))
    assert ok.status_code == 200  # the bot is up; the forged ones were refused
    # Nothing reached Slack or DigitalOcean but the bot's own looks at the fleet.
    assert [r for r in sim.requests if r.path != "/v2/apps"] == [] and slack.top_level() == []


def test_health_and_readiness(driver: SlackDriver) -> None:
    assert driver.http.get(f"{driver.bot_url}/healthz").json() == {"status": "ok"}
    assert driver.http.get(f"{driver.bot_url}/readyz").json() == {"status": "ready"}
