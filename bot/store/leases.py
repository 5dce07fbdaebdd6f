"""Leases in Redis: each watch is followed by exactly one replica at a time.

A lease is a key holding the owner's id with a short expiry. The owner renews it on a
heartbeat; when the owner dies the key expires and another replica claims it. Renewal
and release check the owner in a Lua script, so a replica can only touch its own lease.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterable
from typing import cast

from bot.store import keys, scripts
from bot.store.connect import Client
from bot.store.guard import guard


def lease_ttl(poll_interval: float) -> float:
    """How long a lease lasts unrenewed: a few poll intervals (at least a second), so a
    dead replica's watches are taken over soon, and a live one renews in time."""
    return max(3 * poll_interval, 1.0)


def replica_id() -> str:
    """A name for this process, unique across restarts: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leases:
    def __init__(self, client: Client, *, owner: str, ttl: float) -> None:
        self._redis = client
        self.owner = owner
        self.ttl = ttl
        self._claim = client.register_script(scripts.CLAIM_LEASE)
        self._renew = client.register_script(scripts.RENEW_LEASES)
        self._release = client.register_script(scripts.RELEASE)

    @property
    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl * 1000))

    async def claim(self, name: str) -> bool:
        """Take the lease if nobody holds it; True too if this replica holds it already."""
        async with guard(self._redis):
            return bool(await self._claim(keys=[keys.lease(name)], args=[self.owner, self._ttl_ms]))

    async def renew(self, names: Iterable[str]) -> set[str]:
        """Extend this replica's leases; return the names it no longer holds."""
        wanted = {keys.lease(n): n for n in names}
        if not wanted:
            return set()
        async with guard(self._redis):
            lost = await self._renew(keys=list(wanted), args=[self.owner, self._ttl_ms])
        return {wanted[str(k)] for k in cast(list[str], lost)}

    async def extend(self, name: str) -> bool:
        """Whether this replica holds the lease, extending it if so. A write, unlike
        ``holds``: where Redis refuses writes (a demoted primary still answers reads) it
        raises ``StoreUnavailableError`` rather than answer from what may be a past."""
        return name not in await self.renew([name])

    async def release(self, name: str) -> None:
        async with guard(self._redis):
            await self._release(keys=[keys.lease(name)], args=[self.owner])

    async def held(self, names: Iterable[str]) -> set[str]:
        """Which of ``names`` some replica holds now (one round trip)."""
        wanted = list(names)
        if not wanted:
            return set()
        async with guard(self._redis):
            owners = await self._redis.mget([keys.lease(n) for n in wanted])
        return {n for n, owner in zip(wanted, owners, strict=True) if owner}

    async def holds(self, name: str) -> bool:
        async with guard(self._redis):
            return await self._redis.get(keys.lease(name)) == self.owner
