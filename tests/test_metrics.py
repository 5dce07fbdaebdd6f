"""``GET /metrics`` shows what the bot just did."""

from __future__ import annotations

import re
import time

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack
from tests.flow import wait_card, wait_reply, wait_response
from tests.slack_driver import SlackDriver


def sample(page: str, name: str, **labels: str) -> float:
    """The value of one sample, or 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = (
        rf"^{re.escape(name)}(\{{{re.escape(wanted)}\}})? ([0-9.e+-]+)$"
        if labels
        else (rf"^{re.escape(name)} ([0-9.e+-]+)$")
    )
    for line in page.splitlines():
        match = re.match(pattern, line)
        if match:
            return float(match.groups()[-1])
    return 0.0


def test_metrics_move_after_a_rollback(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    def scrape() -> str:
        return driver.http.get(f"{driver.bot_url}/metrics").text

    before = scrape()
    assert sample(before, "rollback_bot_rollbacks_total", kind="rollback", phase="ACTIVE") == 0

    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
    driver.press(card, "rollback_approve", user="UALICE")  # refused: self-approval
    wait_response(slack, "someone else has to approve")
    driver.press(card, "rollback_approve", user="UBOB")
    wait_reply(slack, card.ts, "is live on the rollback")
    driver.command("history")  # usage: a bad command
    # The watch ends just after its last Slack call, so nothing notifies us: poll the page.
    deadline = time.monotonic() + 10
    while sample(page := scrape(), "rollback_bot_watches_in_flight") != 0:
        assert time.monotonic() < deadline, "the watch never ended"
        time.sleep(0.02)

    assert (
        sample(page, "rollback_bot_slash_commands_total", subcommand="propose", outcome="ok") == 1
    )
    assert (
        sample(page, "rollback_bot_slash_commands_total", subcommand="help", outcome="invalid") == 1
    )
    assert sample(page, "rollback_bot_decisions_total", outcome="refused") == 1
    assert sample(page, "rollback_bot_decisions_total", outcome="approved") == 1
    assert sample(page, "rollback_bot_rollbacks_total", kind="rollback", phase="ACTIVE") == 1
    assert sample(page, "rollback_bot_rollback_duration_seconds_count") == 1
    assert sample(page, "rollback_bot_ack_latency_seconds_count") >= 4
    assert sample(page, "rollback_bot_digitalocean_requests_total", status="200") >= 12
    assert (
        sample(page, "rollback_bot_slack_requests_total", method="chat.postMessage", outcome="ok")
        == 12  # the card, its thread's 10 replies, and the verdict on the app's health
    )
    assert sample(page, "rollback_bot_watches_in_flight") == 0
    # The simulated minute is a few real seconds: some calls may have left it already.
    minute = sample(page, "rollback_bot_digitalocean_budget_remaining", window="minute")
    assert 0 < minute < 240
    hour = sample(page, "rollback_bot_digitalocean_budget_remaining", window="hour")
    assert 0 < hour <= 4500 - 12
