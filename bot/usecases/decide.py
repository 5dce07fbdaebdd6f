"""Use cases: approve or cancel a confirmation card, exactly once.

The order matters: where the click came from and who may click are checked first (a
refusal leaves the card pending), then the decision is claimed atomically, then the
rollback is started (``bot.usecases.starting``: the world checked again, DigitalOcean asked once).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.domain.clicks import ANYWHERE, Where, click_refusal
from bot.domain.mrkdwn import escape
from bot.domain.records import Card, Decision, DecisionKind, Event
from bot.slack.blockkit import blocks
from bot.slack.blockkit.cards import approved_by, more_approvers
from bot.store.approvals import Approval
from bot.usecases.card_updates import audit, count, show
from bot.usecases.dependencies import Deps
from bot.usecases.starting import intent_lapses, start

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class CardClick:
    """A click on a card's Approve or Cancel button: ``message_ts`` and ``where`` as the
    click payload says (a click can beat the record of the card's ts)."""

    card_id: str
    user: str
    message_ts: str = ""
    where: Where = ANYWHERE


async def approve(deps: Deps, click: CardClick) -> blocks.Message:
    loaded = await load_card(deps, click)
    if loaded is None:
        return gone()
    if not loaded.approvable:
        return blocks.Message(text=f"This rollback cannot be approved: {escape(loaded.error)}")
    card = await clicked_card(deps, click, _approval_refusal, card=loaded)
    if isinstance(card, blocks.Message):
        return card
    now = deps.clock()
    if now > card.expires_at:
        won, decision = await deps.store.claim_decision(
            card.id, Decision(kind=DecisionKind.EXPIRED, at=now)
        )
        if won:
            await audit(deps, Event.EXPIRED, card, user=card.requester)
            await show(deps, card, decision)
        count(deps, "expired")
        return blocks.Message(text="This card has expired; ask again with `/rollback`.")
    approval = await deps.store.add_approval(
        card,
        Decision(kind=DecisionKind.APPROVED, user=click.user, at=now),
        starting_until=intent_lapses(deps),
    )
    if approval.decision is None:
        return await _counted(deps, card, click.user, approval)
    if not approval.won:
        count(deps, "duplicate")
        return await already_decided(deps, card, approval.decision)
    approved = approval.decision
    tally = _tally(card, approved.approvals)
    await audit(deps, Event.APPROVED, card, user=click.user, reason=tally)
    await show(deps, card, approved, note="Checking the app once more…")
    return await start(deps, card, approved)


async def _counted(deps: Deps, card: Card, user: str, approval: Approval) -> blocks.Message:
    """An approval that did not complete the card's quorum: refused as a repeat, or
    counted, shown on the card (buttons kept) and in the audit trail."""
    more = more_approvers(card.approvals_needed - len(approval.approvals))
    if approval.again:
        refusal = f"You already approved; it needs {more}."
        return await refused(deps, card, user=user, refusal=refusal)
    count(deps, "counted")
    tally = _tally(card, approval.approvals)
    await audit(deps, Event.APPROVED, card, user=user, reason=tally)
    await show(deps, card, None, approvals=approval.approvals)
    # The approval completing the quorum (or a cancel) may have edited the card before
    # this edit landed, which would bring the buttons back: show what is true now.
    decided = await deps.store.get_decision(card.id)
    if decided is not None:
        latest = await deps.store.latest_rollback(card.app_id)
        watch = latest if latest is not None and latest.card_id == card.id else None
        await show(deps, card, decided, watch=watch)
    return blocks.Message(text=f"Approved ({tally}); the card waits for {more}.")


def _tally(card: Card, approvals: tuple[str, ...]) -> str:
    """ "1 of 2", for the audit trail and the clicker; "" on a one-approval card."""
    return f"{len(approvals)} of {card.approvals_needed}" if card.approvals_needed > 1 else ""


async def cancel(deps: Deps, click: CardClick) -> blocks.Message:
    card = await clicked_card(deps, click, _cancel_refusal)
    if isinstance(card, blocks.Message):
        return card
    won, decision = await deps.store.claim_decision(
        card.id, Decision(kind=DecisionKind.CANCELLED, user=click.user, at=deps.clock())
    )
    if not won:
        count(deps, "duplicate")
        return await already_decided(deps, card, decision)
    count(deps, "cancelled")
    await audit(deps, Event.CANCELLED, card, user=click.user)
    await show(deps, card, decision)
    return blocks.Message(text="Cancelled; nothing was changed.")


Refusal = Callable[[Deps, Card, str], Awaitable[str | None]]
"""Why a person may not do what they clicked on a card (``deps``, the card, the user), or None."""


async def clicked_card(
    deps: Deps, click: CardClick, refusal: Refusal, *, card: Card | None = None
) -> Card | blocks.Message:
    """The card ``click`` names (``card``, when already loaded) if the click may act on it
    from where it came and ``refusal`` lets its person; else the one sentence why not."""
    card = card if card is not None else await load_card(deps, click)
    if card is None:
        return gone()
    why = misplaced(deps, card, click.where) or await refusal(deps, card, click.user)
    if why is not None:
        return await refused(deps, card, user=click.user, refusal=why)
    return card


async def refused(deps: Deps, card: Card, *, user: str, refusal: str) -> blocks.Message:
    count(deps, "refused")
    await audit(deps, Event.REFUSED, card, user=user, reason=refusal)
    return blocks.Message(text=refusal)


def misplaced(deps: Deps, card: Card, where: Where) -> str | None:
    """Why a click from ``where`` may not act on ``card``, or None when it may."""
    return click_refusal(
        deps.channels,
        where,
        home=card.channel,
        home_ts=card.ts,
        app=card.app_name,
        app_id=card.app_id,
    )


async def _cancel_refusal(deps: Deps, card: Card, user: str) -> str | None:
    """Why ``user`` may not cancel ``card``, or None when they may."""
    approvers = deps.policy.for_app(app_name=card.app_name, app_id=card.app_id)
    if user == card.requester or await approvers.includes(user):
        return None
    return "Only the requester or an approver can cancel this rollback."


async def _approval_refusal(deps: Deps, card: Card, user: str) -> str | None:
    """Why ``user`` may not approve ``card``, or None when they may: the app's rule as it
    stands at click time."""
    rule = deps.policy.rule_for(app_name=card.app_name, app_id=card.app_id)
    if user == card.requester and not rule.self_approval:
        return "You asked for this rollback, so someone else has to approve it."
    approvers = deps.policy.approvers(rule)
    if not await approvers.includes(user):
        return (
            "You are not one of the approvers for rollbacks of this app "
            f"({approvers.describe()}); the card stays open for them."
        )
    return None


async def load_card(deps: Deps, click: CardClick) -> Card | None:
    card = await deps.store.get_card(click.card_id)
    if card is not None and not card.ts and click.message_ts:
        # The click beat the write of the card's ts (or Redis refused that write); the
        # click itself says where the card is, and the record learns it for later edits.
        card = card.model_copy(update={"ts": click.message_ts})
        await deps.store.save_card(card, pending=False)
    return card


def gone() -> blocks.Message:
    return blocks.Message(text="This card is no longer known to the bot; nothing was done.")


async def already_decided(deps: Deps, card: Card, decision: Decision) -> blocks.Message:
    if decision.kind != DecisionKind.APPROVED:
        # Still showing buttons means an earlier edit was lost: show the decision now. (An
        # approved card is kept up to date by its rollback's narration.)
        await show(deps, card, decision)
    who = f" by {approved_by(decision)}" if decision.user else ""
    return blocks.Message(text=f"This card was already {decision.kind.value}{who}.")
