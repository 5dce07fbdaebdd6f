"""Answers to commands (pure): usage, history, status and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.digitalocean.models import App, Deployment
from bot.domain.grammar import Help
from bot.domain.mrkdwn import clip, clip_lines, escape, shown
from bot.domain.records import AuditEntry, Card, Event, Watch
from bot.domain.reviews import Review
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import (
    Message,
    age,
    code,
    requester,
    section,
    short,
    why_lines,
)
from bot.slack.blockkit.cards import status_line, tally
from bot.slack.blockkit.reviews import open_lines

# Visible characters of a deployment's cause in a history line, and of an audit reason.
CAUSE_SHOWN = 80
REASON_SHOWN = 150

USAGE = (
    "*Usage*\n"
    "• `/rollback` — the rollback form: app, target, reason, incident link\n"
    "• `/rollback <app> [<deployment-id>]` — propose a rollback (default: the last deployment "
    "that was live before the current one)\n"
    "• `/rollback status [<app>]` — rollbacks in flight and cards waiting, "
    "or one app's deployments\n"
    "• `/rollback history <app>` — recent deployments\n"
    "• `/rollback commit <app>` / `/rollback revert <app>` — settle a pinned rollback\n"
    "• `/rollback audit [<app>]` — who asked, approved, cancelled… and what happened\n"
    "• `/rollback policy <app>` — who must approve the app's rollbacks, and where\n"
    "• `/rollback help` — this text"
)


def _report(text: str) -> Message:
    return Message(text=text, blocks=[section(text)])


def usage(help_: Help) -> Message:
    # The problem echoes what the user typed; USAGE itself shows `<app>` placeholders,
    # which must be escaped too or Slack would read them as links.
    text = f"{help_.problem}\n\n{USAGE}" if help_.problem else USAGE
    return _report(escape(text))


def history(app: App, deployments: Sequence[Deployment], now: float) -> Message:
    live = app.active_deployment.id if app.active_deployment else ""
    pinned = app.pinned_deployment.id if app.pinned_deployment else ""
    lines = [f"*Recent deployments of {code(app.name)}* (newest first)"]
    for d in deployments:
        tags = [t for t, on in (("live", d.id == live), ("pinned", d.id == pinned)) if on]
        tag = f" ({', '.join(tags)})" if tags else ""
        commit = f" · commit {code(d.commit)}" if d.commit else ""
        cause = f" · {shown(d.cause, CAUSE_SHOWN)}" if d.cause else ""
        when = age(d.created_at, now)
        lines.append(f"• {code(d.id)} *{d.phase.value}*{tag}{commit}{cause} · {when}")
    if not deployments:
        lines.append("No deployments yet.")
    return _report(clip_lines(lines, limits.SECTION_TEXT))


def app_status(app: App, watch: Watch | None, now: float) -> Message:
    def line(label: str, d: Deployment | None) -> str:
        if d is None:
            return f"• {label}: none"
        commit = f" · commit {code(d.commit)}" if d.commit else ""
        return f"• {label}: {code(d.id)} *{d.phase.value}*{commit} · {age(d.created_at, now)}"

    lines = [
        f"*{code(app.name)}*",
        line("Live", app.active_deployment),
        line("In progress", app.in_progress_deployment),
        line("Pinned", app.pinned_deployment),
    ]
    if watch is not None:
        lines.append(f"• Last rollback by this bot: {status_line(watch)}")
    if app.pinned_deployment is not None:
        commit, revert = (code(f"/rollback {verb} {app.name}") for verb in ("commit", "revert"))
        lines.append(f"The app is pinned: {commit} or {revert}.")
    return _report(clip_lines(lines, limits.SECTION_TEXT))


def overview(
    watches: Sequence[Watch],
    cards: Sequence[Card],
    now: float,
    reviews: Sequence[Review] = (),
    *,
    approvals: Mapping[str, Sequence[str]] | None = None,
) -> Message:
    """What is in flight, waiting (with the approvals a card has so far, by card id) and
    open for review."""
    # Each list gets half a section, so a long first list cannot hide the second.
    half = limits.SECTION_TEXT // 2 - 1
    parts = []
    if watches:
        flying = [
            f"• {code(w.app_name)} {w.kind.value} {code(short(w.deployment_id))}: {status_line(w)}"
            for w in watches
        ]
        parts.append(clip_lines(["*Rollbacks in flight*", *flying], half))
    if cards:
        waiting = [
            f"• {code(c.app_name)} → {code(short(c.target.id))}, requested by "
            f"{requester(c.requester)}, expires in {max(0, int(c.expires_at - now)) // 60} min"
            + (f", {tally(c, got)}" if (got := (approvals or {}).get(c.id)) else "")
            for c in cards
        ]
        parts.append(clip_lines(["*Waiting for approval*", *waiting], half))
    if reviews:
        title = "*Break-glass reviews open* (until another approver acknowledges)"
        parts.append(clip_lines([title, *open_lines(reviews, now)], half))
    text = "\n".join(parts) if parts else "No rollbacks in flight and none waiting for approval."
    return _report(text)


def audit_trail(entries: Sequence[AuditEntry], app: str | None, now: float) -> Message:
    title = f"*Audit trail of {code(app)}*" if app else "*Audit trail*"
    lines = [f"{title} (newest first)"]
    for e in entries:
        parts = [f"`{e.event.value}`"]
        if e.app:
            parts.append(code(e.app))
        if e.user:
            parts.append(f"by <@{e.user}>")
        if e.target:
            parts.append(f"target {code(short(e.target))}")
        if e.deployment:
            parts.append(f"deployment {code(short(e.deployment))}")
        if e.reason:
            # Reasons are stored fit for Slack (the bot's sentences, foreign text escaped).
            parts.append(f"— {clip(e.reason, REASON_SHOWN)}")
        if e.event == Event.REQUESTED and (e.why or e.incident):
            parts.append("— " + " ".join(why_lines(e.why, e.incident)))
        ago = age(datetime.fromtimestamp(e.at, tz=UTC), now)
        lines.append(f"• {ago}: " + " ".join(parts))
    if not entries:
        lines.append("Nothing recorded yet.")
    return _report(clip_lines(lines, limits.SECTION_TEXT))


def problem(sentence: str) -> Message:
    """``sentence`` is the bot's own, fit for Slack (an error's ``user_message``: whatever
    it quotes from the user or DigitalOcean was escaped where it was written)."""
    return Message(text=sentence, blocks=[section(f"⚠️ {sentence}")])
