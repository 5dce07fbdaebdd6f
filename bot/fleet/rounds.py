"""Rounds taken on one replica at a time: a lease of their own, a turn every second or so,
and no exception that ends them (``PinRounds``, ``ReviewRounds``)."""

from __future__ import annotations

import asyncio
import contextlib

from bot.errors import BotError
from bot.store.leases import Leases
from bot.tasks import repeat

ROUND_SECONDS = 1.0
"""The most a reminder waits past its time (the times are minutes and hours)."""


class LeasedRounds:
    def __init__(self, *, leases: Leases, lease: str, what: str) -> None:
        self._leases = leases
        self._lease = lease
        self._what = what
        self._stopping = asyncio.Event()

    @property
    def every(self) -> float:
        return min(ROUND_SECONDS, self._leases.ttl / 3)

    def stop(self) -> None:
        self._stopping.set()

    async def turn(self) -> object:
        raise NotImplementedError

    async def run(self) -> None:
        """Take the rounds while this replica holds the lease, until ``stop``."""
        try:
            await repeat(self.turn, every=self.every, until=self._stopping, name=self._what)
        finally:
            with contextlib.suppress(BotError):
                await self._leases.release(self._lease)
