"""Which failed watches had their failing log quoted: a claim per deployment in Redis.

Claimed with ``SET NX`` before the reply is posted, so no replica, retry or restart posts
it twice; a claim that cannot be written (Redis refusing) means nothing is posted.
"""

from __future__ import annotations

from bot.store import keys
from bot.store.connect import Client
from bot.store.guard import guard


class FailureLogClaims:
    def __init__(self, client: Client, *, owner: str) -> None:
        self._redis = client
        self._owner = owner

    async def claim(self, deployment_id: str) -> bool:
        """True for the one caller that may post ``deployment_id``'s log; raises
        ``StoreUnavailableError`` while Redis refuses."""
        async with guard(self._redis):
            taken = await self._redis.set(
                keys.failure_log(deployment_id),
                self._owner,
                nx=True,
                ex=keys.CARD_KEEP_SECONDS,
            )
        return bool(taken)
