"""Block Kit building blocks (pure): ``Message`` values and the pieces messages are made of.

The messages themselves are in ``cards`` (the confirmation card), ``replies`` (the
thread) and ``reports`` (answers to commands).

Raw dicts rather than slack_sdk classes: they are what Slack receives, so tests (and
the demo page) can read them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.models import StepStatus
from bot.records import DeploymentSummary

Block = dict[str, Any]

APPROVE = "rollback_approve"
CANCEL = "rollback_cancel"
COMMIT = "rollback_commit"
REVERT = "rollback_revert"

STATUS_ICON = {
    StepStatus.PENDING: "⏳",
    StepStatus.RUNNING: "🔄",
    StepStatus.SUCCESS: "✅",
    StepStatus.ERROR: "❌",
    StepStatus.UNKNOWN: "❔",
}
MAX_SECTION = 2900


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[Block] = field(default_factory=list)


def section(text: str) -> Block:
    if len(text) > MAX_SECTION:
        text = text[: MAX_SECTION - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def button(
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


def confirm_dialog(title: str, text: str, yes: str, *, danger: bool = False) -> Block:
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


def slack_time(epoch: float) -> str:
    stamp = int(epoch)
    fallback = datetime.fromtimestamp(stamp).astimezone().strftime("%H:%M %Z")
    return f"<!date^{stamp}^{{time}}|{fallback}>"


def summary_line(summary: DeploymentSummary, now: float) -> str:
    parts = [f"`{short(summary.id)}`"]
    if summary.commit:
        parts.append(f"commit `{summary.commit}`")
    if summary.cause:
        parts.append(summary.cause[:120])
    parts.append(age(summary.created_at, now))
    return " · ".join(parts)
