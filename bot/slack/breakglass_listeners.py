"""Slack listeners of break-glass: the card's Break glass button (through the card's own
button listener, ``glass_work``), the reason modal's submission, and the review's
Acknowledge button.

The submission answers inside Slack's 3 s: a claim that takes longer keeps the modal open
on a "working on it" view, which its outcome then replaces.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.errors import BotError
from bot.logs import bind, new_request_id
from bot.slack.blockkit import blocks, reviews
from bot.slack.command_work import Work
from bot.slack.work_queue import Priority, WorkQueue
from bot.usecases import break_glass
from bot.usecases.decide import CardClick
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

SUBMIT_WAIT = 2.0
"""Seconds the claim may take before the answer keeps the modal open on "working on it"."""
WORKING = "Approving alone…"
INTERNAL = "Something went wrong inside the bot; the error was logged. Look at the card."
KINDS = (blocks.BREAKGLASS, blocks.ACKNOWLEDGE)


def glass_work(deps: Deps, kind: str, click: CardClick, *, trigger: str) -> Work:
    """The work of a click on Break glass or Acknowledge (``kind`` in ``KINDS``)."""
    if kind == blocks.BREAKGLASS:
        return lambda: break_glass.offer(deps, click, trigger=trigger)
    return lambda: break_glass.acknowledge(deps, card_id=click.card_id, user=click.user)


def register_breakglass(app: AsyncApp, deps: Deps, followups: WorkQueue) -> None:
    @app.view(reviews.CALLBACK_ID)
    async def on_submit(ack: AsyncAck, body: dict[str, Any]) -> None:
        user = body.get("user")
        user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
        with bind(request_id=new_request_id(), user=user_id):
            await _on_submit(deps, followups, ack, body, user=user_id)


async def _on_submit(
    deps: Deps, followups: WorkQueue, ack: AsyncAck, body: dict[str, Any], *, user: str
) -> None:
    view = body.get("view")
    view = view if isinstance(view, dict) else {}
    reason = reviews.reason_of(view)
    problem = reviews.reason_problem(reason)
    if problem is not None:
        await ack(response_action="errors", errors={reviews.REASON_BLOCK: problem})
        return
    card_id = str(view.get("private_metadata") or "")
    outcome: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    late = False

    async def work() -> None:
        try:
            taken = await break_glass.approve_alone(deps, card_id=card_id, user=user, reason=reason)
        except BotError as exc:
            taken = blocks.Message(text=exc.user_message)
        except Exception:
            log.exception("break-glass submission failed")
            taken = blocks.Message(text=INTERNAL)
        outcome.set_result(taken.text if isinstance(taken, blocks.Message) else "")
        if late and outcome.result():
            await _replace(deps, str(view.get("id") or ""), outcome.result())
        if isinstance(taken, break_glass.Claimed):
            await _follow(deps, taken)

    followups.submit(work, name="break-glass", priority=Priority.NOW)
    await asyncio.wait([outcome], timeout=SUBMIT_WAIT)
    if not outcome.done():
        late = True
        await ack(response_action="update", view=reviews.notice_view(WORKING))
    elif outcome.result():
        await ack(response_action="update", view=reviews.notice_view(outcome.result()))
    else:
        await ack()  # closes the modal: the card says the rest


async def _follow(deps: Deps, claimed: break_glass.Claimed) -> None:
    """The review and the start; what they come to is on the card and in its thread."""
    try:
        await break_glass.follow(deps, claimed)
    except BotError as exc:
        log.warning("break-glass rollback of %s: %s", claimed.card.id, exc.user_message)
    except Exception:
        log.exception("break-glass rollback of %s failed", claimed.card.id)


async def _replace(deps: Deps, view_id: str, text: str) -> None:
    try:
        await deps.chat.update_view(view_id, reviews.notice_view(text))
    except BotError as exc:
        log.warning("break-glass form %s not updated: %s", view_id, exc.user_message)
