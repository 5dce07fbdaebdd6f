"""How often each watch is polled: once per poll interval, stretched when many rollbacks
run at once so that every replica's polls of every watch together stay within the poll
share of the DigitalOcean budget."""

from __future__ import annotations

from bot.digitalocean.budget import RateBudget


class FairShare:
    def __init__(self, budget: RateBudget, *, poll_interval: float) -> None:
        self._budget = budget
        self.poll_interval = poll_interval
        # Polls a second all replicas may make: the poll share of the tighter of
        # DigitalOcean's two windows (the hour, unless the bot's settings say otherwise),
        # read again at every scan as other tools' use of the token changes it.
        self._rate = budget.static_poll_rate()
        self.active = 0
        """Unfinished watches, on every replica, as of the last scan and since."""

    @property
    def interval(self) -> float:
        """Seconds between two polls of one watch, given how many watches run in all."""
        return max(self.poll_interval, self.fair)

    @property
    def fair(self) -> float:
        """The interval the budget allows: all replicas together poll each watch once.

        Paced at the hourly rate even when the hour is still empty: polls that ran ahead
        at the minute's pace would fill the hour in twenty minutes and then stop for forty.
        """
        return self.active / self._rate

    async def read_rate(self) -> None:
        """Read again what the budget leaves the polls."""
        self._rate = await self._budget.poll_rate()

    def finished(self) -> None:
        """One watch fewer in all, at once: waiting for the next scan to learn it would
        space the remaining polls too far apart meanwhile."""
        self.active = max(0, self.active - 1)
