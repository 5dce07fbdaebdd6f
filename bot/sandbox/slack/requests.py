"""What Slack sends to an app, built and signed as Slack does: slash commands,
``block_actions`` payloads from messages, and the ``v0`` signature headers (the payloads
around views are ``view_payloads.py``'s).

Signing uses the standard library (HMAC-SHA256), not slack_sdk, so the bot's request
verification is checked against an independent implementation: "The signature is created
by combining the signing secret with the body of the request we're sending using a
standard HMAC-SHA256 keyed hash" (https://docs.slack.dev/authentication/verifying-requests-from-slack/).
The demo's relay, the tests' driver and the Socket Mode tests all build their payloads here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Team:
    """The workspace and the app a payload comes from, as Slack names them in it."""

    id: str
    domain: str
    app_id: str
    verification_token: str
    """The legacy ``token`` field: Slack still sends it; Bolt verifies the signature instead."""


TEST_TEAM = Team("T0001", "example", "A0001", "legacy-verification-token")


@dataclass(frozen=True)
class Actor:
    """Who typed the command or clicked: ``name`` is the ``user_name``/``username``."""

    id: str
    name: str


@dataclass(frozen=True)
class Where:
    """The conversation a command was typed in."""

    channel_id: str
    channel_name: str = "deploys"


@dataclass(frozen=True)
class OnMessage:
    """The message a button is on, as ``block_actions`` carries it (container and message)."""

    channel: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    author: str | None = None
    """The ``message.user`` field, when the payload should carry it."""
    thread_ts: str | None = None
    ephemeral: bool = False


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Slack's ``v0`` signature: HMAC-SHA256 of ``v0:<timestamp>:<body>``, hex, ``v0=``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: str, *, timestamp: int | None = None, content_type: str = FORM
) -> dict[str, str]:
    """The headers of a request Slack sends (form-encoded; the Events API's are JSON),
    signed at ``timestamp`` (now)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": sign(secret, ts, body),
    }


def slash_command(
    team: Team,
    *,
    actor: Actor,
    where: Where,
    text: str,
    response_url: str,
    trigger_id: str,
    command: str = "/rollback",
) -> dict[str, str]:
    """A slash command's fields, as Slack sends them (form-encoded over HTTP, JSON over
    Socket Mode)."""
    return {
        "token": team.verification_token,
        "team_id": team.id,
        "team_domain": team.domain,
        "channel_id": where.channel_id,
        "channel_name": where.channel_name,
        "user_id": actor.id,
        "user_name": actor.name,
        "command": command,
        "text": text,
        "api_app_id": team.app_id,
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def button_action(button: Mapping[str, Any], *, block_id: str) -> dict[str, Any]:
    """The ``actions`` entry of a click on ``button`` (a Block Kit button element)."""
    action: dict[str, Any] = {
        "action_id": button.get("action_id", ""),
        "block_id": block_id,
        "type": "button",
        "text": button.get("text", {"type": "plain_text", "text": ""}),
        "action_ts": f"{time.time():.6f}",
    }
    for optional in ("value", "style"):
        if optional in button:
            action[optional] = button[optional]
    return action


def block_actions(
    team: Team,
    *,
    actor: Actor,
    channel_name: str,
    message: OnMessage,
    action: dict[str, Any],
    response_url: str,
    trigger_id: str,
) -> dict[str, Any]:
    """A button click on ``message``, carrying the message as Slack does (ts, blocks, thread)."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message.ts,
        "channel_id": message.channel,
        "is_ephemeral": message.ephemeral,
    }
    carried: dict[str, Any] = {"type": "message"}
    if message.author is not None:
        carried["user"] = message.author
    carried |= {"ts": message.ts, "text": message.text, "blocks": message.blocks}
    if message.thread_ts:
        container["thread_ts"] = message.thread_ts
        carried["thread_ts"] = message.thread_ts
    return {
        "type": "block_actions",
        "user": user_object(team, actor),
        "api_app_id": team.app_id,
        "token": team.verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": {"id": team.id, "domain": team.domain},
        "channel": {"id": message.channel, "name": channel_name},
        "message": carried,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }


def as_form(payload: Mapping[str, Any]) -> str:
    """An interaction payload as Slack posts it over HTTP: one form field, ``payload``."""
    return urlencode({"payload": json.dumps(payload)})


def user_object(team: Team, actor: Actor) -> dict[str, str]:
    """The ``user`` of an interaction payload."""
    return {"id": actor.id, "username": actor.name, "name": actor.name, "team_id": team.id}
