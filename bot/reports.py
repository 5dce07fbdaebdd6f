"""Answers to commands (pure): usage, history, status and the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.blocks import Message, age, section, short
from bot.cards import status_line
from bot.commands import Help
from bot.models import App, Deployment
from bot.records import AuditEntry, Card, Watch

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
    return Message(text=text, blocks=[section(text)])


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
    return Message(text=text, blocks=[section(text)])


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
    return Message(text=text, blocks=[section(text)])


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
    return Message(text=text, blocks=[section(text)])


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
    return Message(text=text, blocks=[section(text)])


def problem(sentence: str) -> Message:
    return Message(text=sentence, blocks=[section(f"⚠️ {sentence}")])
