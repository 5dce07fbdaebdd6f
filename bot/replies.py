"""Replies in a rollback's thread (pure): progress, outcome, and settling it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks import (
    COMMIT,
    REVERT,
    STATUS_ICON,
    Block,
    Message,
    button,
    confirm_dialog,
    context,
    section,
    short,
)
from bot.models import Phase
from bot.progress import FlatStep, StepChange
from bot.records import DeploymentSummary, Watch


def started(watch: Watch, target: DeploymentSummary) -> Message:
    text = (
        f"Rollback started by <@{watch.approver}>: DigitalOcean deployment "
        f"`{short(watch.deployment_id)}` is rolling `{watch.app_name}` back to "
        f"`{short(target.id)}`" + (f" (commit `{target.commit}`)." if target.commit else ".")
    )
    return Message(text=text, blocks=[section(text)])


def step_changes(changes: Sequence[StepChange], phase: Phase) -> Message:
    lines = []
    for change in changes:
        detail = f" — {change.detail}" if change.detail else ""
        icon = STATUS_ICON[change.status]
        lines.append(f"{icon} `{change.label}`: *{change.status.value}*{detail}")
    lines.append(f"_Phase: {phase.value}_")
    text = "\n".join(lines)
    return Message(text=text, blocks=[section(text)])


def succeeded(watch: Watch) -> Message:
    if watch.kind == "revert":
        text = (
            f"✅ `{watch.app_name}` is live again on deployment `{short(watch.deployment_id)}`: "
            "the rollback was reverted and deploys are unblocked."
        )
        return Message(text=text, blocks=[section(text)])
    text = (
        f"✅ `{watch.app_name}` is live on the rollback (deployment "
        f"`{short(watch.deployment_id)}`). The app is *pinned*: new deploys are blocked until "
        "you commit the rollback or revert it."
    )
    return Message(text=text, blocks=[section(text), _settle_buttons(watch, commit=True)])


def failed(watch: Watch, steps: Sequence[FlatStep]) -> Message:
    what = "Revert" if watch.kind == "revert" else "Rollback"
    lines = [
        f"❌ {what} of `{watch.app_name}` failed: deployment `{short(watch.deployment_id)}` "
        f"ended in phase *{watch.phase.value}*."
    ]
    for step in steps:
        reason = step.reason or "no reason given"
        lines.append(f"• `{step.label}`: {reason}")
    text = "\n".join(lines)
    blocks = [section(text)]
    if watch.kind == "rollback":
        blocks.append(_settle_buttons(watch, commit=False))
    return Message(text=text, blocks=blocks)


def gave_up(watch: Watch, seconds: int) -> Message:
    text = (
        f"⌛ Stopped watching deployment `{short(watch.deployment_id)}` after {seconds // 60} min "
        f"(last phase *{watch.phase.value}*). Check it in the DigitalOcean control panel."
    )
    return Message(text=text, blocks=[section(text)])


def lost(watch: Watch, reason: str) -> Message:
    text = f"⚠️ Stopped watching deployment `{short(watch.deployment_id)}`: {reason}"
    return Message(text=text, blocks=[section(text)])


def _settle_buttons(watch: Watch, *, commit: bool) -> Block:
    elements = []
    if commit:
        elements.append(
            button(
                "Commit",
                COMMIT,
                watch.deployment_id,
                style="primary",
                confirm=confirm_dialog(
                    "Commit the rollback?",
                    f"{watch.app_name} stays on this deployment and deploys are unblocked.",
                    "Commit",
                ),
            )
        )
    elements.append(
        button(
            "Revert",
            REVERT,
            watch.deployment_id,
            confirm=confirm_dialog(
                "Revert the rollback?",
                f"{watch.app_name} is redeployed as it was before the rollback.",
                "Revert",
                danger=True,
            ),
        )
    )
    return {"type": "actions", "block_id": f"settle:{watch.deployment_id}", "elements": elements}


def settle_key(deployment_id: str) -> str:
    """The decision key that makes settling a pinned rollback happen once."""
    return f"settle:{deployment_id}"


def without_buttons(original: Sequence[Block], note: str) -> Message:
    """A message as it was, minus its buttons, plus who acted on it."""
    kept = [b for b in original if b.get("type") != "actions"]
    text = next((b["text"]["text"] for b in kept if b.get("type") == "section"), note)
    return Message(text=str(text), blocks=[*kept, context(note)])


def settled_result(result_text: str, note: str) -> Message:
    """The final reply with its buttons replaced by who settled it."""
    return Message(text=result_text, blocks=[section(result_text), context(note)])


def committed(user: str, app_name: str) -> Message:
    text = (
        f"📌 Committed by <@{user}>: `{app_name}` stays on the rollback and deploys are unblocked."
    )
    return Message(text=text, blocks=[section(text)])


def reverting(user: str, app_name: str, deployment_id: str) -> Message:
    text = (
        f"↩️ Revert requested by <@{user}>: deployment `{short(deployment_id)}` restores "
        f"`{app_name}` as it was before the rollback."
    )
    return Message(text=text, blocks=[section(text)])


def untracked(watch: Watch) -> Message:
    text = (
        f"⚠️ The rollback started (DigitalOcean deployment `{watch.deployment_id}`), but the "
        "bot could not record it, so it cannot narrate it here. Follow it in the DigitalOcean "
        "control panel, then commit or revert it there or with `/rollback commit "
        f"{watch.app_name}`."
    )
    return Message(text=text, blocks=[section(text)])
