"""Pacing polls (``bot.fleet.pacing``): pure scheduling, driven on a simulated clock."""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fleet.pacing import CATCH_UP, Pacer, Turn

LEAST = 5.0  # ROLLBACK_POLL_INTERVAL: the shortest time between two polls of one watch


@dataclass
class Drive:
    """Plays the watcher: sleeps as told (woken late by ``late()``), polls, reports done."""

    pacer: Pacer
    interval: float
    fair: float = math.inf  # the budget's interval; above ``interval`` it does not bind
    least: float | None = None  # the shortest time between two turns of one key
    now: float = 0.0
    late: Callable[[], float] = lambda: 0.0
    poll_time: Callable[[str], float] = lambda key: 0.0
    turns: list[tuple[float, Turn]] = field(default_factory=list)  # (taken at, turn)
    _ends: list[tuple[float, str]] = field(default_factory=list)

    def until(self, end: float) -> list[tuple[float, Turn]]:
        while self.now < end:
            while self._ends and self._ends[0][0] <= self.now:
                self.pacer.done(heapq.heappop(self._ends)[1])
            turn = self.pacer.next_turn(
                self.now, interval=self.interval, fair=self.fair, least=self.least
            )
            if isinstance(turn, Turn):
                self.turns.append((self.now, turn))
                heapq.heappush(self._ends, (self.now + self.poll_time(turn.key), turn.key))
                continue
            woken = min(turn, self._ends[0][0] - self.now if self._ends else math.inf)
            self.now += min(woken, end - self.now) + self.late()
        return self.turns

    def of(self, key: str) -> list[float]:
        return [taken for taken, turn in self.turns if turn.key == key]


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def paced(n: int, *, at: float = 0.0) -> Pacer:
    pacer = Pacer()
    for i in range(n):
        pacer.add(f"w{i}", at)
    return pacer


def test_turns_are_spread_evenly_and_each_watch_polled_once_per_interval() -> None:
    # Ten watches added at once, as when ten rollbacks are approved together.
    drive = Drive(paced(10), interval=10.0)
    turns = drive.until(100.0)
    times = [taken for taken, _ in turns]
    assert times == [float(i) for i in range(100)]
    for i in range(10):
        assert drive.of(f"w{i}") == [i + 10.0 * k for k in range(10)]


def test_a_new_watch_is_polled_at_the_next_turn_not_after_an_interval() -> None:
    pacer = paced(10)
    drive = Drive(pacer, interval=10.0)
    drive.until(55.5)
    pacer.add("new", drive.now)
    drive.until(100.0)
    first = drive.of("new")[0]
    assert 55.5 <= first <= 55.5 + 10.0 / 11
    assert len(pacer) == 11


def test_late_wake_ups_keep_turns_on_the_grid_and_the_rate_whole() -> None:
    rng = random.Random(7)
    # Every wake-up late by up to 90% of the gap between turns.
    drive = Drive(paced(50), interval=50.0, late=lambda: rng.uniform(0.0, 0.9))
    turns = drive.until(1000.0)
    assert all(turn.at == float(i) for i, (_, turn) in enumerate(turns))
    assert len(turns) >= 999  # a timer that restarted from each wake-up would manage ~690


def test_a_slow_poll_holds_up_no_other_watch_and_is_not_polled_twice_at_once() -> None:
    drive = Drive(paced(4), interval=4.0, poll_time=lambda key: 10.0 if key == "w0" else 0.1)
    drive.until(40.0)
    # While w0's first poll takes 10 s, the others keep their turns.
    assert [t for t in drive.of("w1") if t < 10.0] == [1.0, 5.0, 9.0]
    assert [t for t in drive.of("w3") if t < 10.0] == [3.0, 7.0]
    for key in ("w1", "w2", "w3"):
        # At worst one gap later when w0, overdue, takes the turn before theirs.
        assert all(4.0 <= g <= 5.0 for g in gaps(drive.of(key))), key
    slow = drive.of("w0")
    assert all(g >= 10.0 for g in gaps(slow))
    assert len(slow) >= 3


def test_after_a_stall_only_a_few_missed_turns_are_caught_up() -> None:
    pacer = paced(100)
    drive = Drive(pacer, interval=100.0)
    drive.until(50.0)
    stalled = 80.0  # the event loop was busy for 30 turns
    burst = []
    while isinstance(turn := pacer.next_turn(stalled, interval=100.0, fair=100.0), Turn):
        burst.append(turn.key)
    assert len(burst) == CATCH_UP + 1
    assert len(set(burst)) == len(burst)
    assert turn == 1.0  # then one gap to the next turn, as before the stall


def test_a_lone_watch_is_not_polled_twice_in_a_row_after_a_stall() -> None:
    pacer = paced(1)
    assert isinstance(pacer.next_turn(0.0, interval=5.0, fair=5.0), Turn)
    pacer.done("w0")
    assert isinstance(pacer.next_turn(30.0, interval=5.0, fair=5.0), Turn)
    pacer.done("w0")
    wait = pacer.next_turn(30.0, interval=5.0, fair=5.0)
    assert isinstance(wait, float) and wait >= 2.5


def test_finished_watches_leave_and_the_rest_keep_their_turns() -> None:
    pacer = paced(10)
    drive = Drive(pacer, interval=10.0)
    drive.until(20.0)
    for i in range(8):
        pacer.discard(f"w{i}")
    assert len(pacer) == 2 and "w0" not in pacer
    # Two watches left, polled every 10 s (a minimum interval) though the budget would
    # allow one every second: neither waits for the other, however close they are.
    drive.fair = 2.0
    drive.until(50.0)
    assert max(drive.of("w0")) < 20.0
    assert [t for t in drive.of("w8") if t >= 20.0] == [28.0, 38.0, 48.0]
    assert [t for t in drive.of("w9") if t >= 20.0] == [29.0, 39.0, 49.0]


def test_turns_are_spaced_by_the_budget_when_it_binds() -> None:
    # 4 watches; the budget allows them one poll each per 8 s: one turn per 2 s at most.
    drive = Drive(paced(4), interval=8.0, fair=8.0)
    drive.until(32.0)
    assert gaps([t for t, _ in drive.turns]) == [2.0] * 15


def test_polls_waiting_for_the_budget_hold_up_further_turns() -> None:
    pacer = Pacer(concurrency=3)
    for i in range(10):
        pacer.add(f"w{i}", 0.0)
    # Every poll hangs (DigitalOcean asked to pause): three start, then nothing more.
    drive = Drive(pacer, interval=10.0, poll_time=lambda key: 30.0)
    drive.until(29.0)
    assert [turn.key for _, turn in drive.turns] == ["w0", "w1", "w2"]
    drive.until(40.0)  # the pause ends: the rest follow one turn apart, not all at once
    assert [t for t, _ in drive.turns] == [0.0, 1.0, 2.0, 30.0, 31.0, 32.0]


def test_a_watch_that_ends_mid_poll_frees_its_place() -> None:
    pacer = Pacer(concurrency=1)
    pacer.add("a", 0.0)
    pacer.add("b", 0.0)
    first = pacer.next_turn(0.0, interval=10.0, fair=10.0)
    assert isinstance(first, Turn) and first.key == "a"
    assert pacer.next_turn(6.0, interval=10.0, fair=10.0) == math.inf  # a's poll holds on
    pacer.discard("a")  # that poll found the rollback finished
    assert pacer.next_turn(6.0, interval=10.0, fair=10.0) == 4.0  # b's turn, one gap on
    turn = pacer.next_turn(10.0, interval=10.0, fair=10.0)
    assert isinstance(turn, Turn) and turn.key == "b"
    assert len(pacer) == 1


def test_nothing_queued_means_wait_until_told() -> None:
    pacer = Pacer()
    assert pacer.next_turn(0.0, interval=5.0, fair=5.0) == math.inf
    pacer.add("w0", 0.0)
    turn = pacer.next_turn(0.0, interval=5.0, fair=5.0)
    assert isinstance(turn, Turn) and turn.key == "w0"
    assert pacer.next_turn(0.0, interval=5.0, fair=5.0) == math.inf  # its poll has not ended
    assert pacer.waiting() == []


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=30),
    seed=st.integers(min_value=0, max_value=2**16),
    lateness=st.floats(min_value=0.0, max_value=3.0),
    slowness=st.floats(min_value=0.0, max_value=3.0),
)
def test_never_more_turns_in_an_interval_than_watches_plus_the_catch_up(
    n: int, seed: int, lateness: float, slowness: float
) -> None:
    rng = random.Random(seed)
    interval = 10.0
    gap = interval / n
    drive = Drive(
        paced(n),
        interval=interval,
        fair=interval,
        late=lambda: rng.uniform(0.0, lateness * gap),
        poll_time=lambda key: rng.uniform(0.0, slowness * gap),
    )
    times = [taken for taken, _ in drive.until(20 * interval)]
    for i, start in enumerate(times):
        within = sum(1 for t in times[i:] if t < start + interval)
        assert within <= n + CATCH_UP + 1
    for key in (f"w{i}" for i in range(n)):
        assert all(g >= interval / 2 for g in gaps(drive.of(key))), key


def test_when_watches_finish_the_rest_are_polled_at_the_budgets_full_pace() -> None:
    # Fifty watches share a budget of one poll a second: each is polled every 50 s. When
    # half of them finish, the other half may be polled every 25 s. Were each watch due a
    # whole 50 s interval after its last turn, the survivors would wait that out and the
    # pacer would idle at half the budget's pace for a round.
    pacer = paced(50)
    drive = Drive(pacer, interval=50.0, fair=50.0, least=LEAST)
    drive.until(100.0)
    for i in range(0, 50, 2):
        pacer.discard(f"w{i}")
    drive.fair = drive.interval = 25.0
    turns = [taken for taken, _ in drive.until(150.0) if taken >= 100.0]
    assert len(turns) >= 49  # a turn a second
    assert max(gaps(turns)) <= 1.0 + 1e-9
