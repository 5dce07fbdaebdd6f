"""A click acts on the message it was pressed on, in that message's channel, and under that
channel's rules. Clicks are signed like any request, so these are clicks a malicious or
confused client could send with a valid signature."""

from __future__ import annotations

import pytest

from bot.sandbox.digitalocean import Simulator
from tests.fake_slack import FakeSlack, Message
from tests.flow import GOLANG_ID, ask_for_rollback, rollback_posts, wait_response
from tests.slack_driver import SlackDriver


def a_card(driver: SlackDriver, slack: FakeSlack) -> Message:
    card = ask_for_rollback(driver, slack)
    wait_response(slack, "someone else must approve")
    return card


def press(
    driver: SlackDriver,
    card: Message,
    *,
    channel: str = "",
    message_ts: str = "",
    ephemeral: bool = False,
) -> None:
    """Approve ``card`` as Slack would deliver the click, but from where the test says."""
    driver.click(
        "rollback_approve",
        card.buttons()["rollback_approve"],
        user="UBOB",
        channel=channel or card.channel,
        message_ts=message_ts or card.ts,
        blocks=card.blocks,
        ephemeral=ephemeral,
    )


@pytest.mark.parametrize(
    ("channel", "message_ts", "ephemeral", "answer"),
    [
        pytest.param(
            "COTHER",
            "",
            False,
            "belongs to a message in another channel; nothing was done",
            id="naming another channel",
        ),
        pytest.param(
            "",
            "",
            True,
            "not on one of the bot's rollback messages",
            id="on an ephemeral message",
        ),
        pytest.param(
            "",
            "1700000000.999999",
            False,
            "belongs to another message",
            id="naming another message",
        ),
    ],
)
def test_a_click_from_elsewhere_is_refused_and_the_card_still_works(
    driver: SlackDriver,
    slack: FakeSlack,
    sim: Simulator,
    *,
    channel: str,
    message_ts: str,
    ephemeral: bool,
    answer: str,
) -> None:
    card = a_card(driver, slack)
    press(driver, card, channel=channel, message_ts=message_ts, ephemeral=ephemeral)
    wait_response(slack, answer)
    assert rollback_posts(sim, GOLANG_ID) == []
    assert "rollback_approve" in slack.message(card.ts).buttons()  # still open
    press(driver, card)  # the real click still works
    wait_response(slack, "Rolling `sample-golang` back")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
