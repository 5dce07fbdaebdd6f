"""``/rollback policy <app>`` (pure): the approval rule in force for one app, and where it
came from."""

from __future__ import annotations

from bot.domain.mrkdwn import more
from bot.domain.policy import Policy, Rule, who
from bot.domain.policy_file import SETTING
from bot.slack.blockkit.blocks import Message, code, section
from bot.slack.blockkit.pin_replies import age_text

SHOWN = 25
"""Ids shown of one list: the answer is one section (3,000 characters), and every line of
it, not only the list, must stay in it."""


def rule_in_force(
    *, app_name: str, app_id: str, policy: Policy, channels: tuple[str, ...] | None
) -> Message:
    """``channels``: those that may act on the app (None: any)."""
    rule = policy.rule_for(app_name=app_name, app_id=app_id)
    own = any(ref in (app_name, app_id) for ref, _ in policy.apps)
    lines = [
        f"*Approval policy for {code(app_name)}*",
        f"• Approvals: {_approvals(rule)}",
        f"• Approvers: {_who(rule.approvers) if rule.approvers else 'anyone but the requester'}",
        f"• Self-approval: {_self_approval(rule)}",
        f"• Channels: {_channels(rule, channels)}",
        f"• Break-glass: {_breakglass(policy)}",
        "• Commit: the requester or an approver. Revert: an approver, "
        + ("the requester too when an approver." if rule.self_approval else "never the requester."),
        _source(policy, own=own),
    ]
    text = "\n".join(lines)
    return Message(text=text, blocks=[section(text)])


def _approvals(rule: Rule) -> str:
    if rule.approvals == 1:
        return "1"
    return f"{rule.approvals}, each from a different person"


def _self_approval(rule: Rule) -> str:
    if rule.self_approval:
        return "allowed (the requester may approve their own rollback)"
    return "not allowed (the requester never approves their own rollback)"


def _channels(rule: Rule, channels: tuple[str, ...] | None) -> str:
    if channels is None:
        return "any channel"
    if not channels:
        return "none (no channel may roll it back)"
    named = ", ".join(f"<#{c}>" for c in channels[:SHOWN])
    named += f" {more(len(channels) - SHOWN)}" if len(channels) > SHOWN else ""
    return f"only {named}" if rule.channels else f"{named} (ROLLBACK_CHANNELS)"


def _breakglass(policy: Policy) -> str:
    glass = policy.breakglass
    if not glass.enabled:
        return "off (nobody may approve their own rollback alone)"
    return (
        f"{_who(glass.approvers)} may approve their own rollback alone, with a reason; another "
        f"approver must review it within {age_text(glass.review_within)}"
    )


def _who(ids: tuple[str, ...]) -> str:
    shown = who(ids[:SHOWN])
    return f"{shown} {more(len(ids) - SHOWN)}" if len(ids) > SHOWN else shown


def _source(policy: Policy, *, own: bool) -> str:
    if not policy.source:
        return "_From the settings (ROLLBACK_APPROVERS, ROLLBACK_ALLOW_SELF_APPROVAL)._"
    which = "the app's own rule" if own else "its defaults"
    return f"_From {SETTING} {code(policy.source)}: {which}._"
