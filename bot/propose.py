"""Use case: propose a rollback and post the confirmation card."""

from __future__ import annotations

import logging
import secrets

from bot import blocks, cards
from bot.access import find_app_here
from bot.deps import Deps
from bot.errors import DONotFoundError, UsageError
from bot.models import App, Deployment
from bot.records import Card, DeploymentSummary, Event
from bot.targets import blocked_by, default_target

log = logging.getLogger(__name__)

_HISTORY_SCAN = 100


async def propose(
    deps: Deps, *, user: str, channel: str, app_ref: str, deployment_id: str | None
) -> blocks.Message:
    """Resolve the app and target, validate with DigitalOcean, post the card."""
    app = await find_app_here(
        deps.do, deps.settings.rollback_channels, app_ref=app_ref, channel=channel
    )
    target = await _target(deps, app, deployment_id)
    validation = await deps.do.validate_rollback(app.id, target.id)
    error = await _blocked(deps, app)
    if not error and not validation.valid:
        error = (validation.error.message if validation.error else "") or (
            "DigitalOcean did not say why."
        )
    now = deps.clock()
    card = Card(
        id=secrets.token_hex(8),
        app_id=app.id,
        app_name=app.name,
        channel=channel,
        requester=user,
        live=DeploymentSummary.of(app.active_deployment) if app.active_deployment else None,
        target=DeploymentSummary.of(target),
        warnings=tuple(_condition(w.message, w.components) for w in validation.warnings),
        error=error,
        created_at=now,
        expires_at=now + deps.settings.rollback_confirm_ttl,
    )
    # Saved (and audited) before posting, so a card on screen is always one the bot knows.
    await deps.store.save_card(card)
    await deps.audit.record(
        Event.REQUESTED, user=user, app=app.name, app_id=app.id, card=card.id,
        target=target.id, reason=error,
    )  # fmt: skip
    ts = await deps.chat.post(channel, cards.card(card, now=now))
    card = card.model_copy(update={"ts": ts})
    # Listed as pending by the first save; an approval may have taken it off meanwhile.
    await deps.store.save_card(card, pending=False)
    if error:
        return blocks.Message(
            text=f"`{app.name}` cannot be rolled back to `{blocks.short(target.id)}`: {error}"
        )
    return blocks.Message(
        text=f"Posted a rollback card for `{app.name}`: someone else must approve it."
    )


async def _target(deps: Deps, app: App, deployment_id: str | None) -> Deployment:
    live = app.active_deployment
    if deployment_id:
        try:
            target = await deps.do.get_deployment(app.id, deployment_id)
        except DONotFoundError:
            raise UsageError(
                f"`{app.name}` has no deployment `{deployment_id}`; "
                f"see `/rollback history {app.name}`."
            ) from None
        if live is not None and target.id == live.id:
            raise UsageError(f"`{blocks.short(target.id)}` is already live on `{app.name}`.")
        return target
    deployments = await deps.do.list_deployments(app.id, limit=_HISTORY_SCAN)
    chosen = default_target(live, deployments)
    if chosen is None:
        raise UsageError(
            f"`{app.name}` has no earlier deployment that was ever live, so there is nothing "
            f"to roll back to; name one with `/rollback {app.name} <deployment-id>`."
        )
    return chosen


async def _blocked(deps: Deps, app: App) -> str:
    """Why no rollback of ``app`` can start now (one at a time), or ""."""
    reason = blocked_by(app)
    if reason:
        return f"Not now: {reason}"
    if await deps.locks.holder(app.id):
        return "Not now: another rollback of this app is already in flight."
    return ""


def _condition(message: str, components: tuple[str, ...]) -> str:
    where = f" ({', '.join(components)})" if components else ""
    return f"{message}{where}"
