"""What the demo's Slack sends the bot for a person's command or click on the page.

The payloads and their signature are ``bot.sandbox.slack.requests``'s, so a click on the
demo page reaches the bot exactly as a click in Slack would, through its request
verification; here they are filled from the demo's workspace.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

from bot.sandbox.demo.workspace import Person, Workspace
from bot.sandbox.slack import requests
from bot.sandbox.slack import view_payloads as views
from bot.sandbox.slack.messages import Block, Message
from bot.sandbox.slack.requests import Actor, OnMessage, Team, Where
from bot.sandbox.slack.workspace import ResponseTarget


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
        trigger_id=trigger(workspace, person),
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
        trigger_id=trigger(workspace, person),
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


def trigger(workspace: Workspace, person: Person) -> str:
    """A fresh trigger for ``person``'s interaction, in Slack's shape and issued now (the
    stand-in refuses one used twice or older than 3 s); a modal it opens is theirs."""
    return workspace.slack.trigger(person.id)


def actor(person: Person) -> Actor:
    return Actor(person.id, person.name.lower())


def suggestion(
    workspace: Workspace,
    person: Person,
    *,
    view: dict[str, Any],
    block_id: str,
    action_id: str,
    value: str,
) -> str:
    """An external_select in ``view`` (carrying what was entered) asks for options."""
    payload = views.block_suggestion(
        team(workspace),
        actor=actor(person),
        view=view,
        block_id=block_id,
        action_id=action_id,
        value=value,
    )
    return requests.as_form(payload)


def view_action(
    workspace: Workspace, person: Person, *, view: dict[str, Any], action: dict[str, Any]
) -> str:
    """A ``block_actions`` from an element in a modal or the Home tab."""
    payload = views.view_action(
        team(workspace),
        actor=actor(person),
        view=view,
        action=action,
        trigger_id=trigger(workspace, person),
    )
    return requests.as_form(payload)


def shortcut(workspace: Workspace, person: Person, *, callback_id: str) -> str:
    """A global shortcut from the shortcuts menu: no channel, a fresh trigger."""
    payload = views.shortcut(
        team(workspace),
        actor=actor(person),
        callback_id=callback_id,
        trigger_id=trigger(workspace, person),
    )
    return requests.as_form(payload)


def view_submission(workspace: Workspace, person: Person, *, view: dict[str, Any]) -> str:
    urls = views.response_urls(view, lambda: _channel_url(workspace, person))
    payload = views.view_submission(
        team(workspace),
        actor=actor(person),
        view=view,
        trigger_id=trigger(workspace, person),
        response_urls=urls,
    )
    return requests.as_form(payload)


def home_opened(workspace: Workspace, person: Person, *, view: dict[str, Any] | None) -> str:
    """The Events API's ``app_home_opened`` for ``person`` (JSON, not a form)."""
    event = views.app_home_opened(user=person.id, channel=f"D{person.id}", view=view)
    event_id = f"Ev{time.time_ns():019d}"
    return json.dumps(views.event_callback(team(workspace), event, event_id=event_id))


def _channel_url(workspace: Workspace, person: Person) -> str:
    # The demo has one channel: whatever the menu holds, answers show there.
    target = ResponseTarget(person.id, workspace.channel_id)
    return workspace.slack.response_url(target=target)
