"""What approving, cancelling, starting and expiring a rollback say about a card: the
card's edit, the audit trail and the decision metrics, each bound to the use cases'
``Deps``. The edit and the audit event are ``bot.fleet.card_edits`` and
``bot.fleet.audit_events``, which the narrator uses too."""

from __future__ import annotations

from bot.domain.records import Card, Decision, Event, Watch
from bot.fleet.audit_events import record_event
from bot.fleet.card_edits import edit_card
from bot.usecases.dependencies import Deps


async def show(
    deps: Deps,
    card: Card,
    decision: Decision | None,
    *,
    watch: Watch | None = None,
    note: str = "",
    approvals: tuple[str, ...] = (),
) -> None:
    """Edit the card to say what was decided. Best effort: the decision is taken and stands
    whether or not Slack takes the edit (an approval goes ahead, and its thread and later
    edits bring the card up to date; a later click on a card Slack did not update heals it)."""
    await edit_card(
        deps.chat,
        card,
        now=deps.clock(),
        decision=decision,
        watch=watch,
        note=note,
        approvals=approvals,
    )


async def audit(
    deps: Deps, event: Event, card: Card, *, user: str, reason: str = "", deployment: str = ""
) -> None:
    await record_event(deps.audit, event, card, user=user, reason=reason, deployment=deployment)


def count(deps: Deps, outcome: str) -> None:
    deps.metrics.decisions.labels(outcome).inc()
