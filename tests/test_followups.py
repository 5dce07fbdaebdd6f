"""bot.followups: work after the ack runs in order, a few at a time, in the request's context."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable

import pytest

from bot.followups import FollowUps
from bot.lull import Lull
from bot.tasks import TaskTracker

TICK = 0.001
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(TICK)


async def test_at_most_at_once_run_together_in_arrival_order() -> None:
    tasks = TaskTracker()
    followups = FollowUps(tasks, lull=Lull(settle=TICK), at_once=2)
    started: list[int] = []
    finish = asyncio.Event()

    def piece(n: int) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            started.append(n)
            await finish.wait()

        return lambda: asyncio.ensure_future(run())

    for n in range(5):
        followups.submit(piece(n), name=f"piece-{n}")
    await asyncio.wait_for(until(lambda: len(started) == 2), timeout=1)
    await asyncio.sleep(50 * TICK)  # a negative: give the workers every chance to start more
    assert started == [0, 1]
    assert len(followups) == 3
    finish.set()
    await asyncio.wait_for(until(lambda: len(started) == 5 and not len(tasks)), timeout=1)
    assert started == [0, 1, 2, 3, 4]


async def test_work_waits_for_the_request_and_keeps_its_context() -> None:
    tasks = TaskTracker()
    lull = Lull(settle=TICK)
    followups = FollowUps(tasks, lull=lull)
    seen: list[str] = []

    async def job() -> None:
        seen.append(request_id.get())

    with lull.request():
        token = request_id.set("r-1")
        followups.submit(job, name="job")
        request_id.reset(token)
        await asyncio.sleep(50 * TICK)
        assert seen == []  # the request is still being answered
    await asyncio.wait_for(until(lambda: bool(seen)), timeout=1)
    assert seen == ["r-1"]


async def test_a_failing_piece_is_logged_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    followups = FollowUps(TaskTracker(), lull=Lull(settle=TICK), at_once=1)
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    with caplog.at_level(logging.ERROR, logger="bot.followups"):
        followups.submit(broken, name="broken")
        followups.submit(fine, name="fine")
        await asyncio.wait_for(until(lambda: bool(ran)), timeout=1)
    assert "follow-up broken failed" in caplog.text


async def test_shutdown_runs_what_is_queued_and_refuses_new_work() -> None:
    tasks = TaskTracker()
    lull = Lull(settle=TICK)
    followups = FollowUps(tasks, lull=lull, at_once=1)
    ran: list[int] = []

    def piece(n: int) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            ran.append(n)

        return lambda: asyncio.ensure_future(run())

    with lull.request():  # a flood in progress: nothing would run yet
        for n in range(3):
            followups.submit(piece(n), name=f"piece-{n}")
        lull.open()
        await asyncio.wait_for(tasks.aclose(grace=1), timeout=2)
    assert ran == [0, 1, 2]
    followups.submit(piece(9), name="late")
    assert len(tasks) == 0
    await asyncio.sleep(50 * TICK)
    assert ran == [0, 1, 2]
