"""bot.runtime.request_lull: follow-up work waits while requests are being answered, but not
forever."""

from __future__ import annotations

import asyncio

from bot.runtime.request_lull import Lull

TICK = 0.001  # the lull's real polling period in these tests


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make(clock: Clock, *, longest: float = 10.0) -> Lull:
    return Lull(quiet_for=TICK, longest=longest, clock=clock)


async def still_waiting(task: asyncio.Task[None]) -> bool:
    # A negative can only be shown by giving the lull's ticker many chances to act.
    await asyncio.sleep(50 * TICK)
    return not task.done()


async def test_no_requests_means_no_wait() -> None:
    lull = make(Clock())
    await asyncio.wait_for(lull.wait(), timeout=1)
    assert lull.waiting == 0


async def test_work_waits_for_the_request_to_end_and_settle() -> None:
    clock = Clock()
    lull = make(clock)
    with lull.request():
        waiter = asyncio.create_task(lull.wait())
        assert await still_waiting(waiter)
        assert lull.waiting == 1
    # Just finished: not yet a lull.
    assert await still_waiting(waiter)
    clock.now += TICK
    await asyncio.wait_for(waiter, timeout=1)
    assert lull.waiting == 0


async def test_a_flood_delays_work_at_most_longest() -> None:
    clock = Clock()
    lull = make(clock, longest=2.0)
    with lull.request():
        first = asyncio.create_task(lull.wait())
        assert await still_waiting(first)
        clock.now += 1.0
        second = asyncio.create_task(lull.wait())
        assert await still_waiting(first)
        clock.now += 1.0  # the first has waited 2 s, the second 1 s
        await asyncio.wait_for(first, timeout=1)
        assert await still_waiting(second)
        clock.now += 1.0
        await asyncio.wait_for(second, timeout=1)


async def test_open_releases_everyone_and_stops_waiting() -> None:
    lull = make(Clock())
    with lull.request():
        waiters = [asyncio.create_task(lull.wait()) for _ in range(3)]
        assert await still_waiting(waiters[0])
        lull.open()
        await asyncio.wait_for(asyncio.gather(*waiters), timeout=1)
        await asyncio.wait_for(lull.wait(), timeout=1)  # still inside a request


async def test_a_cancelled_waiter_does_not_hold_up_the_others() -> None:
    clock = Clock()
    lull = make(clock)
    with lull.request():
        gone = asyncio.create_task(lull.wait())
        kept = asyncio.create_task(lull.wait())
        assert await still_waiting(kept)
        gone.cancel()
        assert lull.waiting == 1
    clock.now += TICK
    await asyncio.wait_for(kept, timeout=1)
    assert gone.cancelled()
