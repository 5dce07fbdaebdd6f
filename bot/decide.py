"""Use cases: approve or cancel a confirmation card, exactly once."""

from __future__ import annotations

import logging

from bot import blocks, progress
from bot.deps import Deps
from bot.errors import DigitalOceanError, DOUncertainError
from bot.models import Deployment
from bot.records import Card, Decision, DecisionKind, Watch, WatchKind

log = logging.getLogger(__name__)


async def approve(deps: Deps, *, card_id: str, user: str, message_ts: str = "") -> blocks.Message:
    card = await _load(deps, card_id, message_ts)
    if card is None:
        return _gone()
    if not card.approvable:
        return blocks.Message(text=f"This rollback cannot be approved: {card.error}")
    refusal = _refusal(deps, card, user)
    if refusal:
        log.info("card %s: approval by %s refused: %s", card.id, user, refusal)
        return blocks.Message(text=refusal)
    now = deps.clock()
    if now > card.expires_at:
        await _decide(deps, card, Decision(kind=DecisionKind.EXPIRED, at=now))
        return blocks.Message(text="This card has expired; ask again with `/rollback`.")
    won, decision = await deps.store.claim_decision(
        card.id, Decision(kind=DecisionKind.APPROVED, user=user, at=now)
    )
    if not won:
        return _already(decision)
    await _show(deps, card, decision, note="Starting the rollback…")
    try:
        deployment = await _create_rollback(deps, card)
    except DigitalOceanError as exc:
        log.error("card %s: rollback not started: %s", card.id, exc.user_message)
        await _show(deps, card, decision, note=f"⚠️ The rollback did not start: {exc.user_message}")
        return blocks.Message(text=f"The rollback did not start: {exc.user_message}")
    watch = Watch(
        deployment_id=deployment.id,
        app_id=card.app_id,
        app_name=card.app_name,
        kind=WatchKind.ROLLBACK,
        card_id=card.id,
        channel=card.channel,
        thread_ts=card.ts,
        target_id=card.target.id,
        requester=card.requester,
        approver=user,
        started_at=deps.clock(),
        statuses=progress.statuses(deployment.progress.steps),
        phase=deployment.phase,
        total_steps=deployment.progress.total_steps,
    )
    # Stored before anything else can fail: from here on a restart resumes the watch.
    await deps.store.start_watch(watch)
    log.info("card %s: rollback deployment %s started", card.id, deployment.id)
    await deps.chat.post(card.channel, blocks.started(watch, card.target), thread_ts=card.ts)
    await _show(deps, card, decision, watch=watch)
    deps.watcher.start(watch)
    return blocks.Message(text=f"Rolling `{card.app_name}` back; follow it in the card's thread.")


async def cancel(deps: Deps, *, card_id: str, user: str, message_ts: str = "") -> blocks.Message:
    card = await _load(deps, card_id, message_ts)
    if card is None:
        return _gone()
    won, decision = await deps.store.claim_decision(
        card.id, Decision(kind=DecisionKind.CANCELLED, user=user, at=deps.clock())
    )
    if not won:
        return _already(decision)
    await _show(deps, card, decision)
    log.info("card %s cancelled by %s", card.id, user)
    return blocks.Message(text="Cancelled; nothing was changed.")


async def _load(deps: Deps, card_id: str, message_ts: str) -> Card | None:
    card = await deps.store.get_card(card_id)
    if card is not None and not card.ts and message_ts:
        # The click beat the write of the card's ts; the click itself says where it is.
        card = card.model_copy(update={"ts": message_ts})
    return card


async def _create_rollback(deps: Deps, card: Card) -> Deployment:
    try:
        return await deps.do.create_rollback(card.app_id, card.target.id)
    except DOUncertainError:
        # The POST may have worked: adopt the deployment it would have made, never resend.
        app = await deps.do.get_app(card.app_id)
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


def _refusal(deps: Deps, card: Card, user: str) -> str:
    settings = deps.settings
    if user == card.requester and not settings.rollback_allow_self_approval:
        return "You asked for this rollback, so someone else has to approve it."
    approvers = [a for a in settings.rollback_approvers if a.startswith(("U", "W"))]
    if approvers and user not in approvers and user != card.requester:
        return "You are not one of the approvers for rollbacks (ROLLBACK_APPROVERS)."
    return ""


async def _decide(deps: Deps, card: Card, decision: Decision) -> None:
    _, current = await deps.store.claim_decision(card.id, decision)
    await _show(deps, card, current)


async def _show(
    deps: Deps, card: Card, decision: Decision, *, watch: Watch | None = None, note: str = ""
) -> None:
    message = blocks.card(card, now=deps.clock(), decision=decision, watch=watch, note=note)
    await deps.chat.update(card.channel, card.ts, message)


def _gone() -> blocks.Message:
    return blocks.Message(text="This card is no longer known to the bot; nothing was done.")


def _already(decision: Decision) -> blocks.Message:
    who = f" by <@{decision.user}>" if decision.user else ""
    return blocks.Message(text=f"This card was already {decision.kind.value}{who}.")
