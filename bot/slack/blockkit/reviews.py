"""Break-glass (pure): the reason modal, the review reply in the card's thread, its
reminders, and the open reviews as ``/rollback status`` lists them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.domain.mrkdwn import clip, shown
from bot.domain.records import Card
from bot.domain.reviews import Acknowledgement, Review, Step
from bot.slack.blockkit import limits, modal
from bot.slack.blockkit.blocks import (
    ACKNOWLEDGE,
    BREAKGLASS,
    Block,
    Message,
    actions,
    age,
    button,
    code,
    context,
    plain,
    section,
    short,
    slack_time,
)
from bot.slack.blockkit.pin_replies import age_text

CALLBACK_ID = "breakglass_reason"
REASON_BLOCK = "breakglass"
REASON_ACTION = "breakglass_reason_text"
REASON_MOST = 500
TITLE = "Break glass"
REASON_SHOWN = 500
"""Visible characters of a reason in a reply (all of it: the modal allows 500)."""
LISTED_REASON = 120
"""Visible characters of a reason in a ``/rollback status`` line."""


def breakglass_button(card: Card) -> Block:
    """The card's third button, for a break-glass approver alone (checked at click time)."""
    return button("Break glass…", BREAKGLASS, card.id)


def alone_line(user: str, reason: str) -> str:
    """The card's loud state line once approved alone."""
    return f"🚨 *BREAK-GLASS:* approved alone by <@{user}>: {shown(reason, REASON_SHOWN)}"


def reason_view(card: Card) -> dict[str, Any]:
    """The modal asking why (``views.open``); ``private_metadata`` is the card's id."""
    target = code(short(card.target.id))
    about = (
        f"You approve the rollback of {code(card.app_name)} to {target} *alone*. "
        "The card and the audit trail say so, and another approver must review it afterwards."
    )
    reason = {
        "type": "plain_text_input",
        "action_id": REASON_ACTION,
        "multiline": True,
        "max_length": REASON_MOST,
        "placeholder": plain("Why can this not wait for another approver?", limits.PLACEHOLDER),
    }
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(TITLE, limits.VIEW_TITLE),
        "submit": plain("Approve alone", limits.VIEW_TITLE),
        "close": plain("Cancel", limits.VIEW_TITLE),
        "private_metadata": clip(card.id, limits.PRIVATE_METADATA),
        "blocks": [
            section(about),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": plain("Reason", limits.INPUT_LABEL),
                "element": reason,
            },
        ],
    }


def notice_view(text: str) -> dict[str, Any]:
    """The modal showing one sentence instead of the form (working on it, or why not)."""
    return modal.notice_view(text, callback_id=CALLBACK_ID, title=TITLE)


def reason_of(view: Mapping[str, Any]) -> str:
    """The reason typed in a submitted ``view`` ("" when missing or malformed)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(REASON_BLOCK) if isinstance(values, dict) else None
    element = block.get(REASON_ACTION) if isinstance(block, dict) else None
    value = element.get("value") if isinstance(element, dict) else None
    return value.strip() if isinstance(value, str) else ""


def reason_problem(reason: str) -> str | None:
    """Why ``reason`` will not do, or None."""
    if not reason:
        return "Say why this cannot wait for another approver."
    if len(reason) > REASON_MOST:
        return f"Keep the reason under {REASON_MOST} characters ({len(reason)} now)."
    return None


def _alone(review: Review) -> str:
    return (
        f"<@{review.breaker}> approved this rollback alone (break-glass): "
        f"{shown(review.reason, REASON_SHOWN)}."
    )


def _acknowledge(review: Review) -> Block:
    return actions(f"review:{review.card_id}", [button("Acknowledge", ACKNOWLEDGE, review.card_id)])


def review_opened(review: Review) -> Message:
    text = (
        f"Review needed: {_alone(review)} Another approver must acknowledge it "
        f"within {age_text(review.within)}."
    )
    return Message(text=text, blocks=[section(text), _acknowledge(review)])


def review_acknowledged(review: Review, ack: Acknowledgement) -> Message:
    text = f"Reviewed: {_alone(review)}"
    done = f"✅ Acknowledged by <@{ack.user}> {slack_time(ack.at)}."
    return Message(text=f"{text} {done}", blocks=[section(text), context(done)])


def reminder(review: Review, step: Step, *, now: float, approvers: str) -> Message:
    """A reminder at ``step``; ``approvers``: the app's approvers as mentions ("" when
    anyone may approve), named by the louder one at ``Step.DUE``."""
    opened = age(datetime.fromtimestamp(review.opened_at, tz=UTC), now)
    if step == Step.DUE:
        who = approvers or "Approvers"
        text = (
            f"🚨 *Review overdue* ({opened}): {_alone(review)} {who}: one of you must "
            "look at it and acknowledge it."
        )
    else:
        text = (
            f"⏰ Review still open ({opened}): {_alone(review)} "
            f"Another approver must acknowledge it by {slack_time(review.due_at)}."
        )
    return Message(text=text, blocks=[section(text), _acknowledge(review)])


def open_lines(reviews: Sequence[Review], now: float) -> list[str]:
    """``/rollback status``'s lines: app, who broke the glass, why, how long ago, due."""
    lines = []
    for r in reviews:
        opened = age(datetime.fromtimestamp(r.opened_at, tz=UTC), now)
        due = "*overdue*" if now >= r.due_at else f"due {slack_time(r.due_at)}"
        lines.append(
            f"• {code(r.app_name)}: <@{r.breaker}> broke the glass {opened} — "
            f"{shown(r.reason, LISTED_REASON)} · {due}"
        )
    return lines
