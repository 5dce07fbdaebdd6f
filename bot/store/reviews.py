"""Break-glass reviews in Redis: opened once per card, listed by due time while open,
acknowledged exactly once (the first writer wins, as a card's decision does)."""

from __future__ import annotations

from bot.domain.reviews import Acknowledgement, Review
from bot.store import keys
from bot.store.connect import Client
from bot.store.guard import guard
from bot.store.records_base import readable

# KEYS: review, open set; ARGV: review JSON, card id, due time. 1 when opened now.
_OPEN = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  return 1
end
return 0
"""

# KEYS: acknowledgement, open set, review; ARGV: acknowledgement JSON, keep seconds, card
# id. nil when this call acknowledged it, else the acknowledgement already taken.
_ACKNOWLEDGE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[3], ARGV[2])
  return nil
end
return redis.call('GET', KEYS[1])
"""


class Reviews:
    def __init__(self, client: Client) -> None:
        self._redis = client
        self._open = client.register_script(_OPEN)
        self._acknowledge = client.register_script(_ACKNOWLEDGE)

    async def open(self, review: Review) -> bool:
        """Record and list ``review``; False when the card already has one."""
        async with guard(self._redis):
            opened = await self._open(
                keys=[keys.review(review.card_id), keys.OPEN_REVIEWS],
                args=[review.model_dump_json(), review.card_id, review.due_at],
            )
        return bool(opened)

    async def replied(self, review: Review) -> None:
        """Remember the review reply's ts (only its opener writes the review after that)."""
        async with guard(self._redis):
            await self._redis.set(keys.review(review.card_id), review.model_dump_json(), xx=True)

    async def get(self, card_id: str) -> Review | None:
        async with guard(self._redis):
            raw = await self._redis.get(keys.review(card_id))
        return Review.model_validate_json(raw) if raw else None

    async def open_reviews(self, *, limit: int = 100) -> list[Review]:
        """The open reviews, the soonest due first."""
        async with guard(self._redis):
            ids = [str(i) for i in await self._redis.zrange(keys.OPEN_REVIEWS, 0, limit - 1)]
            raws = await self._redis.mget([keys.review(i) for i in ids]) if ids else []
        return readable(Review, raws)

    async def acknowledge(
        self, review: Review, ack: Acknowledgement
    ) -> tuple[bool, Acknowledgement]:
        """Take the acknowledgement unless someone did: whether this call won, and the
        acknowledgement in force."""
        async with guard(self._redis):
            raw = await self._acknowledge(
                keys=[
                    keys.review_ack(review.card_id),
                    keys.OPEN_REVIEWS,
                    keys.review(review.card_id),
                ],
                args=[ack.model_dump_json(), keys.CARD_KEEP_SECONDS, review.card_id],
            )
        if raw is None:
            return True, ack
        return False, Acknowledgement.model_validate_json(raw)
