"""The expiry sweeper: turns cards nobody decided on into "expired", on any replica.

Every replica sweeps; the decision is claimed with SET NX, so exactly one of them edits
each card and writes its audit event.
"""

from __future__ import annotations

import asyncio
import logging

from bot.domain.records import Decision, DecisionKind, Event
from bot.errors import BotError, StoreUnavailableError
from bot.fleet.card_edits import edit_card
from bot.tasks import TaskTracker, repeat
from bot.usecases import starting
from bot.usecases.card_updates import audit, count
from bot.usecases.dependencies import Deps

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, deps: Deps, *, tasks: TaskTracker) -> None:
        self._deps = deps
        self._tasks = tasks
        self._stopping = asyncio.Event()
        # Often enough that a card is edited soon after it expires; never a busy loop.
        self.interval = max(0.2, min(5.0, deps.settings.rollback_confirm_ttl / 4))

    def start(self) -> None:
        self._tasks.spawn(self._run(), name="sweeper")

    def stop(self) -> None:
        self._stopping.set()

    async def _run(self) -> None:
        await repeat(self._round, every=self.interval, until=self._stopping, name="sweep")

    async def _round(self) -> None:
        await self.sweep()
        await self.recover_starts()

    async def recover_starts(self) -> None:
        """Recover every approval whose replica stopped before its rollback was recorded
        (``starting.recover``: adopt the rollback DigitalOcean made, or say none was)."""
        for card_id in await self._deps.store.lapsed_starts(self._deps.clock()):
            try:
                await starting.recover(self._deps, card_id)
            except StoreUnavailableError:
                raise  # the next sweep tries again
            except BotError as exc:
                log.warning("card %s: not recovered yet: %s", card_id, exc.user_message)
            except Exception:
                log.exception("card %s: could not be recovered", card_id)

    async def sweep(self) -> int:
        """Expire every overdue card; return how many this replica expired."""
        now = self._deps.clock()
        expired = 0
        for card_id in await self._deps.store.expired_cards(now):
            try:
                expired += await self._expire(card_id, now)
            except StoreUnavailableError:
                raise  # the next sweep tries again
            except Exception:
                # One card the bot cannot read must not keep the others open.
                log.exception("card %s could not be expired", card_id)
        return expired

    async def _expire(self, card_id: str, now: float) -> int:
        deps = self._deps
        won, decision = await deps.store.claim_decision(
            card_id, Decision(kind=DecisionKind.EXPIRED, at=now)
        )
        if not won:
            await deps.store.forget_pending(card_id)
            return 0
        card = await deps.store.get_card(card_id)
        if card is None:
            return 0
        count(deps, "expired")
        await audit(deps, Event.EXPIRED, card, user=card.requester)
        await edit_card(deps.chat, card, now=now, decision=decision)
        return 1
