"""What approving, cancelling and starting a rollback say about a card: the card's edit,
the audit trail and the decision metrics. Shared by ``bot.usecases.decide`` and
``bot.usecases.starting``."""

from __future__ import annotations

import logging

from bot.domain.records import Card, Decision, Event, Watch
from bot.errors import SlackError
from bot.slack.blockkit import cards
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)


async def show(
    deps: Deps, card: Card, decision: Decision | None, *, watch: Watch | None = None, note: str = ""
) -> None:
    """Edit the card to say what was decided. Best effort: the decision is taken and stands
    whether or not Slack takes the edit (an approval goes ahead, and its thread and later
    edits bring the card up to date; a later click on a card Slack did not update heals it)."""
    message = cards.card(card, now=deps.clock(), decision=decision, watch=watch, note=note)
    try:
        await deps.chat.update(card.channel, card.ts, message)
    except SlackError as exc:
        log.warning("card %s: not updated (%s); it catches up later", card.id, exc.user_message)


async def audit(
    deps: Deps, event: Event, card: Card, *, user: str, reason: str = "", deployment: str = ""
) -> None:
    await deps.audit.record(
        event,
        user=user,
        app=card.app_name,
        app_id=card.app_id,
        card=card.id,
        target=card.target.id,
        deployment=deployment,
        reason=reason,
    )


def count(deps: Deps, outcome: str) -> None:
    deps.metrics.decisions.labels(outcome).inc()
