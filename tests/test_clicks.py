"""A click acts on the message it was pressed on, in that message's channel, and under that
channel's rules. Clicks are signed like any request, so these are clicks a malicious or
confused client could send with a valid signature."""

from __future__ import annotations

from bot.sandbox.digitalocean import Simulator
from bot.sandbox.slack.fake import FakeSlack, Message
from tests.flow import GOLANG_ID, rollback_posts, wait_card, wait_response
from tests.slack_driver import SlackDriver


def a_card(driver: SlackDriver, slack: FakeSlack) -> Message:
    driver.command("sample-golang", user="UALICE")
    card = wait_card(slack, "sample-golang")
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


def test_a_click_naming_another_channel_is_refused(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = a_card(driver, slack)
    press(driver, card, channel="COTHER")
    wait_response(slack, "belongs to a message in another channel; nothing was done")
    assert rollback_posts(sim, GOLANG_ID) == []
    assert "rollback_approve" in slack.message(card.ts).buttons()  # still open


def test_a_click_on_an_ephemeral_message_is_refused(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = a_card(driver, slack)
    press(driver, card, ephemeral=True)
    wait_response(slack, "not on one of the bot's rollback messages")
    assert rollback_posts(sim, GOLANG_ID) == []


def test_a_click_naming_another_message_is_refused(
    driver: SlackDriver, slack: FakeSlack, sim: Simulator
) -> None:
    card = a_card(driver, slack)
    press(driver, card, message_ts="1700000000.999999")
    wait_response(slack, "belongs to another message")
    assert rollback_posts(sim, GOLANG_ID) == []
    press(driver, card)  # the real click still works
    wait_response(slack, "Rolling `sample-golang` back")
    assert len(rollback_posts(sim, GOLANG_ID)) == 1
