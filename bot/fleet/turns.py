"""Whose turn it is: which look each watch followed here has had its turn on, and when.

A watch's turn comes when a new look at the fleet is in (``bot.fleet.looker``), or, should
none come, every other interval the budget allows. Which looks the turns were on is told
to Redis, for the look-taker waits for them before replacing a look.
"""

from __future__ import annotations

import logging
import math

from bot.errors import BotError
from bot.fleet.fair_share import FairShare
from bot.fleet.fleet_view import FleetView, look_tick

log = logging.getLogger(__name__)


class Turns:
    def __init__(self, *, view: FleetView, share: FairShare) -> None:
        self._view = view
        self._share = share
        self._seen: dict[str, int] = {}  # the seq of the look each watch's latest turn saw
        self._turned: dict[str, float] = {}  # when each watch's latest turn began
        self._read: dict[str, int] = {}  # turns ended since the last tick: watch → look seq
        self._gone: set[str] = set()  # watches let go of since the last tick

    @property
    def tick(self) -> float:
        """How often to ask Redis whether a new look is in."""
        return look_tick(self._share.poll_interval)

    def add(self, dep: str) -> None:
        """A watch followed from now on: its first turn is due at once."""
        self._seen[dep] = -1
        self._turned[dep] = -math.inf

    def due(self, dep: str, seq: int | None, now: float) -> bool:
        if seq is not None and seq > self._seen[dep]:
            return True
        # No new look: a turn anyway now and then, reading DigitalOcean at the budget's pace.
        return now - self._turned[dep] >= 2 * self._share.interval

    def begin(self, dep: str, seq: int | None, now: float) -> None:
        if seq is not None:
            self._seen[dep] = seq
        self._turned[dep] = now

    def ended(self, dep: str) -> None:
        """The watch's turn is over: the look it was on is recorded at the next tick."""
        if self._seen.get(dep, -1) >= 0:
            self._read[dep] = self._seen[dep]

    def drop(self, dep: str) -> None:
        """The watch is no longer followed here."""
        self._gone.add(dep)
        self._read.pop(dep, None)
        self._seen.pop(dep, None)
        self._turned.pop(dep, None)

    async def latest(self) -> int | None:
        """The seq of the latest look, after recording the turns ended since the last
        tick; None when there is none, or Redis cannot say."""
        await self._record()
        try:
            look = await self._view.look()
        except BotError as exc:
            log.debug("no look read: %s", exc.user_message)
            return None
        return look.seq if look is not None else None

    async def _record(self) -> None:
        read, gone = self._read, self._gone
        if not read and not gone:
            return
        self._read, self._gone = {}, set()
        try:
            await self._view.mark_read(read, gone)
        except BotError as exc:  # the look-taker waits an interval at most: nothing lost
            log.debug("turns not recorded: %s", exc.user_message)
