"""Pin rounds: on one replica at a time (a lease of its own), every second or so, the
latest look at the fleet is read for pinned and in-progress rollbacks: reminders are due
(``bot.fleet.pin_reminders``), rollbacks made or settled outside the bot are told
(``bot.fleet.elsewhere``). All from the fleet view: no DigitalOcean call of their own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.errors import BotError
from bot.fleet.elsewhere import Elsewhere
from bot.fleet.fleet_view import FleetView
from bot.fleet.pin_reminders import PinReminders
from bot.store import keys
from bot.store.leases import Leases

log = logging.getLogger(__name__)

ROUND_SECONDS = 1.0
"""The most a reminder waits past its age (the ages are minutes and hours)."""


class PinRounds:
    def __init__(
        self,
        *,
        view: FleetView,
        leases: Leases,
        reminders: PinReminders,
        elsewhere: Elsewhere,
        idle_interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._view = view
        self._leases = leases
        self.reminders = reminders
        self.elsewhere = elsewhere
        self._idle_interval = idle_interval
        self._clock = clock
        self._stopping = asyncio.Event()

    @property
    def every(self) -> float:
        return min(ROUND_SECONDS, self._leases.ttl / 3)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Take the rounds while this replica holds the lease, until ``stop``."""
        try:
            while not self._stopping.is_set():
                try:
                    await self.turn()
                except BotError as exc:
                    log.warning("pin round skipped: %s", exc.user_message)
                except Exception:
                    log.exception("pin round failed; trying again")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.every)
        finally:
            with contextlib.suppress(BotError):
                await self._leases.release(keys.PIN_ROUNDS_LEASE)

    async def turn(self) -> bool:
        """One round, if this replica holds the lease and a look is fresh; whether it ran."""
        if not await self._leases.claim(keys.PIN_ROUNDS_LEASE):
            return False
        look = await self._view.look()
        apps = await self._view.listed(idle_interval=self._idle_interval)
        if look is None or apps is None:
            return False  # nobody takes looks: who is pinned is not known now
        await self.reminders.round(apps, now=self._clock())
        await self.elsewhere.round(apps, look)
        return True
