"""What the demo's Slack sends the bot for a person's command or click on the page.

The payloads and their signature are ``bot.sandbox.slack.requests``'s, so a click on the
demo page reaches the bot exactly as a click in Slack would, through its request
verification; here they are filled from the demo's workspace.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from bot.sandbox.demo.workspace import Person, Workspace
from bot.sandbox.slack import requests
from bot.sandbox.slack.messages import Block, Message
from bot.sandbox.slack.requests import Actor, OnMessage, Team, Where


def team(workspace: Workspace) -> Team:
    return Team(workspace.team_id, "rollback-demo", "AROLLBACKDEMO", "demo-verification-token")


def slash_command(
    workspace: Workspace, person: Person, *, command: str, text: str, response_url: str
) -> str:
    fields = requests.slash_command(
        team(workspace),
        actor=Actor(person.id, person.name.lower()),
        where=Where(workspace.channel_id, workspace.channel_name),
        command=command,
        text=text,
        response_url=response_url,
        trigger_id=_trigger_id(),
    )
    return urlencode(fields)


def block_actions(
    workspace: Workspace,
    person: Person,
    *,
    post: Message,
    button: Block,
    block_id: str,
    response_url: str,
) -> str:
    """A button click on ``post``, carrying the message as Slack does (ts, blocks, thread)."""
    payload = requests.block_actions(
        team(workspace),
        actor=Actor(person.id, person.name.lower()),
        channel_name=workspace.channel_name,
        message=OnMessage(
            post.channel,
            post.ts,
            text=post.text,
            blocks=post.blocks,
            author=post.user,
            thread_ts=post.thread_ts,
            ephemeral=post.visible_to is not None,
        ),
        action=requests.button_action(button, block_id=block_id),
        response_url=response_url,
        trigger_id=_trigger_id(),
    )
    return requests.as_form(payload)


def find_button(post: Message, action_id: str, value: str | None) -> tuple[Block, str] | None:
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
