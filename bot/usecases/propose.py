"""Use case: propose a rollback and post the confirmation card."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.digitalocean.models import App, Deployment, RollbackValidation
from bot.domain.changes import compare_links
from bot.domain.mrkdwn import escape
from bot.domain.policy import describe
from bot.domain.records import Card, DeploymentSummary, Event
from bot.domain.rollback_form import FormField, RollbackForm
from bot.domain.targets import blocked_by, default_target
from bot.errors import DigitalOceanError, DONotFoundError, FieldError, SlackError, UsageError
from bot.slack.blockkit import blocks, cards
from bot.slack.blockkit.blocks import code
from bot.usecases.access import find_app_here
from bot.usecases.card_updates import audit
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)

_HISTORY_SCAN = 100
_NOT_MEMBER = frozenset({"channel_not_found", "not_in_channel"})


@dataclass(frozen=True)
class Asked:
    """A rollback someone asked for, by slash command or in the modal."""

    user: str
    channel: str
    app_ref: str
    deployment_id: str | None = None
    reason: str = ""
    incident_url: str = ""


async def propose(
    deps: Deps, *, user: str, channel: str, app_ref: str, deployment_id: str | None
) -> blocks.Message:
    """Resolve the app and target, validate with DigitalOcean, post the card (one that
    DigitalOcean refuses too, without buttons, saying why)."""
    asked = Asked(user=user, channel=channel, app_ref=app_ref, deployment_id=deployment_id)
    card = await _card(deps, asked, strict=False)
    await _publish(deps, card)
    if card.error:
        return blocks.Message(
            text=f"{code(card.app_name)} cannot be rolled back to "
            f"{code(blocks.short(card.target.id))}: {escape(card.error)}"
        )
    return _posted(card)


async def propose_from_form(deps: Deps, *, user: str, form: RollbackForm) -> blocks.Message:
    """The modal's rollback: the slash command's checks, but every refusal a ``FieldError``
    naming the field it concerns, and no card at all unless DigitalOcean would do it."""
    asked = Asked(
        user=user,
        channel=form.channel,
        app_ref=form.app_ref,
        deployment_id=form.target_id,
        reason=form.reason.strip(),
        incident_url=form.incident_url,
    )
    card = await _card(deps, asked, strict=True)
    await _publish(deps, card, field=FormField.CHANNEL)
    return _posted(card)


async def propose_for_the_bot(deps: Deps, *, app: App, channel: str, reason: str) -> str | None:
    """A card the bot proposes itself (``Card.requester`` ""): one DigitalOcean would take,
    or none at all; its id. ``reason`` says why; the card's target is appended to it."""
    asked = Asked(user="", channel=channel, app_ref=app.id, reason=reason)
    try:
        card = await _card(deps, asked, strict=True)
        target = card.target.commit or blocks.short(card.target.id)
        card = card.model_copy(update={"reason": f"{reason} — roll back to `{target}`?"})
        await _publish(deps, card, field=FormField.CHANNEL)
    except FieldError as exc:
        log.warning("app %s: no card proposed: %s", app.id, exc.user_message)
        return None
    return card.id


def _posted(card: Card) -> blocks.Message:
    return blocks.Message(
        text=f"Posted a rollback card for {code(card.app_name)} in <#{card.channel}>: "
        "someone else must approve it."
    )


async def _card(deps: Deps, asked: Asked, *, strict: bool) -> Card:
    with _about(FormField.APP if strict else None):
        app = await find_app_here(
            deps.do,
            deps.channels,
            app_ref=asked.app_ref,
            channel=asked.channel,
            view=deps.watcher.view,
        )
    with _about(FormField.TARGET if strict else None):
        target = await _target(deps, app, asked.deployment_id)
    with _about(FormField.APP if strict else None):
        validation = await deps.do.validate_rollback(app.id, target.id)
        blocked = await _blocked(deps, app)
    error = blocked if blocked is not None else _invalid(validation)
    if strict and error:
        raise _refusal(validation, blocked)
    now = deps.clock()
    rule = deps.policy.rule_for(app_name=app.name, app_id=app.id)
    return Card(
        id=secrets.token_hex(8),
        app_id=app.id,
        app_name=app.name,
        channel=asked.channel,
        requester=asked.user,
        live=DeploymentSummary.of(app.active_deployment) if app.active_deployment else None,
        target=DeploymentSummary.of(target),
        warnings=tuple(_condition(w.message, w.components) for w in validation.warnings),
        error=error,
        created_at=now,
        expires_at=now + deps.settings.rollback_confirm_ttl,
        reason=asked.reason,
        incident_url=asked.incident_url,
        changes=compare_links(spec=app.spec, live=app.active_deployment, target=target),
        approvals_needed=rule.approvals,
        policy=describe(rule),
        breakglass=deps.policy.policy.breakglass.enabled,
    )


def _refusal(validation: RollbackValidation, blocked: str | None) -> FieldError:
    """Which field a refusal belongs to: DigitalOcean's conditions are about the target
    deployment (``app_rollback_validation_condition.yml``: its phase, result, revision
    limit, database or region), except ``app_pinned``, which is about the app, as are the
    bot's own reasons (in progress, pinned, another rollback in flight)."""
    condition = validation.error if not validation.valid else None
    if condition is not None and condition.code == "app_pinned":
        return FieldError(escape(_invalid(validation)), field=FormField.APP)
    if blocked is not None:
        return FieldError(blocked, field=FormField.APP)
    return FieldError(escape(_invalid(validation)), field=FormField.TARGET)


@contextmanager
def _about(field: FormField | None) -> Iterator[None]:
    """Refusals raised inside, as ``FieldError``s about ``field`` (when there is one)."""
    try:
        yield
    except FieldError:
        raise
    except (UsageError, DigitalOceanError) as exc:
        if field is None:
            raise
        raise FieldError(exc.user_message, field=field) from None


async def _publish(deps: Deps, card: Card, *, field: FormField | None = None) -> None:
    """Save, post and audit the card."""
    # Saved before posting, so a card on screen is always one the bot knows.
    await deps.store.save_card(card)
    with _about(field):
        ts = await _post(deps, card, now=card.created_at)
    await audit(deps, Event.REQUESTED, card, user=card.requester, reason=escape(card.error))
    # Listed as pending by the first save; an approval may have taken it off meanwhile.
    await deps.store.save_card(card.model_copy(update={"ts": ts}), pending=False)


async def _post(deps: Deps, card: Card, *, now: float) -> str:
    """Post the card; a card Slack refused is forgotten, never left listed as waiting."""
    await deps.pace.wait(card.channel)
    try:
        return await deps.chat.post(card.channel, cards.card(card, now=now))
    except SlackError as exc:
        await deps.store.discard_card(card.id)
        reason = f"the card could not be posted ({exc.code or 'Slack did not answer'})"
        await audit(deps, Event.REFUSED, card, user=card.requester, reason=reason)
        raise UsageError(_unposted(exc)) from None


def _unposted(exc: SlackError) -> str:
    if exc.code in _NOT_MEMBER:
        # chat:write.public reaches public channels only; private ones and DMs need the
        # bot as a member, and Slack hides them from it until then.
        return (
            "I can't post the rollback card here: this is a private channel or a direct "
            "message I'm not a member of. Invite @rollback-bot to this channel "
            "(`/invite @rollback-bot`) and ask again. Nothing was changed."
        )
    if exc.code:
        return f"Slack refused the rollback card ({exc.code}). Nothing was changed."
    return (
        "Slack did not answer while the rollback card was being posted, so nothing was "
        "changed. Ask again; a card that shows up anyway will only say it is unknown."
    )


async def _target(deps: Deps, app: App, deployment_id: str | None) -> Deployment:
    live = app.active_deployment
    if deployment_id:
        try:
            target = await deps.do.get_deployment(app.id, deployment_id)
        except DONotFoundError:
            raise UsageError(
                f"{code(app.name)} has no deployment {code(deployment_id)}; "
                f"see {code(f'/rollback history {app.name}')}."
            ) from None
        if live is not None and target.id == live.id:
            raise UsageError(
                f"{code(blocks.short(target.id))} is already live on {code(app.name)}."
            )
        return target
    deployments = await deps.do.list_deployments(app.id, limit=_HISTORY_SCAN)
    chosen = default_target(live, deployments)
    if chosen is None:
        raise UsageError(
            f"{code(app.name)} has no earlier deployment that was ever live, so there is "
            f"nothing to roll back to; name one with "
            f"{code(f'/rollback {app.name} <deployment-id>')}."
        )
    return chosen


async def _blocked(deps: Deps, app: App) -> str | None:
    """Why no rollback of ``app`` can start now (one at a time), or None."""
    reason = blocked_by(app)
    if reason is not None:
        return f"Not now: {reason}"
    if await deps.locks.holder(app.id):
        return "Not now: another rollback of this app is already in flight."
    return None


def _invalid(validation: RollbackValidation) -> str:
    """Why DigitalOcean refuses the rollback, or "" when it would take it (``Card.error``)."""
    if validation.valid:
        return ""
    return (validation.error.message if validation.error else "") or (
        "DigitalOcean did not say why."
    )


def _condition(message: str, components: tuple[str, ...]) -> str:
    where = f" ({', '.join(components)})" if components else ""
    return f"{message}{where}"
