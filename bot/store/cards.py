"""Confirmation cards and the one decision taken on each, in Redis."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.domain.records import Card, Decision
from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard
from bot.store.records_base import RedisRecords, readable


class CardRecords(RedisRecords):
    """Cards (listed for the expiry sweeper while undecided) and their decisions."""

    def __init__(self, client: Client, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(client, clock=clock)
        self._claim = client.register_script(scripts.CLAIM)
        self._save = client.register_script(scripts.SAVE_CARD)
        self._discard = client.register_script(scripts.DISCARD_CARD)
        self._reopen = client.register_script(scripts.REOPEN_CARD)

    def _card_ttl(self, card: Card) -> int:
        """A card stays readable until it expires, and for a while after."""
        return max(1, int(card.expires_at - self._clock())) + keys.CARD_KEEP_SECONDS

    async def save_card(self, card: Card, *, pending: bool = True) -> None:
        """Store the card; an approvable one is also listed for the expiry sweeper."""
        ttl = self._card_ttl(card)
        async with guard(self._redis):
            listed = str(card.expires_at) if pending and card.approvable else ""
            await self._save(
                keys=[keys.card(card.id), keys.PENDING_CARDS],
                args=[card.model_dump_json(), ttl, card.id, listed],
            )

    async def expired_cards(self, now: float, *, limit: int = 100) -> list[str]:
        """Ids of undecided cards whose expiry has passed."""
        async with guard(self._redis):
            ids = await self._redis.zrangebyscore(keys.PENDING_CARDS, "-inf", now, 0, limit)
        return [str(i) for i in ids]

    async def discard_card(self, card_id: str) -> None:
        """Forget a card that never reached Slack: nobody can see it, so nothing waits."""
        async with guard(self._redis):
            await self._discard(keys=[keys.card(card_id), keys.PENDING_CARDS], args=[card_id])

    async def forget_pending(self, card_id: str) -> None:
        async with guard(self._redis):
            await self._redis.zrem(keys.PENDING_CARDS, card_id)

    async def pending_cards(self) -> list[Card]:
        async with guard(self._redis):
            ids = [str(i) for i in await self._redis.zrange(keys.PENDING_CARDS, 0, -1)]
            raws = await self._redis.mget([keys.card(i) for i in ids]) if ids else []
        return readable(Card, raws)

    async def get_card(self, card_id: str) -> Card | None:
        async with guard(self._redis):
            raw = await self._redis.get(keys.card(card_id))
        return Card.model_validate_json(raw) if raw else None

    async def claim_decision(
        self, card_id: str, decision: Decision, *, starting_until: float | None = None
    ) -> tuple[bool, Decision]:
        """Record ``decision`` unless one exists: the first writer wins, atomically. With
        ``starting_until``, the intent to start the rollback is recorded in the same step
        (``bot.usecases.starting``), so no approval is ever without it.

        Returns whether this call won, and the decision now in force.
        """
        async with guard(self._redis):
            raw = await self._claim(
                keys=[keys.decision(card_id), keys.PENDING_CARDS, keys.STARTING],
                args=[
                    decision.model_dump_json(),
                    keys.CARD_KEEP_SECONDS,
                    card_id,
                    "" if starting_until is None else starting_until,
                ],
            )
        if raw is None:
            return True, decision
        return False, Decision.model_validate_json(raw)

    async def reopen_card(self, card: Card) -> None:
        """Undo an approval that started nothing: the card is pending again, and nobody
        has approved it yet."""
        ttl = self._card_ttl(card)
        async with guard(self._redis):
            await self._reopen(
                keys=[
                    keys.decision(card.id),
                    keys.card(card.id),
                    keys.PENDING_CARDS,
                    keys.STARTING,
                    keys.approvals(card.id),
                ],
                args=[card.model_dump_json(), ttl, card.id, str(card.expires_at)],
            )

    async def replace_decision(self, card_id: str, decision: Decision) -> None:
        """Overwrite a decision this caller won (e.g. approved, then found stale)."""
        async with guard(self._redis):
            await self._redis.set(
                keys.decision(card_id), decision.model_dump_json(), ex=keys.CARD_KEEP_SECONDS
            )

    async def release_decision(self, card_id: str) -> None:
        """Forget a decision whose action failed before it changed anything."""
        async with guard(self._redis):
            await self._redis.delete(keys.decision(card_id))

    async def get_card_and_decision(self, card_id: str) -> tuple[Card | None, Decision | None]:
        """Both in one round trip (the narrator needs them on every card edit)."""
        async with guard(self._redis):
            card_raw, decision_raw = await self._redis.mget(
                [keys.card(card_id), keys.decision(card_id)]
            )
        return (
            Card.model_validate_json(card_raw) if card_raw else None,
            Decision.model_validate_json(decision_raw) if decision_raw else None,
        )

    async def get_decision(self, card_id: str) -> Decision | None:
        async with guard(self._redis):
            raw = await self._redis.get(keys.decision(card_id))
        return Decision.model_validate_json(raw) if raw else None
