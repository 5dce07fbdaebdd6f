"""Pin rounds: on one replica at a time (a lease of its own), every second or so, the
latest look at the fleet is read for pinned and in-progress rollbacks: reminders are due
(``bot.fleet.pin_reminders``), rollbacks made or settled outside the bot are told
(``bot.fleet.elsewhere``). All from the fleet view: no DigitalOcean call of their own."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.fleet.elsewhere import Elsewhere
from bot.fleet.fleet_view import FleetView
from bot.fleet.pin_reminders import PinReminders
from bot.fleet.rounds import LeasedRounds
from bot.store import keys
from bot.store.leases import Leases


class PinRounds(LeasedRounds):
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
        super().__init__(leases=leases, lease=keys.PIN_ROUNDS_LEASE, what="pin round")
        self._view = view
        self.reminders = reminders
        self.elsewhere = elsewhere
        self._idle_interval = idle_interval
        self._clock = clock

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
