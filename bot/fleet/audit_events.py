"""Audit events, recorded the one way every part of the bot does: the app, card, target
and deployment are read off what the event is about (a card, a watch or an app), so no
caller spells them out, or forgets one."""

from __future__ import annotations

from typing import TypedDict

from bot.digitalocean.models import App
from bot.domain.records import Card, Event, Watch
from bot.store.audit import AuditLog


class _About(TypedDict):
    app: str
    app_id: str
    deployment: str
    target: str
    card: str
    why: str
    incident: str


async def record_event(
    audit: AuditLog,
    event: Event,
    about: Card | Watch | App,
    *,
    user: str = "",
    reason: str = "",
    deployment: str = "",
    card: str = "",
) -> None:
    """Append ``event`` about ``about``; ``deployment`` and ``card`` name what ``about``
    does not (the deployment a card started, the card of a pinned app)."""
    await audit.record(event, user=user, reason=reason, **_fields(about, deployment, card))


def _fields(about: Card | Watch | App, deployment: str, card: str) -> _About:
    if isinstance(about, Card):
        return _About(
            app=about.app_name,
            app_id=about.app_id,
            deployment=deployment,
            target=about.target.id,
            card=about.id,
            why=about.reason,
            incident=about.incident_url,
        )
    if isinstance(about, Watch):
        return _About(
            app=about.app_name,
            app_id=about.app_id,
            deployment=deployment or about.deployment_id,
            target=about.target_id,
            card=card or about.card_id,
            why=about.reason,
            incident=about.incident_url,
        )
    return _About(
        app=about.name,
        app_id=about.id,
        deployment=deployment,
        target="",
        card=card,
        why="",
        incident="",
    )
