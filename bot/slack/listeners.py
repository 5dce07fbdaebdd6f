"""Slack listeners: thin. Parse, ack at once, queue the slow part (``bot.slack.work_queue``).

Every outcome reaches the person as an ephemeral reply through the payload's
``response_url``; errors become one sentence, never a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.domain import grammar
from bot.domain.channels import channel_refusal
from bot.domain.clicks import Where
from bot.errors import BotError, StoreUnavailableError
from bot.logs import bind, new_request_id
from bot.slack.blockkit import answers, blocks
from bot.slack.breakglass_listeners import KINDS, glass_work, register_breakglass
from bot.slack.command_work import Work, command_work
from bot.slack.home_listeners import answered_on_home
from bot.slack.modal_listeners import form_for, open_form, register_modal
from bot.slack.work_queue import Priority, WorkQueue
from bot.usecases import commit_revert, decide
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

Outcome = Callable[[str], None]
INTERNAL = "Something went wrong inside the bot; nothing more was done and the error was logged."
_BUTTONS = (blocks.APPROVE, blocks.CANCEL, blocks.COMMIT, blocks.REVERT, *KINDS)

# Commands of one person queued or running at once in a replica, per kind (``Owner``):
# enough for a few apps at once, too few for one person's flood to fill the queue in
# front of everyone else. Reads have their own share, so that a person waiting on
# proposals can still ask `status`, and a flood of reads cannot delay proposals either.
PER_PERSON = 3
BUSY = (
    f"You already have {PER_PERSON} requests being worked on; "
    "wait for them to finish and try again."
)
_READS = (grammar.Status, grammar.History, grammar.Audit, grammar.Policy)

# Whose share a command takes: (user, "read") or (user, "act").
Owner = tuple[str, str]


def register(app: AsyncApp, deps: Deps, followups: WorkQueue) -> None:
    """Attach the slash command, the modal and the buttons to ``app``."""
    # First: Bolt runs the first listener that matches, and the buttons' matches any action.
    register_modal(app, deps, followups)
    register_breakglass(app, deps, followups)

    @app.command(re.compile(r"^/rollback"))
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        # Every line logged for this request, here and in the task it starts, carries these.
        with bind(
            request_id=new_request_id(),
            user=str(command.get("user_id") or ""),
            channel=str(command.get("channel_id") or ""),
        ):
            await _handle_command(deps, followups, ack, command, respond)

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
            # Someone is waiting on the card, and clicks are quick: ahead of every command;
            # Break glass opens a form with a trigger good for 3 s, so it goes first of all.
            opens = action.get("action_id") == blocks.BREAKGLASS
            priority = Priority.NOW if opens else Priority.CLICK
            _later(followups, respond, work, name="button", priority=priority)

    app.action(re.compile(".*"))(on_button)


def _later(
    followups: WorkQueue,
    respond: AsyncRespond,
    work: Work,
    *,
    name: str,
    priority: Priority,
    outcome: Outcome = lambda _: None,
    owner: Owner | None = None,
) -> bool:
    """Queue the work; False (nothing queued) when ``owner`` already has ``PER_PERSON``."""
    return followups.submit(
        lambda: _answer(respond, work, outcome),
        name=name,
        priority=priority,
        owner=owner,
        limit=PER_PERSON,
    )


async def _handle_command(
    deps: Deps,
    followups: WorkQueue,
    ack: AsyncAck,
    command: dict[str, Any],
    respond: AsyncRespond,
) -> None:
    try:
        taken = _take_command(deps, command)
    except Exception:
        log.exception("command could not be read")
        taken = _Taken(answers.problem(INTERNAL), outcome="error")
    counted = deps.metrics.commands.labels
    subcommand = taken.subcommand

    def outcome(result: str) -> None:
        counted(subcommand, result).inc()

    # Queued before the ack, so that the ack itself can tell a person who already has
    # their share in the queue. The work waits for a lull in requests (this one counts),
    # so it still starts once the ack is on its way.
    if taken.work is not None and not _later(
        followups,
        respond,
        taken.work,
        name="command",
        priority=taken.priority,
        outcome=outcome,
        owner=taken.owner,
    ):
        log.info("command %s refused: %d of this person's are in the works", subcommand, PER_PERSON)
        taken = _Taken(answers.problem(BUSY), None, subcommand, "busy")
    await ack(text=taken.reply.text, blocks=taken.reply.blocks or None, response_type="ephemeral")
    if taken.work is None:
        outcome(taken.outcome)


@dataclass(frozen=True)
class _Taken:
    """What to answer at once, the work to do after the ack (if any), and for metrics."""

    reply: blocks.Message
    work: Work | None = None
    subcommand: str = "unknown"
    outcome: str = ""
    owner: Owner | None = None
    priority: Priority = Priority.COMMAND


def _take_command(deps: Deps, command: dict[str, Any]) -> _Taken:
    parsed = grammar.parse(str(command.get("text") or ""))
    user = str(command.get("user_id") or "")
    channel = str(command.get("channel_id") or "")
    name = type(parsed).__name__.lower()
    if isinstance(parsed, grammar.Help):
        return _Taken(answers.usage(parsed), None, name, "invalid" if parsed.problem else "ok")
    refusal = channel_refusal(deps.channels, channel=channel, app=None)
    if refusal is not None:
        log.info("command from %s refused in %s: %s", user, channel, refusal)
        return _Taken(answers.problem(refusal), None, name, "refused")
    if not user or not channel:
        problem = answers.problem("That command arrived without a user or a channel.")
        return _Taken(problem, None, name, "invalid")
    trigger = str(command.get("trigger_id") or "")
    what = f"{name} from {user} in {channel}"
    form = form_for(deps, parsed, channel=channel)
    if form is not None:
        # The trigger_id is good for 3 s from Slack's sending: views.open goes at once.
        opening = blocks.Message(text="Opening the rollback form…")
        opened = _once(
            deps, trigger, what, partial(open_form, deps, trigger=trigger, context=form, user=user)
        )
        return _Taken(opening, opened, name, priority=Priority.NOW)
    work = command_work(deps, parsed, user=user, channel=channel)
    owner = (user, "read" if isinstance(parsed, _READS) else "act")
    working = blocks.Message(text="Working on it…")
    return _Taken(working, _once(deps, trigger, what, work), name, owner=owner)


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


def _take_button(deps: Deps, body: dict[str, Any], action: dict[str, Any]) -> Work:
    user = str(_field(body, "user", "id"))
    if _field(body, "container", "type") == "view":
        # A click on the Home tab: no message, no channel, no response_url. It acts on the
        # card or rollback its value names, as from anywhere; the answer goes to the tab.
        elsewhere = {k: v for k, v in body.items() if k not in {"container", "view"}}
        work = _take_button(deps, elsewhere, action)
        return answered_on_home(deps, user=user, work=work)
    value = str(action.get("value") or "")
    kind = str(action.get("action_id") or "")
    where = Where(
        channel=str(_field(body, "container", "channel_id") or _field(body, "channel", "id")),
        ephemeral=_field(body, "container", "is_ephemeral") is True,
        message_ts=str(_field(body, "container", "message_ts")),
    )
    clicked = commit_revert.Clicked(
        ts=where.message_ts,
        blocks=[b for b in _field(body, "message", "blocks") or [] if isinstance(b, dict)],
        where=where,
    )
    log.info("button %s by %s on %s", kind, user, value)
    if kind not in _BUTTONS:
        return _fixed("That button is not one this bot knows; nothing was done.")
    if not user or not value:
        return _fixed("That button press arrived without a user or a card; nothing was done.")
    on_card = decide.CardClick(card_id=value, user=user, message_ts=clicked.ts, where=where)
    if kind == blocks.APPROVE:
        return lambda: decide.approve(deps, on_card)
    if kind == blocks.CANCEL:
        return lambda: decide.cancel(deps, on_card)
    if kind in KINDS:
        return glass_work(deps, kind, on_card, trigger=str(body.get("trigger_id") or ""))
    revert = kind == blocks.REVERT
    return lambda: commit_revert.settle_from_button(
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
        return answers.problem(exc.user_message)
    except Exception:
        log.exception("request failed")
        outcome("error")
        return answers.problem(INTERNAL)
    outcome("ok" if message is not None else "duplicate")
    return message
