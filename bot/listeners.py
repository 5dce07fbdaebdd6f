"""Slack listeners: thin. Parse, ack at once, queue the slow part (``bot.followups``).

Every outcome reaches the person as an ephemeral reply through the payload's
``response_url``; errors become one sentence, never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import blocks, commands, decide, propose, queries, reports, settle
from bot.access import channel_refusal
from bot.deps import Deps
from bot.errors import BotError, StoreUnavailableError
from bot.followups import FollowUps
from bot.logs import bind, new_request_id

log = logging.getLogger(__name__)

# The work after an ack; None when there is nothing to say (a repeated delivery).
Work = Callable[[], Awaitable[blocks.Message | None]]
Outcome = Callable[[str], None]
INTERNAL = "Something went wrong inside the bot; nothing more was done and the error was logged."
_BUTTONS = (blocks.APPROVE, blocks.CANCEL, blocks.COMMIT, blocks.REVERT)


def register(app: AsyncApp, deps: Deps, followups: FollowUps) -> None:
    """Attach the slash command and the buttons to ``app``."""

    def later(respond: AsyncRespond, work: Work, *, name: str, outcome: Outcome) -> None:
        followups.submit(lambda: _answer(respond, work, outcome), name=name)

    @app.command(re.compile(r"^/rollback"))
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        # Every line logged for this request, here and in the task it starts, carries these.
        with bind(
            request_id=new_request_id(),
            user=str(command.get("user_id") or ""),
            channel=str(command.get("channel_id") or ""),
        ):
            await handle_command(ack, command, respond)

    async def handle_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        try:
            taken = _take_command(deps, command)
        except Exception:
            log.exception("command could not be read")
            taken = _Taken(reports.problem(INTERNAL), outcome="error")
        await ack(
            text=taken.reply.text, blocks=taken.reply.blocks or None, response_type="ephemeral"
        )
        counter = deps.metrics.commands
        if taken.work is None:
            counter.labels(taken.subcommand, taken.outcome).inc()
            return

        def outcome(result: str) -> None:
            counter.labels(taken.subcommand, result).inc()

        later(respond, taken.work, name="command", outcome=outcome)

    async def on_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        with bind(request_id=new_request_id(), action=str(action.get("action_id") or "")):
            try:
                work = _take_button(deps, body, action)
            except Exception:
                log.exception("button press could not be read")
                work = _fixed(INTERNAL)
            later(respond, work, name="button", outcome=lambda _: None)

    app.action(re.compile(".*"))(on_button)


@dataclass(frozen=True)
class _Taken:
    """What to answer at once, the work to do after the ack (if any), and for metrics."""

    reply: blocks.Message
    work: Work | None = None
    subcommand: str = "unknown"
    outcome: str = ""


def _take_command(deps: Deps, command: dict[str, Any]) -> _Taken:
    parsed = commands.parse(str(command.get("text") or ""))
    user = str(command.get("user_id") or "")
    channel = str(command.get("channel_id") or "")
    name = type(parsed).__name__.lower()
    if isinstance(parsed, commands.Help):
        return _Taken(reports.usage(parsed), None, name, "invalid" if parsed.problem else "ok")
    refusal = channel_refusal(deps.settings.rollback_channels, channel=channel, app=None)
    if refusal:
        log.info("command from %s refused in %s: %s", user, channel, refusal)
        return _Taken(reports.problem(refusal), None, name, "refused")
    if not user or not channel:
        problem = reports.problem("That command arrived without a user or a channel.")
        return _Taken(problem, None, name, "invalid")
    work = _command_work(deps, parsed, user=user, channel=channel)
    trigger = str(command.get("trigger_id") or "")
    what = f"{name} from {user} in {channel}"
    return _Taken(blocks.Message(text="Working on it…"), _once(deps, trigger, what, work), name)


def _once(deps: Deps, trigger: str, what: str, work: Work) -> Work:
    """``work``, unless this command was delivered before (a Slack retry, maybe to another
    replica). Checked after the ack, so a Redis outage is told through ``response_url``;
    logged there too, to keep the ack path short."""

    async def first_time() -> blocks.Message | None:
        if trigger and not await deps.store.first_delivery(f"command:{trigger}"):
            log.info("command %s: already handled (%s)", what, trigger)
            return None
        log.info("command %s", what)
        return await work()

    return first_time


def _command_work(deps: Deps, parsed: commands.Command, *, user: str, channel: str) -> Work:
    match parsed:
        case commands.Propose(app=target_app, deployment_id=deployment_id):
            return lambda: propose.propose(
                deps, user=user, channel=channel, app_ref=target_app, deployment_id=deployment_id
            )
        case commands.Status(app=maybe_app):
            return lambda: queries.status(deps, app_ref=maybe_app)
        case commands.Audit(app=audited_app):
            return lambda: queries.audit(deps, app_ref=audited_app)
        case commands.History(app=listed_app):
            return lambda: queries.history(deps, app_ref=listed_app)
        case commands.Commit(app=pinned_app) | commands.Revert(app=pinned_app):
            revert = isinstance(parsed, commands.Revert)
            return lambda: settle.settle_from_command(
                deps, app_ref=pinned_app, user=user, revert=revert, channel=channel
            )
    raise AssertionError(f"unhandled command {parsed!r}")


def _take_button(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> Work:
    user = str(_field(body, "user", "id"))
    value = str(action.get("value") or "")
    kind = str(action.get("action_id") or "")
    clicked = settle.Clicked(
        ts=str(_field(body, "container", "message_ts")),
        blocks=[b for b in _field(body, "message", "blocks") or [] if isinstance(b, dict)],
    )
    log.info("button %s by %s on %s", kind, user, value)
    if kind not in _BUTTONS:
        return _fixed("That button is not one this bot knows; nothing was done.")
    if not user or not value:
        return _fixed("That button press arrived without a user or a card; nothing was done.")
    if kind == blocks.APPROVE:
        return lambda: decide.approve(deps, card_id=value, user=user, message_ts=clicked.ts)
    if kind == blocks.CANCEL:
        return lambda: decide.cancel(deps, card_id=value, user=user, message_ts=clicked.ts)
    revert = kind == blocks.REVERT
    return lambda: settle.settle_from_button(
        deps, deployment_id=value, user=user, revert=revert, clicked=clicked
    )


def _field(body: dict[str, Any], outer: str, inner: str) -> Any:
    """``body[outer][inner]`` when both are there, else "" (payloads can be partial)."""
    container = body.get(outer)
    return container.get(inner) or "" if isinstance(container, dict) else ""


def _fixed(text: str) -> Work:
    async def reply() -> blocks.Message:
        return blocks.Message(text=text)

    return reply


async def _answer(respond: AsyncRespond, work: Work, outcome: Outcome) -> None:
    message = await _do(work, outcome)
    if message is None:
        return
    try:
        await respond(
            text=message.text,
            blocks=message.blocks or None,
            response_type="ephemeral",
            replace_original=False,
        )
    except Exception as exc:  # the reply is best effort; the work itself is done
        log.warning("could not reply through response_url: %s", type(exc).__name__)


async def _do(work: Work, outcome: Outcome) -> blocks.Message | None:
    """The work's message, or one sentence saying why there is none."""
    try:
        message = await work()
    except BotError as exc:
        log.warning("request refused: %s", exc.user_message)
        outcome("unavailable" if isinstance(exc, StoreUnavailableError) else "refused")
        return reports.problem(exc.user_message)
    except Exception:
        log.exception("request failed")
        outcome("error")
        return reports.problem(INTERNAL)
    outcome("ok" if message is not None else "duplicate")
    return message
