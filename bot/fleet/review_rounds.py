"""Review rounds: on one replica at a time (a lease of its own), every second or so, the
open break-glass reviews are read and reminded in their threads at a third and two
thirds of ``review_within``, and louder (naming the app's approvers) when it passes;
each reminder once, across replicas and restarts (a claim per review and step)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bot.domain.policy import Policy, who
from bot.domain.reviews import Review, Step, reached
from bot.errors import SlackError
from bot.fleet.rounds import LeasedRounds
from bot.slack.blockkit import reviews as review_blocks
from bot.slack.client import Chat
from bot.slack.pace import ChannelPace
from bot.store import keys
from bot.store.leases import Leases
from bot.store.pin_claims import PinClaims
from bot.store.reviews import Reviews

log = logging.getLogger(__name__)


def reminder_key(review: Review, step: Step) -> str:
    return keys.review_reminder(f"{review.card_id}:{step.value}")


class ReviewRounds(LeasedRounds):
    def __init__(
        self,
        *,
        reviews: Reviews,
        claims: PinClaims,
        leases: Leases,
        chat: Chat,
        pace: ChannelPace,
        policy: Policy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(leases=leases, lease=keys.REVIEW_ROUNDS_LEASE, what="review round")
        self._reviews = reviews
        self._claims = claims
        self._chat = chat
        self._pace = pace
        self._policy = policy
        self._clock = clock

    async def turn(self) -> int:
        """One round, if this replica holds the lease: how many reminders were posted."""
        if not await self._leases.claim(keys.REVIEW_ROUNDS_LEASE):
            return 0
        now = self._clock()
        posted = 0
        for review in await self._reviews.open_reviews():
            step = reached(review, now)
            if step is not None:
                posted += await self._remind(review, step, now)
        return posted

    async def _remind(self, review: Review, step: Step, now: float) -> int:
        key = reminder_key(review, step)
        if not await self._claims.claim(key, ttl=int(review.within) + keys.CARD_KEEP_SECONDS):
            return 0
        rule = self._policy.rule_for(app_name=review.app_name, app_id=review.app_id)
        message = review_blocks.reminder(review, step, now=now, approvers=who(rule.approvers))
        try:
            await self._pace.wait(review.channel)
            ts = await self._chat.post(review.channel, message, thread_ts=review.thread_ts)
        except SlackError as exc:
            await self._claims.release(key)  # nothing was posted: the next round tries again
            log.warning("review reminder of %s not posted: %s", review.card_id, exc.user_message)
            return 0
        await self._claims.posted(key, ts)
        return 1
