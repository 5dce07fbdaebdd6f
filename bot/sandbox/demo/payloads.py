"""What Slack sends to an app: slash-command forms and ``block_actions`` payloads, signed.

Built and signed here (standard library HMAC, Slack's ``v0`` scheme) so a click on the
demo page reaches the bot exactly as a click in Slack would, through its request
verification.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.demo.workspace import Block, Person, Post, Workspace


def sign(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(time.time() if now is None else now)
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": str(timestamp),
        "x-slack-signature": sign(secret, timestamp, body),
    }


def slash_command(
    workspace: Workspace, person: Person, *, command: str, text: str, response_url: str
) -> str:
    return urlencode(
        {
            "token": "demo-verification-token",
            "team_id": workspace.team_id,
            "team_domain": "rollback-demo",
            "channel_id": workspace.channel_id,
            "channel_name": workspace.channel_name,
            "user_id": person.id,
            "user_name": person.name.lower(),
            "command": command,
            "text": text,
            "api_app_id": "AROLLBACKDEMO",
            "response_url": response_url,
            "trigger_id": _trigger_id(),
        }
    )


def block_actions(
    workspace: Workspace,
    person: Person,
    *,
    post: Post,
    button: Block,
    block_id: str,
    response_url: str,
) -> str:
    """A button click on ``post``, carrying the message as Slack does (ts, blocks, thread)."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": post.ts,
        "channel_id": post.channel,
        "is_ephemeral": post.visible_to is not None,
    }
    message: dict[str, Any] = {
        "type": "message",
        "user": post.user,
        "ts": post.ts,
        "text": post.text,
        "blocks": post.blocks,
    }
    if post.thread_ts:
        container["thread_ts"] = post.thread_ts
        message["thread_ts"] = post.thread_ts
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
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {
            "id": person.id,
            "username": person.name.lower(),
            "name": person.name.lower(),
            "team_id": workspace.team_id,
        },
        "api_app_id": "AROLLBACKDEMO",
        "token": "demo-verification-token",
        "container": container,
        "trigger_id": _trigger_id(),
        "team": {"id": workspace.team_id, "domain": "rollback-demo"},
        "channel": {"id": post.channel, "name": workspace.channel_name},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [action],
    }
    return urlencode({"payload": json.dumps(payload)})


def find_button(post: Post, action_id: str, value: str | None) -> tuple[Block, str] | None:
    """The button (and its block's id) with ``action_id`` (and ``value``, when given)."""
    for block in post.blocks:
        accessory = block.get("accessory")
        candidates = [*block.get("elements", []), *([accessory] if accessory else [])]
        for element in candidates:
            if (
                isinstance(element, dict)
                and element.get("type") == "button"
                and element.get("action_id") == action_id
                and (value is None or element.get("value") == value)
            ):
                return element, str(block.get("block_id") or "")
    return None


def _trigger_id() -> str:
    # Unique per delivery, as Slack's are: the bot may use it to recognise retries.
    return f"{int(time.time())}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
