"""Slack listeners: thin. Parse, ack at once, hand the slow part to a tracked task.

Every outcome reaches the person as an ephemeral reply through the payload's
``response_url``; errors become one sentence, never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import blocks, commands, decide, propose, queries, settle
from bot.deps import Deps
from bot.errors import BotError
from bot.tasks import TaskTracker

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[blocks.Message]]
_INTERNAL = "Something went wrong inside the bot; nothing more was done and the error was logged."


def register(app: AsyncApp, deps: Deps, tasks: TaskTracker) -> None:
    """Attach the slash command and the buttons to ``app``."""

    def later(respond: AsyncRespond, work: Work, *, name: str) -> None:
        tasks.spawn(_answer(respond, work), name=name)

    @app.command(re.compile(r"^/rollback"))
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        parsed = commands.parse(str(command.get("text") or ""))
        user = str(command.get("user_id") or "")
        channel = str(command.get("channel_id") or "")
        if isinstance(parsed, commands.Help):
            usage = blocks.usage(parsed)
            await ack(text=usage.text, blocks=usage.blocks, response_type="ephemeral")
            return
        await ack(text="Working on it…", response_type="ephemeral")
        log.info("command %s from %s in %s", type(parsed).__name__.lower(), user, channel)
        later(respond, _command_work(deps, parsed, user=user, channel=channel), name="command")

    def on_button(kind: str) -> Callable[..., Awaitable[None]]:
        async def listener(
            ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
        ) -> None:
            await ack()
            user = str((body.get("user") or {}).get("id") or "")
            value = str(action.get("value") or "")
            message = body.get("message") or {}
            clicked = settle.Clicked(
                ts=str((body.get("container") or {}).get("message_ts") or ""),
                blocks=[b for b in message.get("blocks") or [] if isinstance(b, dict)],
            )
            log.info("button %s by %s on %s", kind, user, value)
            work = _button_work(deps, kind, user=user, value=value, clicked=clicked)
            later(respond, work, name=kind)

        return listener

    for action_id in (blocks.APPROVE, blocks.CANCEL, blocks.COMMIT, blocks.REVERT):
        app.action(action_id)(on_button(action_id))


def _command_work(deps: Deps, parsed: commands.Command, *, user: str, channel: str) -> Work:
    match parsed:
        case commands.Propose(app=target_app, deployment_id=deployment_id):
            return lambda: propose.propose(
                deps, user=user, channel=channel, app_ref=target_app, deployment_id=deployment_id
            )
        case commands.Status(app=maybe_app):
            return lambda: queries.status(deps, app_ref=maybe_app)
        case commands.History(app=listed_app):
            return lambda: queries.history(deps, app_ref=listed_app)
        case commands.Commit(app=pinned_app) | commands.Revert(app=pinned_app):
            revert = isinstance(parsed, commands.Revert)
            return lambda: settle.settle_from_command(
                deps, app_ref=pinned_app, user=user, revert=revert, channel=channel
            )
    raise AssertionError(f"unhandled command {parsed!r}")


def _button_work(deps: Deps, kind: str, *, user: str, value: str, clicked: settle.Clicked) -> Work:
    if not user or not value:
        return lambda: _fixed(
            "That button press arrived without a user or a card; nothing was done."
        )
    if kind == blocks.APPROVE:
        return lambda: decide.approve(deps, card_id=value, user=user, message_ts=clicked.ts)
    if kind == blocks.CANCEL:
        return lambda: decide.cancel(deps, card_id=value, user=user, message_ts=clicked.ts)
    revert = kind == blocks.REVERT
    return lambda: settle.settle_from_button(
        deps, deployment_id=value, user=user, revert=revert, clicked=clicked
    )


async def _fixed(text: str) -> blocks.Message:
    return blocks.Message(text=text)


async def _answer(respond: AsyncRespond, work: Work) -> None:
    try:
        message = await work()
    except BotError as exc:
        log.warning("request refused: %s", exc.user_message)
        message = blocks.problem(exc.user_message)
    except Exception:
        log.exception("request failed")
        message = blocks.problem(_INTERNAL)
    try:
        await respond(
            text=message.text,
            blocks=message.blocks or None,
            response_type="ephemeral",
            replace_original=False,
        )
    except Exception as exc:  # the reply is best effort; the work itself is done
        log.warning("could not reply through response_url: %s", type(exc).__name__)
