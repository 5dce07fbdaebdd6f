"""Who may commit or revert a pinned rollback (pure).

Commit keeps what is live now, so the requester may do it as well as an approver; revert
redeploys the app, so it takes an approver, and the requester only where self-approval is
allowed (``ROLLBACK_ALLOW_SELF_APPROVAL``) — the same two-person rule as approving. With no
approver list, "an approver" is anyone but the requester, as for approving.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settler:
    """The person settling, as the rule sees them."""

    user: str
    approver: bool
    """Whether ``user`` is among the approvers (anyone, with no list)."""
    requester: str
    """Who asked for the rollback; "" when the bot did not start it (nobody to exempt)."""


def settle_refusal(who: Settler, *, revert: bool, self_approval: bool) -> str | None:
    """Why ``who`` may not commit (``revert=False``) or revert the rollback; None if they may."""
    asked = bool(who.requester) and who.user == who.requester
    if not revert:
        if asked or who.approver:
            return None
        return "Only the person who asked for this rollback or an approver can commit it"
    if asked and not self_approval:
        return "You asked for this rollback, so someone else (an approver) must revert it"
    if who.approver:
        return None
    return "Only an approver can revert a rollback"
