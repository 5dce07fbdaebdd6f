"""Sends requests to the bot the way Slack does: form-encoded and signed (HMAC v0).

Signing uses the standard library, not slack_sdk, so the bot's verification is checked
against an independent implementation.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.fake_slack import Message

_DELIVERIES = itertools.count(1)


def sign(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SlackDriver:
    def __init__(self, *, bot_url: str, slack_url: str, signing_secret: str) -> None:
        self.bot_url = bot_url
        self.slack_url = slack_url
        self.secret = signing_secret
        self.http = httpx.Client(timeout=10)
        self._n = 0

    def close(self) -> None:
        self.http.close()

    def post(
        self, body: str, *, timestamp: int | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        ts = int(time.time()) if timestamp is None else timestamp
        sent = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": str(ts),
            "x-slack-signature": sign(self.secret, ts, body),
            **(headers or {}),
        }
        return self.http.post(f"{self.bot_url}/slack/events", content=body, headers=sent)

    def response_url(self) -> str:
        # Slack gives every command and click a response URL of its own (usable 5 times),
        # whichever driver (replica) it goes to: numbered across all drivers.
        self._n = next(_DELIVERIES)
        return f"{self.slack_url}/response/{self._n}"

    @property
    def last_key(self) -> str:
        """The response URL key of the latest command or click sent."""
        return str(self._n)

    def command_body(self, text: str, *, user: str = "UALICE", channel: str = "CDEPLOY") -> str:
        response_url = self.response_url()  # counts this command too
        trigger = f"{self._n}.{int(time.time())}.trigger"
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
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {
                "id": user,
                "username": user.lower(),
                "name": user.lower(),
                "team_id": "T0001",
            },
            "api_app_id": "A0001",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": "1.2.3",
            "team": {"id": "T0001", "domain": "example"},
            "channel": {"id": channel, "name": "deploys"},
            "message": {"type": "message", "ts": message_ts, "text": "", "blocks": blocks or []},
            "state": {"values": {}},
            "response_url": self.response_url(),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": value,
                    "text": {"type": "plain_text", "text": action_id},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))


def command_fields(
    text: str, *, user: str, channel: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    """A slash command's fields, as Slack sends them (form-encoded over HTTP, JSON over
    Socket Mode)."""
    return {
        "token": "legacy-verification-token",
        "team_id": "T0001",
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "deploys",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/rollback",
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
