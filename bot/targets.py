"""Choosing the deployment to roll back to (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from bot.models import Deployment, Phase

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
