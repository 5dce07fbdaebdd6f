"""Use case: the rollback modal's menus and its submission.

The app menu is served from the fleet view (no DigitalOcean call while a look is recent);
the target menu from the app's deployments, read once and kept for ``TARGETS_KEPT`` seconds
in this replica, since Slack asks again at every keystroke. Both must answer within Slack's
3 s, so each has a deadline and a fallback.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from bot.digitalocean.models import App, Deployment, Phase
from bot.domain.channels import allowed_anywhere, app_channel
from bot.domain.rollback_form import NO_CHANNEL, FormField, RollbackForm, form_problems
from bot.domain.targets import default_target
from bot.errors import BotError, FieldError
from bot.slack.blockkit import blocks
from bot.slack.blockkit.modal import AppChoice
from bot.usecases.dependencies import Deps
from bot.usecases.propose import propose_from_form
from bot.usecases.queries import app_to_read

log = logging.getLogger(__name__)

TARGETS_KEPT = 20.0
"""Seconds a replica keeps an app's deployments for its target menu: long enough for one
person's typing, short enough that a deployment made meanwhile soon shows."""
MENU_DEADLINE = 2.0
"""Seconds a menu's options may take: Slack waits 3 s from sending the request."""
_SCANNED = 100


async def app_choices(deps: Deps, *, channel: str) -> list[AppChoice] | None:
    """The apps ``channel`` may roll back (any channel's, when none is chosen yet), as the
    latest look listed them; None when no look is recent."""
    apps = await deps.watcher.view.listed(idle_interval=deps.settings.rollback_fleet_interval)
    if apps is None:
        return None
    rules = deps.channels
    here = allowed_anywhere(rules, [channel] if channel else rules.named())
    return [AppChoice(id=a.id, name=a.name, note=_note(a)) for a in apps if here(a.name, a.id)]


def _note(app: App) -> str:
    if app.pinned_deployment is not None:
        return "pinned to a rollback"
    if app.in_progress_deployment is not None:
        return "deploying"
    return ""


class TargetChoices:
    """The deployments an app may be rolled back to, for the target menu."""

    def __init__(self, deps: Deps, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._deps = deps
        self._clock = clock
        self._kept: dict[str, tuple[float, App, list[Deployment]]] = {}

    async def of(self, app_ref: str, *, channel: str) -> tuple[list[Deployment], Deployment | None]:
        """(candidates newest first, the last good one); refusals as ``BotError``."""
        app, deployments = await self._read(app_ref, channel=channel)
        live = app.active_deployment
        # Only a deployment that was live once can be gone back to: never ERROR or CANCELED
        # (nor one still in progress, nor the live one itself).
        candidates = [
            d
            for d in deployments
            if d.phase == Phase.SUPERSEDED and (live is None or d.id != live.id)
        ]
        return candidates, default_target(live, deployments)

    async def _read(self, app_ref: str, *, channel: str) -> tuple[App, list[Deployment]]:
        now = self._clock()
        kept = self._kept.get(app_ref)
        if kept is not None and now - kept[0] < TARGETS_KEPT:
            return kept[1], kept[2]
        deps = self._deps
        app = await app_to_read(deps, app_ref=app_ref, channel=channel)
        deployments = await deps.do.list_deployments(app.id, limit=_SCANNED)
        self._kept = {k: v for k, v in self._kept.items() if now - v[0] < TARGETS_KEPT}
        self._kept[app_ref] = (now, app, deployments)
        return app, deployments


async def _app_channel(deps: Deps, app_ref: str) -> str:
    """The app's own channel under ``ROLLBACK_CHANNELS``, for a form (the shortcut's) whose
    channel was left empty; the app is named by the menu's id, the rules mostly by name."""
    rules = deps.channels
    try:
        listed = await deps.watcher.view.app(app_ref)
    except BotError:
        listed = None
    name = listed.name if listed is not None else app_ref
    return app_channel(rules, app_name=name, app_id=app_ref)


def problems(deps: Deps, form: RollbackForm) -> dict[FormField, str]:
    """What is wrong with the form itself, field by field (all shown at once)."""
    return form_problems(form, require_reason=deps.settings.rollback_require_reason)


async def submit(deps: Deps, *, user: str, form: RollbackForm) -> blocks.Message:
    """Propose as the slash command would, for a form without ``problems``; refusals as
    ``FieldError``."""
    if not form.channel:
        form = replace(form, channel=await _app_channel(deps, form.app_ref))
    if not form.channel:
        raise FieldError(NO_CHANNEL, field=FormField.CHANNEL)
    try:
        return await propose_from_form(deps, user=user, form=form)
    except FieldError:
        raise
    except BotError as exc:
        # Redis or Slack away, DigitalOcean's budget spent: about no one field, shown on
        # the app's, the first.
        raise FieldError(exc.user_message, field=FormField.APP) from None
