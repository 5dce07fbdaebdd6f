"""Use case: break the glass. A break-glass approver approves a card alone, with a reason;
another approver acknowledges it afterwards.

The click is checked (where, by whom, on what) before the reason modal opens; its
submission is checked again (who, and whether the card expired meanwhile), then the
decision is claimed atomically as an approval is (``decide.approve``): a cancel or an
approval that came first wins. It bypasses the quorum and the self-approval rule: that is
what the glass is for, and why a review stays open in the thread until acknowledged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.domain.mrkdwn import escape
from bot.domain.records import Card, Decision, DecisionKind, Event
from bot.domain.reviews import Acknowledgement, Review
from bot.errors import BotError
from bot.slack.blockkit import blocks, reviews
from bot.store.reviews import Reviews
from bot.usecases.card_updates import audit, count, show
from bot.usecases.decide import CardClick, already_decided, clicked_card, gone, refused
from bot.usecases.dependencies import Deps
from bot.usecases.starting import intent_lapses, start

log = logging.getLogger(__name__)

EXPIRED = "This card has expired; ask again with `/rollback`."


@dataclass(frozen=True)
class Claimed:
    """A card approved alone: what ``follow`` opens the review for and starts."""

    card: Card
    decision: Decision


async def offer(deps: Deps, click: CardClick, *, trigger: str) -> blocks.Message | None:
    """Open the reason modal for a break-glass approver; else one sentence why not."""
    card = await clicked_card(deps, click, _refusal)
    if isinstance(card, blocks.Message):
        return card
    decision = await deps.store.get_decision(card.id)
    if decision is not None:
        return await already_decided(deps, card, decision)
    if deps.clock() > card.expires_at:
        return blocks.Message(text=EXPIRED)
    try:
        await deps.chat.open_view(trigger, reviews.reason_view(card))
    except BotError as exc:
        log.warning("break-glass form for %s not opened: %s", click.user, exc.user_message)
        return blocks.Message(
            text=f"The break-glass form could not be opened ({exc.user_message}) Try again."
        )
    return None


async def approve_alone(
    deps: Deps, *, card_id: str, user: str, reason: str
) -> Claimed | blocks.Message:
    """Claim the approval (a reason given, ``reviews.reason_problem`` checked), or say why
    not: the card and the member are checked again, at submission time."""
    card = await deps.store.get_card(card_id)
    if card is None:
        return gone()
    refusal = await _refusal(deps, card, user)
    if refusal is not None:
        return await refused(deps, card, user=user, refusal=refusal)
    now = deps.clock()
    if now > card.expires_at:
        # Nothing claimed: the expiry sweeper edits the card within a round.
        count(deps, "expired")
        return blocks.Message(text=EXPIRED)
    alone = Decision(kind=DecisionKind.APPROVED, user=user, at=now, breakglass=reason)
    won, decision = await deps.store.claim_decision(
        card.id, alone, starting_until=intent_lapses(deps)
    )
    if not won:
        count(deps, "duplicate")
        return await already_decided(deps, card, decision)
    await audit(deps, Event.BREAKGLASS, card, user=user, reason=escape(reason))
    await show(deps, card, decision, note="Checking the app once more…")
    return Claimed(card=card, decision=decision)


async def follow(deps: Deps, claimed: Claimed) -> blocks.Message:
    """Open the review (before the start: whatever the start comes to, the glass was
    broken), then start the rollback as any approval does."""
    await _open_review(deps, claimed)
    return await start(deps, claimed.card, claimed.decision)


async def _open_review(deps: Deps, claimed: Claimed) -> None:
    card, decision = claimed.card, claimed.decision
    now = deps.clock()
    review = Review(
        card_id=card.id,
        app_id=card.app_id,
        app_name=card.app_name,
        channel=card.channel,
        thread_ts=card.ts,
        breaker=decision.user,
        reason=decision.breakglass,
        opened_at=now,
        due_at=now + deps.policy.policy.breakglass.review_within,
    )
    store = Reviews(deps.store.client)
    try:
        if not await store.open(review):
            return  # opened when this card's glass was broken before (then reopened)
        await deps.pace.wait(card.channel)
        ts = await deps.chat.post(card.channel, reviews.review_opened(review), thread_ts=card.ts)
        await store.replied(review.model_copy(update={"ts": ts}))
    except BotError as exc:
        # The review is listed (status, reminders with their own Acknowledge) or, with
        # Redis away, the audit trail still says the glass was broken.
        log.error("break-glass review of card %s not told: %s", card.id, exc.user_message)


async def acknowledge(deps: Deps, *, card_id: str, user: str) -> blocks.Message:
    """Close a review, exactly once, by an approver who did not break the glass."""
    store = Reviews(deps.store.client)
    review = await store.get(card_id)
    if review is None:
        return blocks.Message(text="This review is no longer known to the bot; nothing was done.")
    if user == review.breaker:
        return blocks.Message(
            text="You broke the glass on this rollback, so another approver has to acknowledge it."
        )
    approvers = deps.policy.for_app(app_name=review.app_name, app_id=review.app_id)
    if not (await approvers.includes(user) or await deps.policy.breakglass.includes(user)):
        return blocks.Message(
            text="Only an approver of this app or a break-glass approver can acknowledge "
            f"this review ({approvers.describe()})."
        )
    won, ack = await store.acknowledge(review, Acknowledgement(user=user, at=deps.clock()))
    if not won:
        return blocks.Message(text=f"This review was already acknowledged by <@{ack.user}>.")
    await deps.audit.record(
        Event.ACKNOWLEDGED,
        user=user,
        app=review.app_name,
        app_id=review.app_id,
        card=review.card_id,
        reason=f"break-glass by <@{review.breaker}> reviewed",
    )
    if review.ts:
        try:
            done = reviews.review_acknowledged(review, ack)
            await deps.chat.update(review.channel, review.ts, done)
        except BotError as exc:  # the acknowledgement stands; the reply just says less
            log.warning("review reply of card %s not edited: %s", card_id, exc.user_message)
    return blocks.Message(text="Acknowledged; the break-glass review is closed.")


async def _refusal(deps: Deps, card: Card, user: str) -> str | None:
    """Why ``user`` may not approve ``card`` alone, or None when they may."""
    if not card.approvable:
        return f"This rollback cannot be approved: {escape(card.error)}"
    if not card.breakglass:
        return "Break-glass is not open for this rollback; it needs the usual approvals."
    if not await deps.policy.breakglass.includes(user):
        return (
            "Only a break-glass approver "
            f"({deps.policy.breakglass.describe()}) can approve a rollback alone; "
            "nothing was changed."
        )
    return None
