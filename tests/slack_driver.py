"""Sends requests to the bot the way Slack does: form-encoded (the Events API: JSON) and
signed (HMAC v0).

The payloads and the signature are ``bot.sandbox.slack.requests``'s and
``view_payloads``'s (standard library HMAC, not slack_sdk, so the bot's verification is
checked against an independent implementation); this driver numbers response URLs and
triggers, keeps what a person entered in each view (Slack's client does: a later
``suggest`` or ``submit`` carries earlier ``select``s) and posts to the bot over HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from bot.sandbox.slack.fake import Message
from bot.sandbox.slack.requests import (
    TEST_TEAM,
    Actor,
    OnMessage,
    Where,
    as_form,
    block_actions,
    button_action,
    slash_command,
)
from tests.view_driver import ViewDriver


class SlackDriver(ViewDriver):
    """Slash commands and clicks on messages (modals and Home: ``ViewDriver``)."""

    @property
    def last_key(self) -> str:
        """The response URL key of the latest command or click sent."""
        return str(self._n)

    def command_body(self, text: str, *, user: str = "UALICE", channel: str = "CDEPLOY") -> str:
        response_url = self.response_url()  # counts this command too
        trigger = self.trigger(user, n=self._n)
        return urlencode(
            command_fields(
                text, user=user, channel=channel, response_url=response_url, trigger_id=trigger
            )
        )

    def command(
        self, text: str, *, user: str = "UALICE", channel: str = "CDEPLOY"
    ) -> httpx.Response:
        return self.post(self.command_body(text, user=user, channel=channel))

    def press(self, message: Message, action_id: str, *, user: str = "UBOB") -> httpx.Response:
        """Click a button on a message as Slack would deliver it."""
        return self.click(
            action_id,
            message.buttons()[action_id],
            user=user,
            channel=message.channel,
            message_ts=message.ts,
            blocks=message.blocks,
        )

    def click(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "UBOB",
        channel: str = "CDEPLOY",
        message_ts: str = "",
        blocks: list[dict[str, Any]] | None = None,
        ephemeral: bool = False,
    ) -> httpx.Response:
        button = {
            "action_id": action_id,
            "value": value,
            "text": {"type": "plain_text", "text": action_id},
        }
        payload = block_actions(
            TEST_TEAM,
            actor=Actor(user, user.lower()),
            channel_name="deploys",
            message=OnMessage(channel, message_ts, blocks=blocks or [], ephemeral=ephemeral),
            action=button_action(button, block_id="b"),
            response_url=self.response_url(),
            trigger_id=self.trigger(user, n=self._n),
        )
        return self.post(as_form(payload))


def _actor(user: str) -> Actor:
    return Actor(user, user.lower())


def command_fields(
    text: str, *, user: str, channel: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    """A slash command's fields from the tests' workspace (``TEST_TEAM``)."""
    return slash_command(
        TEST_TEAM,
        actor=Actor(user, user.lower()),
        where=Where(channel),
        text=text,
        response_url=response_url,
        trigger_id=trigger_id,
    )
