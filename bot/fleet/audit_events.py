"""Audit events, recorded the one way every part of the bot does: the app, card, target
and deployment are read off what the event is about (a card, a watch or an app), so no
caller spells them out, or forgets one."""

from __future__ import annotations

from bot.digitalocean.models import App
from bot.domain.records import Card, Event, Watch
from bot.store.audit import AuditLog


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
    target = ""
    if isinstance(about, Card):
        app, app_id, card, target = about.app_name, about.app_id, about.id, about.target.id
    elif isinstance(about, Watch):
        app, app_id, target = about.app_name, about.app_id, about.target_id
        card = card or about.card_id
        deployment = deployment or about.deployment_id
    else:
        app, app_id = about.name, about.id
    await audit.record(
        event,
        user=user,
        app=app,
        app_id=app_id,
        deployment=deployment,
        target=target,
        card=card,
        reason=reason,
    )
