"""Editing a rollback's card, the one way every part of the bot does it.

The card is rendered from what is known of its rollback (the card, its decision, the
watch, a commit or revert) and the edit is best effort: it follows what happened and
never undoes it. A lost edit is mended by the next one; an edit that must land (the
last one of a rollback) is tried a few times.
"""

from __future__ import annotations

import asyncio
import logging

from bot.domain.records import Card, Decision, Watch
from bot.errors import SlackError
from bot.fleet.telling import CLOSED
from bot.slack.blockkit import cards
from bot.slack.client import Chat
from bot.store.redis_store import Store

log = logging.getLogger(__name__)

# Slack's answers to an edit that no retry can change: the message is gone, or too old.
_GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


async def edit_card(
    chat: Chat,
    card: Card,
    *,
    now: float,
    decision: Decision | None,
    watch: Watch | None = None,
    settled: Decision | None = None,
    note: str = "",
    tries: int = 1,
    approvals: tuple[str, ...] = (),
) -> bool:
    """Show the card's state; True when Slack took the edit. ``tries`` above one retries
    a dropped connection or a Slack blip, never an answer Slack would give again."""
    if not card.ts:
        return False  # never posted: nothing to edit
    message = cards.card(
        card,
        now=now,
        decision=decision,
        watch=watch,
        note=note,
        settled=settled,
        approvals=approvals,
    )
    for attempt in range(tries):
        try:
            await chat.update(card.channel, card.ts, message)
            return True
        except SlackError as exc:
            log.warning("card %s: not updated (%s)", card.id, exc.code or exc.user_message)
            if exc.code in CLOSED or exc.code in _GONE or attempt + 1 == tries:
                return False
            await asyncio.sleep(0.5 * 2**attempt)
    return False


async def card_of(store: Store, watch: Watch) -> tuple[Card, Decision | None] | None:
    """The card whose thread ``watch`` tells, and its decision. The card is the thread's
    parent: its ts is the thread's, even where Redis refused the card's own record of it."""
    if not watch.card_id:
        return None
    card, decision = await store.get_card_and_decision(watch.card_id)
    if card is None:
        return None
    return card.model_copy(update={"ts": card.ts or watch.thread_ts}), decision
