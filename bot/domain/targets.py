"""Choosing the deployment to roll back to, and whether the app can be rolled back now (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.records import Card

_EPOCH = datetime.min.replace(tzinfo=UTC)


def default_target(live: Deployment | None, deployments: Iterable[Deployment]) -> Deployment | None:
    """The newest deployment older than the live one whose phase is SUPERSEDED.

    SUPERSEDED means it was live once; ERROR and CANCELED ones never were, so they are
    never proposed.
    """
    candidates = [
        d
        for d in deployments
        if d.phase == Phase.SUPERSEDED and (live is None or (d.id != live.id and _older(d, live)))
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: d.created_at or _EPOCH)


def _older(deployment: Deployment, live: Deployment) -> bool:
    if deployment.created_at is None or live.created_at is None:
        # Without timestamps, DigitalOcean's newest-first order is all we have; a
        # SUPERSEDED deployment was replaced, so it predates the live one.
        return True
    return deployment.created_at < live.created_at


def blocked_by(app: App) -> str | None:
    """What keeps the app from being rolled back right now; None if nothing does."""
    if app.in_progress_deployment is not None:
        d = app.in_progress_deployment
        return f"deployment `{d.id[:8]}` is in progress ({d.phase.value})."
    if app.pinned_deployment is not None:
        return (
            f"the app is pinned to rollback `{app.pinned_deployment.id[:8]}`; "
            f"commit or revert it first (`/rollback commit {app.name}`)."
        )
    return None


def made_for(deployment: Deployment, card: Card) -> bool:
    """Whether ``deployment`` is the rollback ``card`` asked for (to adopt it when the
    answer to the POST that made it was lost)."""
    if card.live is not None and deployment.id == card.live.id:
        return False
    if deployment.cloned_from:
        return deployment.cloned_from == card.target.id
    # DigitalOcean stamps whole seconds; the card was posted before the rollback began.
    created = deployment.created_at
    return created is not None and created.timestamp() >= int(card.created_at)
