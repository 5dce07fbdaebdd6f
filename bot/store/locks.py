"""Per-app locks in Redis: one rollback of an app at a time, across every replica.

Claimed with ``SET NX EX`` (atomic, and expiring so a crashed owner cannot hold an app
forever); released with a compare-and-delete script so only the owner can release it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard


@dataclass(frozen=True)
class Claim:
    """What claiming an app's lock came to."""

    taken: bool
    """Whether the claiming owner holds the lock now."""
    holder: str = ""
    """Who holds it instead when not taken; "" if it lapsed between the two reads."""


class AppLocks:
    def __init__(self, client: Client) -> None:
        self._redis = client
        self._release = client.register_script(scripts.RELEASE)

    async def claim(self, app_id: str, owner: str, *, ttl: int) -> Claim:
        """Take the app's lock for ``owner``, or say who holds it.

        Taking it again for the same owner succeeds: a claim whose answer was lost (Redis
        went away after taking it) must not lock its own owner out."""
        async with guard(self._redis):
            if await self._redis.set(keys.app_lock(app_id), owner, nx=True, ex=ttl):
                return Claim(taken=True)
            holder = await self._redis.get(keys.app_lock(app_id))
        if holder == owner:
            return Claim(taken=True)
        return Claim(taken=False, holder=str(holder) if holder else "")

    async def release(self, app_id: str, owner: str) -> bool:
        async with guard(self._redis):
            released = await self._release(keys=[keys.app_lock(app_id)], args=[owner])
        return bool(cast(int, released))

    async def holder(self, app_id: str) -> str | None:
        async with guard(self._redis):
            value = await self._redis.get(keys.app_lock(app_id))
        return str(value) if value else None
