"""Block Kit rendering (pure): every message the bot posts, as ``Message`` values.

Raw dicts rather than slack_sdk classes: they are what Slack receives, so tests (and
the demo page) can read them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.commands import Help
from bot.models import App, Deployment, Phase, StepStatus
from bot.progress import FlatStep, StepChange
from bot.records import AuditEntry, Card, Decision, DecisionKind, DeploymentSummary, Watch

Block = dict[str, Any]

APPROVE = "rollback_approve"
CANCEL = "rollback_cancel"
COMMIT = "rollback_commit"
REVERT = "rollback_revert"

_STATUS_ICON = {
    StepStatus.PENDING: "⏳",
    StepStatus.RUNNING: "🔄",
    StepStatus.SUCCESS: "✅",
    StepStatus.ERROR: "❌",
    StepStatus.UNKNOWN: "❔",
}
_MAX_SECTION = 2900


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def _section(text: str) -> Block:
    if len(text) > _MAX_SECTION:
        text = text[: _MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _button(
    text: str, action_id: str, value: str, *, style: str = "", confirm: Block | None = None
) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _confirm(title: str, text: str, yes: str, *, danger: bool = False) -> Block:
    dialog: Block = {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "plain_text", "text": text},
        "confirm": {"type": "plain_text", "text": yes},
        "deny": {"type": "plain_text", "text": "Not now"},
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def short(deployment_id: str) -> str:
    return deployment_id[:8]


def age(when: datetime | None, now: float) -> str:
    if when is None:
        return "age unknown"
    seconds = max(0, int(now - when.timestamp()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def _slack_time(epoch: float) -> str:
    stamp = int(epoch)
    fallback = datetime.fromtimestamp(stamp).astimezone().strftime("%H:%M %Z")
    return f"<!date^{stamp}^{{time}}|{fallback}>"


def _summary_line(summary: DeploymentSummary, now: float) -> str:
    parts = [f"`{short(summary.id)}`"]
    if summary.commit:
        parts.append(f"commit `{summary.commit}`")
    if summary.cause:
        parts.append(summary.cause[:120])
    parts.append(age(summary.created_at, now))
    return " · ".join(parts)


# --- the confirmation card ---------------------------------------------------------------


def card(
    card_: Card,
    *,
    now: float,
    decision: Decision | None = None,
    watch: Watch | None = None,
    settled: Decision | None = None,
    note: str = "",
) -> Message:
    """The card in any state: pending (with buttons), decided, expired or invalid."""
    live = _summary_line(card_.live, now) if card_.live else "nothing is live"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": f"Rollback {card_.app_name}?"}},
        _section(f"*Live now:* {live}\n*Roll back to:* {_summary_line(card_.target, now)}"),
    ]
    if card_.warnings:
        warned = "\n".join(f"• {w}" for w in card_.warnings)
        blocks.append(_section(f"⚠️ *DigitalOcean warns:*\n{warned}"))
    if card_.error:
        blocks.append(_section(f"⛔ *DigitalOcean will not do this rollback:* {card_.error}"))
    requested = f"Requested by <@{card_.requester}>"
    if decision is None and card_.approvable:
        blocks.append(_context(f"{requested} · expires {_slack_time(card_.expires_at)}"))
        blocks.append(_card_buttons(card_))
    else:
        blocks.append(_context(requested))
    state = _card_state(card_, decision, watch)
    if settled is not None:
        state += f" · {settled.kind.value} by <@{settled.user}>"
    if state:
        blocks.append(_section(state))
    if note:
        blocks.append(_context(note))
    text = f"Rollback {card_.app_name} to {short(card_.target.id)}? {state}".strip()
    return Message(text=text, blocks=blocks)


def _card_buttons(card_: Card) -> Block:
    target = short(card_.target.id)
    return {
        "type": "actions",
        "block_id": f"card:{card_.id}",
        "elements": [
            _button(
                "Approve rollback",
                APPROVE,
                card_.id,
                style="danger",
                confirm=_confirm(
                    "Roll back now?",
                    f"{card_.app_name} will be redeployed from {target} and pinned there "
                    "until someone commits or reverts.",
                    "Roll back",
                    danger=True,
                ),
            ),
            _button("Cancel", CANCEL, card_.id),
        ],
    }


def _card_state(card_: Card, decision: Decision | None, watch: Watch | None) -> str:
    if decision is None:
        return "" if card_.approvable else "No rollback can be approved from this card."
    if decision.kind == DecisionKind.CANCELLED:
        return f"🚫 Cancelled by <@{decision.user}>. Nothing was changed."
    if decision.kind == DecisionKind.EXPIRED:
        return "⌛ Expired: nobody approved it in time. Nothing was changed."
    if decision.kind == DecisionKind.STALE:
        return (
            f"⚠️ Approved by <@{decision.user}> but not rolled back: {decision.reason} "
            "Ask again with `/rollback`."
        )
    line = f"✅ Approved by <@{decision.user}>"
    if watch is not None:
        line += f" · {status_line(watch)}"
    return line


def status_line(watch: Watch) -> str:
    steps = f"{watch.success_steps}/{watch.total_steps} steps" if watch.total_steps else ""
    return f"*{watch.phase.value}* {steps}".strip()


# --- thread replies ----------------------------------------------------------------------


def started(watch: Watch, target: DeploymentSummary) -> Message:
    text = (
        f"Rollback started by <@{watch.approver}>: DigitalOcean deployment "
        f"`{short(watch.deployment_id)}` is rolling `{watch.app_name}` back to "
        f"`{short(target.id)}`" + (f" (commit `{target.commit}`)." if target.commit else ".")
    )
    return Message(text=text, blocks=[_section(text)])


def step_changes(changes: Sequence[StepChange], phase: Phase) -> Message:
    lines = []
    for change in changes:
        detail = f" — {change.detail}" if change.detail else ""
        icon = _STATUS_ICON[change.status]
        lines.append(f"{icon} `{change.label}`: *{change.status.value}*{detail}")
    lines.append(f"_Phase: {phase.value}_")
    text = "\n".join(lines)
    return Message(text=text, blocks=[_section(text)])


def succeeded(watch: Watch) -> Message:
    if watch.kind == "revert":
        text = (
            f"✅ `{watch.app_name}` is live again on deployment `{short(watch.deployment_id)}`: "
            "the rollback was reverted and deploys are unblocked."
        )
        return Message(text=text, blocks=[_section(text)])
    text = (
        f"✅ `{watch.app_name}` is live on the rollback (deployment "
        f"`{short(watch.deployment_id)}`). The app is *pinned*: new deploys are blocked until "
        "you commit the rollback or revert it."
    )
    return Message(text=text, blocks=[_section(text), _settle_buttons(watch, commit=True)])


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
    blocks = [_section(text)]
    if watch.kind == "rollback":
        blocks.append(_settle_buttons(watch, commit=False))
    return Message(text=text, blocks=blocks)


def gave_up(watch: Watch, seconds: int) -> Message:
    text = (
        f"⌛ Stopped watching deployment `{short(watch.deployment_id)}` after {seconds // 60} min "
        f"(last phase *{watch.phase.value}*). Check it in the DigitalOcean control panel."
    )
    return Message(text=text, blocks=[_section(text)])


def lost(watch: Watch, reason: str) -> Message:
    text = f"⚠️ Stopped watching deployment `{short(watch.deployment_id)}`: {reason}"
    return Message(text=text, blocks=[_section(text)])


def _settle_buttons(watch: Watch, *, commit: bool) -> Block:
    elements = []
    if commit:
        elements.append(
            _button(
                "Commit",
                COMMIT,
                watch.deployment_id,
                style="primary",
                confirm=_confirm(
                    "Commit the rollback?",
                    f"{watch.app_name} stays on this deployment and deploys are unblocked.",
                    "Commit",
                ),
            )
        )
    elements.append(
        _button(
            "Revert",
            REVERT,
            watch.deployment_id,
            confirm=_confirm(
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
    return Message(text=str(text), blocks=[*kept, _context(note)])


def settled_result(result_text: str, note: str) -> Message:
    """The final reply with its buttons replaced by who settled it."""
    return Message(text=result_text, blocks=[_section(result_text), _context(note)])


def committed(user: str, app_name: str) -> Message:
    text = (
        f"📌 Committed by <@{user}>: `{app_name}` stays on the rollback and deploys are unblocked."
    )
    return Message(text=text, blocks=[_section(text)])


def reverting(user: str, app_name: str, deployment_id: str) -> Message:
    text = (
        f"↩️ Revert requested by <@{user}>: deployment `{short(deployment_id)}` restores "
        f"`{app_name}` as it was before the rollback."
    )
    return Message(text=text, blocks=[_section(text)])


# --- replies to commands -------------------------------------------------------------------


USAGE = (
    "*Usage*\n"
    "• `/rollback <app> [<deployment-id>]` — propose a rollback (default: the last deployment "
    "that was live before the current one)\n"
    "• `/rollback status [<app>]` — rollbacks in flight and cards waiting, "
    "or one app's deployments\n"
    "• `/rollback history <app>` — recent deployments\n"
    "• `/rollback commit <app>` / `/rollback revert <app>` — settle a pinned rollback\n"
    "• `/rollback audit [<app>]` — who asked, approved, cancelled… and what happened\n"
    "• `/rollback help` — this text"
)


def usage(help_: Help) -> Message:
    text = f"{help_.problem}\n\n{USAGE}" if help_.problem else USAGE
    return Message(text=text, blocks=[_section(text)])


def history(app: App, deployments: Sequence[Deployment], now: float) -> Message:
    live = app.active_deployment.id if app.active_deployment else ""
    pinned = app.pinned_deployment.id if app.pinned_deployment else ""
    lines = [f"*Recent deployments of `{app.name}`* (newest first)"]
    for d in deployments:
        tags = [t for t, on in (("live", d.id == live), ("pinned", d.id == pinned)) if on]
        tag = f" ({', '.join(tags)})" if tags else ""
        commit = f" · commit `{d.commit}`" if d.commit else ""
        cause = f" · {d.cause[:80]}" if d.cause else ""
        lines.append(f"• `{d.id}` *{d.phase.value}*{tag}{commit}{cause} · {age(d.created_at, now)}")
    if not deployments:
        lines.append("No deployments yet.")
    text = "\n".join(lines)
    return Message(text=text, blocks=[_section(text)])


def app_status(app: App, watch: Watch | None, now: float) -> Message:
    def line(label: str, d: Deployment | None) -> str:
        if d is None:
            return f"• {label}: none"
        commit = f" · commit `{d.commit}`" if d.commit else ""
        return f"• {label}: `{d.id}` *{d.phase.value}*{commit} · {age(d.created_at, now)}"

    lines = [
        f"*`{app.name}`*",
        line("Live", app.active_deployment),
        line("In progress", app.in_progress_deployment),
        line("Pinned", app.pinned_deployment),
    ]
    if watch is not None:
        lines.append(f"• Last rollback by this bot: {status_line(watch)}")
    if app.pinned_deployment is not None:
        lines.append(
            f"The app is pinned: `/rollback commit {app.name}` or `/rollback revert {app.name}`."
        )
    text = "\n".join(lines)
    return Message(text=text, blocks=[_section(text)])


def overview(watches: Sequence[Watch], cards: Sequence[Card], now: float) -> Message:
    lines = []
    if watches:
        lines.append("*Rollbacks in flight*")
        lines += [
            f"• `{w.app_name}` {w.kind.value} `{short(w.deployment_id)}`: {status_line(w)}"
            for w in watches
        ]
    if cards:
        lines.append("*Waiting for approval*")
        lines += [
            f"• `{c.app_name}` → `{short(c.target.id)}`, requested by <@{c.requester}>, "
            f"expires in {max(0, int(c.expires_at - now)) // 60} min"
            for c in cards
        ]
    text = "\n".join(lines) if lines else "No rollbacks in flight and none waiting for approval."
    return Message(text=text, blocks=[_section(text)])


def audit_trail(entries: Sequence[AuditEntry], app: str | None, now: float) -> Message:
    title = f"*Audit trail of `{app}`*" if app else "*Audit trail*"
    lines = [f"{title} (newest first)"]
    for e in entries:
        parts = [f"`{e.event.value}`"]
        if e.app:
            parts.append(f"`{e.app}`")
        if e.user:
            parts.append(f"by <@{e.user}>")
        if e.target:
            parts.append(f"target `{short(e.target)}`")
        if e.deployment:
            parts.append(f"deployment `{short(e.deployment)}`")
        if e.reason:
            parts.append(f"— {e.reason[:150]}")
        ago = age(datetime.fromtimestamp(e.at, tz=UTC), now)
        lines.append(f"• {ago}: " + " ".join(parts))
    if not entries:
        lines.append("Nothing recorded yet.")
    text = "\n".join(lines)
    return Message(text=text, blocks=[_section(text)])


def problem(sentence: str) -> Message:
    return Message(text=sentence, blocks=[_section(f"⚠️ {sentence}")])
