"""Cards that need several approvals: who approved so far, and the approval that
completes the quorum, counted in one step in Redis (issue 18)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.domain.records import Card, Decision
from bot.store import keys, scripts
from bot.store.cards import CardRecords
from bot.store.connect import Client
from bot.store.guard import guard


@dataclass(frozen=True, kw_only=True)
class Approval:
    """What one approval of a card came to (``CardApprovals.add_approval``)."""

    decision: Decision | None = None
    """The decision in force: this approval's when it completed the quorum (``won``),
    else the one taken before it (a cancel, an expiry, the quorum met by others)."""
    won: bool = False
    again: bool = False
    """The approver had approved already; nothing changed."""
    approvals: tuple[str, ...] = ()
    """Who approved so far, in order, while the quorum is not met."""


class CardApprovals(CardRecords):
    """Cards, and the approvals counted towards each one's decision."""

    def __init__(self, client: Client, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(client, clock=clock)
        self._approve = client.register_script(scripts.APPROVE)

    async def add_approval(
        self, card: Card, approval: Decision, *, starting_until: float
    ) -> Approval:
        """Count ``approval.user``'s approval of ``card``, once per person; the approval
        that makes ``card.approvals_needed`` decides the card as ``claim_decision`` does,
        with all the approvers in order. A decision taken before (a cancel, an expiry)
        wins over any number of approvals."""
        async with guard(self._redis):
            raw = await self._approve(
                keys=[
                    keys.decision(card.id),
                    keys.PENDING_CARDS,
                    keys.STARTING,
                    keys.approvals(card.id),
                ],
                args=[
                    approval.user,
                    max(1, card.approvals_needed),
                    card.id,
                    self._card_ttl(card),
                    keys.CARD_KEEP_SECONDS,
                    approval.model_dump_json(exclude={"approvals"}),
                    starting_until,
                ],
            )
        outcome, *rest = [str(item) for item in raw]
        if outcome in ("won", "decided"):
            return Approval(decision=Decision.model_validate_json(rest[0]), won=outcome == "won")
        return Approval(again=outcome == "again", approvals=tuple(rest))

    async def approvals(self, card_id: str) -> tuple[str, ...]:
        """Who approved the undecided card so far, in order."""
        async with guard(self._redis):
            found = await self._redis.lrange(keys.approvals(card_id), 0, -1)
        return tuple(str(user) for user in found)
