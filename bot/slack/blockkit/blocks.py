"""Block Kit building blocks (pure): ``Message`` values and the pieces messages are made of.

The messages themselves are in ``cards`` (the confirmation card), ``replies`` (the
thread) and ``reports`` (answers to commands).

Raw dicts rather than slack_sdk classes: they are what Slack receives, so tests (and
the demo page) can read them directly.

Every constructor here clips its fields to Slack's limits (``bot.slack.blockkit.limits``), so a
message
built from them is one Slack accepts. Text is taken as the caller's mrkdwn: whatever did
not come from the bot's own templates must already be escaped (``mrkdwn.escape``,
``shown`` or ``code``). Plain-text fields (header, button, dialog) are shown literally by
Slack, so they are clipped but never escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.digitalocean.models import StepStatus
from bot.domain.mrkdwn import clip, shown
from bot.domain.records import DeploymentSummary, Watch
from bot.domain.rollback_form import REASON_MOST, incident_problem
from bot.slack.blockkit import limits

Block = dict[str, Any]

APPROVE = "rollback_approve"
CANCEL = "rollback_cancel"
COMMIT = "rollback_commit"
REVERT = "rollback_revert"
BREAKGLASS = "rollback_breakglass"
ACKNOWLEDGE = "review_acknowledge"

STATUS_ICON = {
    StepStatus.PENDING: "⏳",
    StepStatus.RUNNING: "🔄",
    StepStatus.SUCCESS: "✅",
    StepStatus.ERROR: "❌",
    StepStatus.UNKNOWN: "❔",
}
# Visible characters of a name, id or commit shown in a code span: DigitalOcean's app
# names have at most 32, ids 36; more is someone else's mistake, not worth a message.
CODE_SHOWN = 100
# Visible characters of a deployment's cause in a one-line summary.
CAUSE_SHOWN = 120
# Visible characters of a link's label (the link itself may be longer).
LINK_LABEL_SHOWN = 80
# An app's name inside a confirm dialog, whose whole text may have 300 characters.
DIALOG_NAME = 60


@dataclass(frozen=True)
class Message:
    """A message as sent to Slack: ``text`` (the notification fallback, mrkdwn) and blocks.

    Clipped on creation, wherever it was built, so no caller can post a message Slack
    refuses for its length or its number of blocks.
    """

    text: str
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clip(self.text, limits.FALLBACK_TEXT))
        if len(self.blocks) > limits.MESSAGE_BLOCKS:
            object.__setattr__(self, "blocks", self.blocks[: limits.MESSAGE_BLOCKS])


def section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text, limits.SECTION_TEXT)}


def context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(text, limits.CONTEXT_TEXT)]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, limits.HEADER_TEXT)}


def actions(block_id: str, elements: Sequence[Block]) -> Block:
    return {
        "type": "actions",
        "block_id": clip(block_id, limits.BLOCK_ID),
        "elements": list(elements[: limits.ACTIONS_ELEMENTS]),
    }


def plain(text: str, limit: int) -> Block:
    """A plain_text object: Slack shows it as is, so it is clipped, never escaped."""
    return {"type": "plain_text", "text": clip(text, limit)}


def _mrkdwn(text: str, limit: int) -> Block:
    return {"type": "mrkdwn", "text": clip(text, limit)}


def button(
    text: str, action_id: str, value: str, *, style: str = "", confirm: Block | None = None
) -> Block:
    button: Block = {
        "type": "button",
        "text": plain(text, limits.BUTTON_TEXT),
        "action_id": clip(action_id, limits.ACTION_ID),
        "value": clip(value, limits.BUTTON_VALUE),
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def confirm_dialog(title: str, text: str, yes: str, *, danger: bool = False) -> Block:
    dialog: Block = {
        "title": plain(title, limits.CONFIRM_TITLE),
        "text": plain(text, limits.CONFIRM_TEXT),
        "confirm": plain(yes, limits.CONFIRM_BUTTON),
        "deny": plain("Not now", limits.CONFIRM_BUTTON),
    }
    if danger:
        dialog["style"] = "danger"
    return dialog


def code(raw: str, limit: int = CODE_SHOWN) -> str:
    """Foreign ``raw`` text (a name, id or commit) as an escaped mrkdwn code span."""
    # A backtick inside would end the span early; an apostrophe reads the same.
    inside = shown(raw.replace("`", "'"), limit)
    return f"`{inside}`"


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
    parts = [code(short(summary.id))]
    if summary.commit:
        parts.append(f"commit {code(summary.commit)}")
    if summary.cause:
        parts.append(shown(summary.cause, CAUSE_SHOWN))
    parts.append(age(summary.created_at, now))
    return " · ".join(parts)


def mentions(users: Sequence[str]) -> str:
    """People in a sentence: "<@bob>", "<@bob> and <@carol>", "<@a>, <@b> and <@c>"."""
    shown = [f"<@{user}>" for user in users]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def approvers_of(watch: Watch) -> str:
    """Who approved a watched rollback, as mentions ("" when nobody is known)."""
    return mentions(watch.approvals or ((watch.approver,) if watch.approver else ()))


def requester(user: str) -> str:
    """Who asked for a card: a mention, or the bot itself for the cards it proposes
    (a deploy that went bad), whose ``Card.requester`` is ""."""
    return f"<@{user}>" if user else "the bot"


def why_lines(reason: str, incident_url: str) -> list[str]:
    """The requester's reason and incident link as mrkdwn lines, [] when neither was given.

    The reason is the requester's own text, escaped like anything foreign. The link was
    checked when it was given (``rollback_form.incident_problem``: https, none of the
    characters that would break ``<url|label>``); one read back that fails the check now is
    shown as text, never as a link.
    """
    lines = []
    if reason.strip():
        lines.append(f"*Reason:* {shown(reason.strip(), REASON_MOST)}")
    if incident_url:
        label = shown(incident_url, LINK_LABEL_SHOWN)
        shown_as = label if incident_problem(incident_url) else f"<{incident_url}|{label}>"
        lines.append(f"*Incident:* {shown_as}")
    return lines
