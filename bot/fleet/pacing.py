"""Poll pacing: which watch to poll next, and when, so a replica's polls form an even stream.

A replica polls each of its n watches once per ``interval``. Were every watch on its own
timer, rollbacks approved together would stay bunched: their polls arrive together,
queue on the shared DigitalOcean budget, and the last of each bunch waits longest (the
lag's p99) while the budget's busiest minute fills up. Instead turns are handed out at
most one per ``fair / n`` (``fair``: the interval the budget allows), each to the watch
due soonest; in a steady state that is round robin, every watch polled once per
interval at its own offset.

Times are absolute: a turn is due on a fixed grid, so a late wake-up or a slow poll
does not push later turns back, and the stream keeps its rate.

Pure scheduling: the caller passes the time and does the polling (``bot.fleet.watcher``).
"""

from __future__ import annotations

import heapq
import itertools
import math
from dataclasses import dataclass

# Turns missed during a stall of the event loop that are caught up back to back; the
# rest are forgiven, so a stall never turns into a burst of calls on the budget.
CATCH_UP = 8

# Polls of one replica under way at once. A poll waiting for a budget slot (the budget
# is full, or DigitalOcean asked everyone to pause) holds its turn; were turns handed
# out meanwhile, the waiting polls would all go at once when slots free up, and such a
# burst can fill DigitalOcean's window and bring on the next pause. Far above what an
# unhindered replica needs (polls take milliseconds to a second, turns come every 0.3 s
# at 250 calls a minute), far below the budget's headroom for commands.
CONCURRENCY = 16


@dataclass(frozen=True)
class Turn:
    key: str
    at: float  # when the turn was due, however late it was asked for


class Pacer:
    def __init__(self, *, concurrency: int = CONCURRENCY) -> None:
        self._concurrency = concurrency
        self._heap: list[tuple[float, int, str]] = []  # (due, sequence, key), lazily pruned
        self._queued: dict[str, int] = {}  # key → sequence number of its live heap entry
        self._polling: dict[str, float] = {}  # key being polled → when it is due next
        self._seq = itertools.count()
        self._last = -math.inf  # when the latest turn was due

    def __len__(self) -> int:
        return len(self._queued) + len(self._polling)

    def __contains__(self, key: object) -> bool:
        return key in self._queued or key in self._polling

    def waiting(self) -> list[str]:
        """The keys not being polled right now."""
        return list(self._queued)

    def add(self, key: str, now: float) -> None:
        """Queue ``key`` for the next free turn: a new or taken-over watch has waited enough
        (ahead of keys that are overdue, which a budget that binds leaves them all)."""
        if key not in self:
            head = self._head()
            self._push(key, now if head is None else min(now, head[0]))

    def discard(self, key: str) -> None:
        self._queued.pop(key, None)  # its heap entry is dropped when it surfaces
        self._polling.pop(key, None)

    def done(self, key: str) -> None:
        """The poll of ``key`` ended: it queues for its next turn."""
        due = self._polling.pop(key, None)
        if due is not None:
            self._push(key, due)

    def next_turn(
        self, now: float, *, interval: float, fair: float, least: float | None = None
    ) -> Turn | float:
        """The turn to take now, or the seconds until one is due (``inf``: none queued,
        or as many polls under way as allowed: ask again after ``done`` or ``discard``).

        Each key is due ``least`` (by default ``interval``) after its last turn; turns
        come at least ``fair / n`` apart, ``fair`` being the interval the budget allows
        these n keys (at most ``interval``). Spacing by the budget rather than by
        ``interval`` keeps the survivors on time when watches finish while a minimum
        interval holds. With ``least`` below ``interval`` (the budget binds) every key is
        soon overdue and turns go round robin at the budget's pace, so keys that came in
        a bunch spread out in one round instead of keeping their bunch, and the pacer
        never idles while the budget has room.

        The key of a turn is not handed out again until ``done(key)``: one poll of a
        watch at a time, however long it takes.
        """
        head = self._head()
        if head is None or len(self._polling) >= self._concurrency:
            return math.inf
        due, _, key = head
        gap = min(fair, interval) / len(self)
        at = max(due, self._last + gap)
        if at > now:
            return at - now
        # Never more than one interval behind, or one watch would be polled twice in a row.
        least = interval if least is None else least
        at = max(at, now - min(CATCH_UP * gap, least))
        heapq.heappop(self._heap)
        del self._queued[key]
        self._last = at
        # Due again ``least`` after this turn was due; a turn taken very late still
        # leaves the watch half that before its next one.
        self._polling[key] = max(at + least, now + least / 2)
        return Turn(key, at)

    def _head(self) -> tuple[float, int, str] | None:
        while self._heap:
            due, seq, key = self._heap[0]
            if self._queued.get(key) == seq:
                return due, seq, key
            heapq.heappop(self._heap)
        return None

    def _push(self, key: str, due: float) -> None:
        seq = next(self._seq)
        self._queued[key] = seq
        heapq.heappush(self._heap, (due, seq, key))
