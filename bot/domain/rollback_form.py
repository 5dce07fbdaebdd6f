"""A rollback asked for in the modal: what was filled in, and what is wrong with it (pure).

The checks here need nothing but the form; the rest (the app, the channel's rules, locks,
DigitalOcean's validation) are the same as for the slash command (``bot.usecases.propose``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

REASON_MOST = 500
"""Characters a reason may have: a sentence or two, short enough for the card and the audit."""
URL_MOST = 2000
"""Characters an incident link may have (browsers and Slack links cope with this many)."""


NO_CHANNEL = "Pick the channel where the rollback card goes: no channel is set for this app."


class FormField(StrEnum):
    """The modal's fields, by the block ids that Slack's ``response_action: errors`` names."""

    CHANNEL = "channel"
    APP = "app"
    TARGET = "target"
    REASON = "reason"
    INCIDENT = "incident"


@dataclass(frozen=True)
class RollbackForm:
    channel: str
    app_ref: str
    """An app id (picked from the options) or a name (typed with ``/rollback <app>``)."""
    target_id: str | None
    """None: the last good deployment, as for ``/rollback <app>``."""
    reason: str = ""
    incident_url: str = ""


def form_problems(form: RollbackForm, *, require_reason: bool) -> dict[FormField, str]:
    """Each field's problem, in words for the person filling the form; empty when none."""
    problems: dict[FormField, str] = {}
    if not form.app_ref:
        problems[FormField.APP] = "Pick the app to roll back."
    if require_reason and not form.reason.strip():
        problems[FormField.REASON] = "A reason is required for every rollback here."
    elif len(form.reason) > REASON_MOST:
        problems[FormField.REASON] = (
            f"Keep the reason under {REASON_MOST} characters ({len(form.reason)} now)."
        )
    incident = incident_problem(form.incident_url)
    if incident:
        problems[FormField.INCIDENT] = incident
    return problems


def incident_problem(url: str) -> str:
    """Why ``url`` cannot be the incident link, or "" (an empty link is fine: it is optional)."""
    if not url:
        return ""
    if len(url) > URL_MOST:
        return f"That link is too long (at most {URL_MOST} characters)."
    try:
        parts = urlsplit(url)
    except ValueError:
        return (
            "That is not a link; incident links look like https://status.example.com/incidents/42."
        )
    # Slack's mrkdwn link syntax <url|label> breaks on these, and no real URL needs them raw.
    unsafe = any(c.isspace() or c in "<>|\"'`" for c in url)
    if parts.scheme != "https" or not parts.hostname or unsafe:
        return "The incident link must be an https:// address, like https://status.example.com/incidents/42."
    return ""
