"""``rollback-bot socket`` as a child process, and what Slack sends it over the socket."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bot.sandbox.slack.fake import APP_TOKEN, FakeSlack, Message
from bot.sandbox.slack.requests import TEST_TEAM, Actor, OnMessage, block_actions, button_action
from bot.slack.blockkit import blocks
from tests.flow import wait_card
from tests.processes import ChildBot, stand_in_env
from tests.slack_driver import command_fields

_n = itertools.count(1)


class SocketBot(ChildBot):
    """``python -m bot socket`` as a child process (started at once), its output in a file."""

    def __init__(self, slack: FakeSlack, *, sim_url: str, redis_url: str, **extra: str) -> None:
        base = stand_in_env(
            slack_url=slack.url,
            do_url=sim_url,
            redis_url=redis_url,
            slack_app_token=APP_TOKEN,
            rollback_poll_interval="0.2",
            log_format="json",
        )
        super().__init__(["socket"], env={**base, **extra}, log_prefix="rollback-bot-socket-")
        self.launch()


def command(slack: FakeSlack, text: str, *, user: str = "UALICE") -> dict[str, Any]:
    """A slash command's payload, the same fields as the HTTP form body."""
    n = next(_n)
    response_url = f"{slack.url}/response/s{n}"
    trigger = f"{n}.{int(time.time())}.socket-trigger"
    return {
        **command_fields(
            text, user=user, channel="CDEPLOY", response_url=response_url, trigger_id=trigger
        ),
        "is_enterprise_install": "false",
    }


def click(slack: FakeSlack, card: Message, action_id: str, *, user: str) -> dict[str, Any]:
    """A button press's payload, as tests/slack_driver.py ``click`` builds it."""
    button = {
        "action_id": action_id,
        "value": card.buttons()[action_id],
        "text": {"type": "plain_text", "text": action_id},
    }
    return block_actions(
        TEST_TEAM,
        actor=Actor(user, user.lower()),
        channel_name="deploys",
        message=OnMessage(card.channel, card.ts, text=card.text, blocks=card.blocks),
        action=button_action(button, block_id="b"),
        response_url=f"{slack.url}/response/s{next(_n)}",
        trigger_id="1.2.3",
    )


def connected(bot: SocketBot, slack: FakeSlack) -> None:
    slack.wait_for(lambda: slack.socket_open() > 0, timeout=30)
    ready = bot.probe("/readyz", lambda r: r.status_code == 200)
    assert ready.json() == {"status": "ready"}


def approve_rollback(slack: FakeSlack) -> Message:
    """Ask for a rollback of sample-golang and approve it, all over the socket."""
    asked = slack.push("slash_commands", command(slack, "sample-golang"))
    ack = slack.wait_ack(asked)
    assert ack["payload"]["text"].startswith("Working on it")
    assert ack["payload"]["response_type"] == "ephemeral"
    card = wait_card(slack, "sample-golang")
    assert card.blocks and blocks.APPROVE in card.buttons()
    approved = slack.push("interactive", click(slack, card, blocks.APPROVE, user="UBOB"))
    assert slack.wait_ack(approved)["envelope_id"] == approved
    return card
