"""Messages about pinned rollbacks (pure): a reminder that deploys are blocked, a rollback
made outside the bot, and buttons that a commit or revert made elsewhere ends."""

from __future__ import annotations

from bot.digitalocean.models import App, Deployment
from bot.domain.mrkdwn import clip, shown
from bot.domain.records import Watch
from bot.slack.blockkit import limits
from bot.slack.blockkit.blocks import Message, approvers_of, code, section, short
from bot.slack.blockkit.thread_replies import settle_buttons

WHO_SHOWN = 80
"""Visible characters of the name DigitalOcean gives the person who made a rollback."""

_UNITS = ((86400, "day"), (3600, "h"), (60, "min"), (1, "s"))


def age_text(seconds: float) -> str:
    """An age from ``ROLLBACK_PIN_REMINDERS`` in its largest whole unit: "30 min", "2 h",
    "1 day", "90 s"."""
    whole = max(1, round(seconds))
    for size, unit in _UNITS:
        if whole % size == 0:
            count = whole // size
            if unit == "day":
                return f"{count} day" + ("s" if count > 1 else "")
            return f"{count} {unit}"
    return f"{whole} s"  # pragma: no cover - the 1 s unit divides every whole number


def reminder(watch: Watch, age: float) -> Message:
    """The reply at ``age`` while the app stays pinned to the rollback ``watch`` follows."""
    lines = [
        f"⏰ {code(watch.app_name)} has been pinned for {age_text(age)}: deploys from git are "
        f"blocked until you commit or revert (rollback deployment "
        f"{code(short(watch.deployment_id))})."
    ]
    people = []
    if watch.requester:
        people.append(f"requested by <@{watch.requester}>")
    if watch.approver:
        people.append(f"approved by {approvers_of(watch)}")
    if people:
        sentence = " and ".join(people)
        lines.append(sentence[0].upper() + sentence[1:] + ".")
    text = clip("\n".join(lines), limits.SECTION_TEXT)
    return Message(text=text, blocks=[section(text), settle_buttons(watch)])


def elsewhere(app: App, deployment: Deployment) -> Message:
    """The announcement of a rollback the bot did not start; its thread narrates it."""
    how = {"AUTO_ROLLBACK": "DigitalOcean rolled back"}.get(deployment.rollback_type, "")
    who = deployment.cause_details.who if deployment.cause_details is not None else ""
    if not how:
        how = f"{shown(who, WHO_SHOWN)} rolled back" if who else "Someone rolled back"
    target = deployment.cloned_from
    to = f" to deployment {code(short(target))}" if target else ""
    commit = f" (commit {code(deployment.commit)})" if deployment.commit else ""
    text = (
        f"↩️ {how} {code(app.name)}{to}{commit} outside the bot (control panel, doctl or an "
        f"automatic rollback): DigitalOcean deployment {code(short(deployment.id))}. "
        "The bot follows it in this thread; the app stays pinned to it until someone "
        "commits or reverts."
    )
    text = clip(text, limits.SECTION_TEXT)
    return Message(text=text, blocks=[section(text)])


def ended_elsewhere(*, reverted: bool, still_live: bool) -> str:
    """The note that replaces the buttons of a rollback settled outside the bot: reverted,
    committed (it stays live), or replaced since (a deploy after a commit, a newer
    rollback) without the bot seeing which."""
    if reverted:
        return "Reverted in the control panel"
    if still_live:
        return "Committed in the control panel"
    return "No longer pinned: committed or reverted in the control panel"
