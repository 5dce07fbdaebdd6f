"""Approval policy (pure): how many approvals an app needs, from whom, where, and who may
break the glass (``ROLLBACK_POLICY_FILE``; without one, ``ROLLBACK_APPROVERS`` and
``ROLLBACK_ALLOW_SELF_APPROVAL`` make the one rule for every app).
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86_400.0


@dataclass(frozen=True, kw_only=True)
class Rule:
    """What an app's rollback needs before it starts."""

    approvals: int = 1
    """Different people, never the requester (unless ``self_approval``), who must approve."""
    approvers: tuple[str, ...] = ()
    """Slack user (``U…``, ``W…``) and user-group (``S…``) ids; empty: anyone but the
    requester."""
    self_approval: bool = False
    channels: tuple[str, ...] = ()
    """Channel ids the app may be rolled back from; empty: as ``ROLLBACK_CHANNELS`` says."""


@dataclass(frozen=True, kw_only=True)
class BreakGlass:
    """Who may approve alone in an emergency, and how soon another approver must review it."""

    approvers: tuple[str, ...] = ()
    """Empty: nobody may break the glass (unlike ``Rule.approvers``)."""
    review_within: float = DAY

    @property
    def enabled(self) -> bool:
        return bool(self.approvers)


@dataclass(frozen=True, kw_only=True)
class Policy:
    defaults: Rule = Rule()
    apps: tuple[tuple[str, Rule], ...] = ()
    """Per-app rules, by app name or id, as the file lists them."""
    breakglass: BreakGlass = BreakGlass()
    source: str = ""
    """Where the policy came from (the file's path), "" for the settings alone."""

    def rule_for(self, *, app_name: str, app_id: str = "") -> Rule:
        """The rule in force for an app: its own (by name, else by id), else the defaults."""
        for ref, rule in self.apps:
            if ref == app_name or (app_id and ref == app_id):
                return rule
        return self.defaults


def from_settings(*, approvers: tuple[str, ...], self_approval: bool) -> Policy:
    """The one rule the settings make when no policy file is given."""
    return Policy(defaults=Rule(approvers=approvers, self_approval=self_approval))


def who(ids: tuple[str, ...]) -> str:
    """Slack ids as mentions: users as ``<@U…>``, user groups as ``<!subteam^S…>``."""
    shown = [f"<!subteam^{i}>" if i.startswith("S") else f"<@{i}>" for i in ids]
    return ", ".join(shown)


def describe(rule: Rule) -> str:
    """The rule in one mrkdwn phrase, as a card and ``/rollback policy`` show it:
    "needs 2 approvals of <!subteam^S0SRE>, <@U0LEAD>"."""
    count = "1 approval" if rule.approvals == 1 else f"{rule.approvals} approvals"
    of = f"of {who(rule.approvers)}" if rule.approvers else "by anyone but the requester"
    if rule.approvers and rule.self_approval:
        of += " (the requester may be one)"
    elif not rule.approvers and rule.self_approval:
        of = "by anyone, the requester too"
    # Ids are checked as Slack ids when read, so nothing here needs escaping.
    return f"needs {count} {of}"
