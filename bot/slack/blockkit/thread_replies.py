"""Replies in a rollback's thread (pure): progress, outcome, and settling it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.digitalocean.health import AppHealth, HealthState, healthy
from bot.digitalocean.models import Phase
from bot.domain.ids import settlement_id
from bot.domain.mrkdwn import clip, clip_lines, escape, shown
from bot.domain.progress import FlatStep, StepChange
from bot.domain.records import Watch, WatchKind
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import (
    COMMIT,
    DIALOG_NAME,
    REVERT,
    STATUS_ICON,
    Block,
    Message,
    actions,
    approvers_of,
    button,
    code,
    confirm_dialog,
    context,
    section,
    short,
    why_lines,
)

# Visible characters of a step's label and of its detail or failure reason, per line:
# room for a few dozen steps in one reply even when DigitalOcean's texts run long.
LABEL_SHOWN = 150
DETAIL_SHOWN = 300
REASON_SHOWN = 600


def _reply(text: str, *more: Block) -> Message:
    """A reply whose fallback text is its first section, both within a section's limit.

    ``Watch.result_text`` keeps ``text`` to show it again when the reply is settled.
    """
    text = clip(text, limits.SECTION_TEXT)
    return Message(text=text, blocks=[section(text), *more])


def started(watch: Watch) -> Message:
    text = (
        f"Rollback started by {approvers_of(watch)}: DigitalOcean deployment "
        f"{code(short(watch.deployment_id))} is rolling {code(watch.app_name)} back to "
        f"{code(short(watch.target_id))}"
        + (f" (commit {code(watch.target_commit)})." if watch.target_commit else ".")
    )
    # The reason goes with the first reply: someone reading the thread alone sees why.
    return _reply("\n".join([text, *why_lines(watch.reason, watch.incident_url)]))


def step_changes(changes: Sequence[StepChange], phase: Phase) -> Message:
    lines = []
    for change in changes:
        detail = f" — {shown(change.detail, DETAIL_SHOWN)}" if change.detail else ""
        icon = STATUS_ICON[change.status]
        label = code(change.label, LABEL_SHOWN)
        lines.append(f"{icon} {label}: *{change.status.value}*{detail}")
    footer = f"_Phase: {phase.value}_"
    return _reply(clip_lines(lines, limits.SECTION_TEXT, footer=footer))


def succeeded(watch: Watch) -> Message:
    if watch.kind == WatchKind.REVERT:
        text = (
            f"✅ {code(watch.app_name)} is live again on deployment "
            f"{code(short(watch.deployment_id))}: "
            "the rollback was reverted and deploys are unblocked."
        )
        return _reply(text)
    text = (
        f"✅ {code(watch.app_name)} is live on the rollback (deployment "
        f"{code(short(watch.deployment_id))}). The app is *pinned*: new deploys are blocked "
        "until you commit the rollback or revert it."
    )
    return _reply(text, _settle_buttons(watch, commit=True))


def failed(
    watch: Watch, steps: Sequence[FlatStep], *, pinned: str | None = None, live: str = ""
) -> Message:
    """The failure reply, naming the failed steps and DigitalOcean's reasons.

    A failed rollback offers Revert only while the app is pinned to it: ``pinned`` is the
    app's pinned deployment id ("" for none) and ``live`` its live one, as DigitalOcean
    says after the failure; left out (None), the button is offered.
    """
    what = "Revert" if watch.kind == WatchKind.REVERT else "Rollback"
    lines = [
        f"❌ {what} of {code(watch.app_name)} failed: deployment "
        f"{code(short(watch.deployment_id))} ended in phase *{watch.phase.value}*."
    ]
    for step in steps:
        reason = shown(step.reason, REASON_SHOWN) if step.reason else "no reason given"
        lines.append(f"• {code(step.label, LABEL_SHOWN)}: {reason}")
    if watch.kind != WatchKind.ROLLBACK:
        return _reply(clip_lines(lines, limits.SECTION_TEXT))
    if pinned is None or pinned == watch.deployment_id:
        return _reply(clip_lines(lines, limits.SECTION_TEXT), _settle_buttons(watch, commit=False))
    # A Revert button would be a dead end: say where the app stands instead.
    footer = standing(watch.app_name, pinned=pinned, live=live) + " Nothing to revert."
    return _reply(clip_lines(lines, limits.SECTION_TEXT, footer=footer))


def standing(app_name: str, *, pinned: str, live: str) -> str:
    """Where an app stands, in one sentence: what is live, and what it is pinned to."""
    where = f"still live on {code(short(live))}" if live else "live on nothing"
    pin = f"pinned to {code(short(pinned))}" if pinned else "nothing pinned"
    return f"{code(app_name)} is {where}, {pin}."


def gave_up(watch: Watch, seconds: int) -> Message:
    text = (
        f"⌛ Stopped watching deployment {code(short(watch.deployment_id))} after "
        f"{seconds // 60} min (last phase *{watch.phase.value}*). "
        "Check it in the DigitalOcean control panel."
    )
    return _reply(text)


def lost(watch: Watch, reason: str) -> Message:
    """``reason`` is an error's ``user_message``: fit for Slack already, so only clipped."""
    deployment = code(short(watch.deployment_id))
    return _reply(f"⚠️ Stopped watching deployment {deployment}: {clip(reason, REASON_SHOWN)}")


def settle_buttons(watch: Watch) -> Block:
    """Commit and Revert for the rollback ``watch`` follows (a pin reminder's)."""
    return _settle_buttons(watch, commit=True)


def _settle_buttons(watch: Watch, *, commit: bool) -> Block:
    elements = settle_elements(watch.app_name, watch.deployment_id, commit=commit)
    return actions(settlement_id(watch.deployment_id), elements)


def settle_elements(
    app_name: str, deployment_id: str, *, commit: bool, revert: bool = True
) -> list[Block]:
    """The Commit and Revert buttons (either may be left out) for the rollback deployment
    ``deployment_id``, wherever they are offered: a thread, a reminder, the Home tab."""
    # Plain text in the dialogs: Slack shows it literally, so it is clipped, not escaped.
    name = clip(app_name, DIALOG_NAME)
    elements = []
    if commit:
        elements.append(
            button(
                "Commit",
                COMMIT,
                deployment_id,
                style="primary",
                confirm=confirm_dialog(
                    "Commit the rollback?",
                    f"{name} stays on this deployment and deploys are unblocked.",
                    "Commit",
                ),
            )
        )
    if revert:
        elements.append(
            button(
                "Revert",
                REVERT,
                deployment_id,
                confirm=confirm_dialog(
                    "Revert the rollback?",
                    f"{name} is redeployed as it was before the rollback.",
                    "Revert",
                    danger=True,
                ),
            )
        )
    return elements


def without_buttons(original: Sequence[Block], note: str) -> Message:
    """A message as it was, minus its buttons, plus who acted on it.

    ``original`` was rendered (and escaped) by the bot already; ``note`` is the bot's own
    mrkdwn (a `<@…>` mention), so neither is escaped again.
    """
    kept = [b for b in original if b.get("type") != "actions"][: limits.MESSAGE_BLOCKS - 1]
    text = next((b["text"]["text"] for b in kept if b.get("type") == "section"), note)
    return Message(text=str(text), blocks=[*kept, context(note)])


def settled_result(result_text: str, note: str) -> Message:
    """The final reply with its buttons replaced by who settled it.

    ``result_text`` is the reply's own text as the bot rendered it (``Watch.result_text``):
    already escaped, so it is not escaped again.
    """
    return Message(text=result_text, blocks=[section(result_text), context(note)])


def committed(user: str, app_name: str) -> Message:
    return _reply(
        f"📌 Committed by <@{user}>: {code(app_name)} stays on the rollback and deploys are "
        "unblocked."
    )


def reverting(user: str, app_name: str, deployment_id: str) -> Message:
    return _reply(
        f"↩️ Revert requested by <@{user}>: deployment {code(short(deployment_id))} restores "
        f"{code(app_name)} as it was before the rollback."
    )


def forgotten(watch: Watch) -> Message:
    """The bot's state store came back without this rollback's record."""
    text = (
        f"⚠️ The bot's state store (Redis) lost its record of this rollback (deployment "
        f"{code(short(watch.deployment_id))}), as if Redis restarted without its data. This "
        "replica still follows it and has recorded it again, so the thread carries on; cards "
        "and buttons posted before may no longer be known."
    )
    return _reply(text)


def untracked(watch: Watch) -> Message:
    command = code(f"/rollback commit {watch.app_name}")
    return _reply(
        f"⚠️ The rollback started (DigitalOcean deployment {code(watch.deployment_id)}), but "
        "the bot could not record it, so it cannot narrate it here. Follow it in the "
        f"DigitalOcean control panel, then commit or revert it there or with {command}."
    )


VERDICT_COMPONENTS = 10
"""Components named in a health verdict; more are counted (it is also the card's line)."""


def health_verdict(health: AppHealth | None) -> str:
    """What a live rollback's health came to, escaped: "verified: web 2/2 ready, healthy"
    or "web 0/2 ready, UNHEALTHY: consider Revert". ``None``: it could not be read."""
    if health is None:
        return "health could not be read: check the app before you commit"
    if not health.components:
        return "no component reported its health: check the app before you commit"
    shown_ = health.components[:VERDICT_COMPONENTS]
    parts = [
        f"{clip(escape(c.name), LABEL_SHOWN)} {c.replicas_ready}/{c.replicas_desired} ready"
        for c in shown_
    ]
    if len(health.components) > len(shown_):
        parts.append(f"{len(health.components) - len(shown_)} more")
    ready = ", ".join(parts)
    if healthy(health):
        return f"verified: {ready}, healthy"
    states = {c.state for c in health.components}
    word = "UNHEALTHY" if HealthState.UNHEALTHY in states else "not healthy"
    return f"{ready}, {word}: consider Revert"


def health_reply(verdict: str, *, good: bool) -> Message:
    return _reply(f"{'🩺' if good else '⚠️'} {verdict}")
