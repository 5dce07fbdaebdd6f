"""Use cases: approve or cancel a confirmation card, exactly once.

The order matters: who may click is checked first (a refusal leaves the card pending),
then the decision is claimed atomically, then the world is checked again (the live
deployment, anything in flight) before DigitalOcean is asked to do anything.
"""

from __future__ import annotations

import logging

import stamina

from bot import blocks, cards, progress, replies
from bot.blocks import code
from bot.deps import Deps
from bot.errors import (
    DigitalOceanError,
    DOTransientError,
    DOUncertainError,
    StoreUnavailableError,
)
from bot.models import Deployment
from bot.mrkdwn import escape
from bot.records import Card, Decision, DecisionKind, Event, Watch, WatchKind
from bot.targets import blocked_by

log = logging.getLogger(__name__)

_LOCK_MARGIN = 600
_REMEMBER_FOR = 120.0  # seconds to keep trying to record a rollback that already started


async def approve(deps: Deps, *, card_id: str, user: str, message_ts: str = "") -> blocks.Message:
    card = await _load(deps, card_id, message_ts)
    if card is None:
        return _gone()
    if not card.approvable:
        return blocks.Message(text=f"This rollback cannot be approved: {escape(card.error)}")
    refusal = await _approval_refusal(deps, card, user)
    if refusal:
        _count(deps, "refused")
        await _audit(deps, Event.REFUSED, card, user=user, reason=refusal)
        return blocks.Message(text=refusal)
    now = deps.clock()
    if now > card.expires_at:
        won, decision = await deps.store.claim_decision(
            card.id, Decision(kind=DecisionKind.EXPIRED, at=now)
        )
        if won:
            await _audit(deps, Event.EXPIRED, card, user=card.requester)
            await _show(deps, card, decision)
        _count(deps, "expired")
        return blocks.Message(text="This card has expired; ask again with `/rollback`.")
    won, decision = await deps.store.claim_decision(
        card.id, Decision(kind=DecisionKind.APPROVED, user=user, at=now)
    )
    if not won:
        _count(deps, "duplicate")
        return _already(decision)
    await _audit(deps, Event.APPROVED, card, user=user)
    await _show(deps, card, decision, note="Checking the app once more…")
    return await _start(deps, card, decision)


async def _start(deps: Deps, card: Card, decision: Decision) -> blocks.Message:
    """Check the app once more, then ask DigitalOcean for the rollback, exactly once."""
    try:
        stale = await _stale(deps, card)
    except DOTransientError as exc:
        await _reopen(deps, card, exc.user_message)
        raise
    if stale:
        return await _not_started(deps, card, decision, stale)
    holder = await deps.locks.claim(
        card.app_id, card.id, ttl=deps.settings.rollback_watch_timeout + _LOCK_MARGIN
    )
    if holder is not None:
        return await _not_started(
            deps, card, decision, "another rollback of this app is already in flight."
        )
    try:
        deployment = await _create_rollback(deps, card)
    except DigitalOceanError as exc:
        await deps.locks.release(card.app_id, card.id)
        if isinstance(exc, DOTransientError):
            # Refused before DigitalOcean did anything (the budget, a 429): nothing
            # changed, so the card is open again rather than spent.
            await _reopen(deps, card, exc.user_message)
            raise
        _count(deps, "failed")
        log.error("card %s: rollback not started: %s", card.id, exc.user_message)
        await _audit(deps, Event.FAILED, card, user=decision.user, reason=exc.user_message)
        await _show(deps, card, decision, note=f"⚠️ The rollback did not start: {exc.user_message}")
        return blocks.Message(text=f"The rollback did not start: {exc.user_message}")
    watch = _watch_for(deps, card, deployment, approver=decision.user)
    # Stored before anything else can fail: from here on a restart resumes the watch.
    if not await _remember(deps, watch):
        await deps.pace.wait(card.channel)
        await deps.chat.post(card.channel, replies.untracked(watch), thread_ts=card.ts)
        return blocks.Message(text=replies.untracked(watch).text)
    await _audit(deps, Event.STARTED, card, user=decision.user, deployment=deployment.id)
    deps.watcher.start(watch)  # its first word in the thread is "Rollback started"
    await _show(deps, card, decision, watch=watch)
    _count(deps, "approved")
    return blocks.Message(
        text=f"Rolling {code(card.app_name)} back; follow it in the card's thread."
    )


async def _remember(deps: Deps, watch: Watch) -> bool:
    """Store a new watch, waiting out a short Redis outage: the rollback already runs."""
    try:
        async for attempt in stamina.retry_context(
            on=StoreUnavailableError, attempts=None, timeout=_REMEMBER_FOR, wait_max=5.0
        ):
            with attempt:
                await deps.store.start_watch(watch)
    except StoreUnavailableError:
        log.error("deployment %s started but could not be recorded", watch.deployment_id)
        return False
    return True


async def cancel(deps: Deps, *, card_id: str, user: str, message_ts: str = "") -> blocks.Message:
    card = await _load(deps, card_id, message_ts)
    if card is None:
        return _gone()
    if user != card.requester and not await deps.approvers.includes(user):
        refusal = "Only the requester or an approver can cancel this rollback."
        _count(deps, "refused")
        await _audit(deps, Event.REFUSED, card, user=user, reason=refusal)
        return blocks.Message(text=refusal)
    won, decision = await deps.store.claim_decision(
        card.id, Decision(kind=DecisionKind.CANCELLED, user=user, at=deps.clock())
    )
    if not won:
        _count(deps, "duplicate")
        return _already(decision)
    _count(deps, "cancelled")
    await _audit(deps, Event.CANCELLED, card, user=user)
    await _show(deps, card, decision)
    return blocks.Message(text="Cancelled; nothing was changed.")


async def _approval_refusal(deps: Deps, card: Card, user: str) -> str:
    if user == card.requester and not deps.settings.rollback_allow_self_approval:
        return "You asked for this rollback, so someone else has to approve it."
    if not await deps.approvers.includes(user):
        return (
            "You are not one of the approvers for rollbacks "
            f"({deps.approvers.describe()}); the card stays open for them."
        )
    return ""


async def _stale(deps: Deps, card: Card) -> str:
    """Why the card no longer describes the app, or "" if it still does."""
    app = await deps.do.get_app(card.app_id)
    live = app.active_deployment.id if app.active_deployment else ""
    expected = card.live.id if card.live else ""
    if live != expected:
        now_live = f"`{blocks.short(live)}`" if live else "nothing"
        return f"the live deployment changed since the card was posted (now {now_live})."
    return blocked_by(app)


async def _reopen(deps: Deps, card: Card, problem: str) -> None:
    """Undo an approval that could not be checked, so the card can be approved again."""
    _count(deps, "retry")
    await deps.store.release_decision(card.id)
    await deps.store.save_card(card)  # listed as pending again, for the sweeper
    note = f"⚠️ Not started: {problem} Approve again in a moment."
    await deps.chat.update(card.channel, card.ts, cards.card(card, now=deps.clock(), note=note))


async def _not_started(deps: Deps, card: Card, approval: Decision, reason: str) -> blocks.Message:
    stale = approval.model_copy(update={"kind": DecisionKind.STALE, "reason": reason})
    _count(deps, "stale")
    await deps.store.replace_decision(card.id, stale)
    await _audit(deps, Event.REFUSED, card, user=approval.user, reason=escape(reason))
    await _show(deps, card, stale)
    return blocks.Message(text=f"No rollback was started: {escape(reason)}")


async def _load(deps: Deps, card_id: str, message_ts: str) -> Card | None:
    card = await deps.store.get_card(card_id)
    if card is not None and not card.ts and message_ts:
        # The click beat the write of the card's ts; the click itself says where it is.
        card = card.model_copy(update={"ts": message_ts})
    return card


async def _create_rollback(deps: Deps, card: Card) -> Deployment:
    try:
        return await deps.do.create_rollback(card.app_id, card.target.id)
    except DOUncertainError as uncertain:
        # The POST may have worked: adopt the deployment it would have made, never resend.
        try:
            app = await deps.do.get_app(card.app_id)
        except DigitalOceanError:
            # Still uncertain, whatever the look failed on: never "nothing happened".
            raise uncertain from None
        for candidate in (app.in_progress_deployment, app.pinned_deployment):
            if candidate is not None and _made_for(candidate, card):
                log.warning("card %s: adopting deployment %s", card.id, candidate.id)
                return candidate
        raise


def _made_for(deployment: Deployment, card: Card) -> bool:
    """Whether ``deployment`` is the rollback this card asked for."""
    if card.live is not None and deployment.id == card.live.id:
        return False
    if deployment.cloned_from:
        return deployment.cloned_from == card.target.id
    # DigitalOcean stamps whole seconds; the card was posted before the rollback began.
    created = deployment.created_at
    return created is not None and created.timestamp() >= int(card.created_at)


def _watch_for(deps: Deps, card: Card, deployment: Deployment, *, approver: str) -> Watch:
    return Watch(
        deployment_id=deployment.id,
        app_id=card.app_id,
        app_name=card.app_name,
        kind=WatchKind.ROLLBACK,
        card_id=card.id,
        channel=card.channel,
        thread_ts=card.ts,
        target_id=card.target.id,
        target_commit=card.target.commit,
        requester=card.requester,
        approver=approver,
        started_at=deps.clock(),
        statuses=progress.statuses(deployment.progress.steps),
        phase=deployment.phase,
        total_steps=deployment.progress.total_steps,
        announced=False,
    )


async def _audit(
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


async def _show(
    deps: Deps, card: Card, decision: Decision, *, watch: Watch | None = None, note: str = ""
) -> None:
    message = cards.card(card, now=deps.clock(), decision=decision, watch=watch, note=note)
    await deps.chat.update(card.channel, card.ts, message)


def _count(deps: Deps, outcome: str) -> None:
    deps.metrics.decisions.labels(outcome).inc()


def _gone() -> blocks.Message:
    return blocks.Message(text="This card is no longer known to the bot; nothing was done.")


def _already(decision: Decision) -> blocks.Message:
    who = f" by <@{decision.user}>" if decision.user else ""
    return blocks.Message(text=f"This card was already {decision.kind.value}{who}.")
