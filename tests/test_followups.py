"""bot.runtime.followups: work after the ack runs a few at a time, clicks first, then commands, each
in arrival order and in the request's context; one person holds a few places at most."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable

import pytest

from bot.runtime.followups import AT_ONCE, FollowUps
from bot.runtime.request_lull import Lull
from bot.slack.work_queue import Priority
from bot.tasks import TaskTracker

TICK = 0.001
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(TICK)


def queue(*, at_once: int = AT_ONCE, lull: Lull | None = None) -> tuple[TaskTracker, FollowUps]:
    """A follow-up queue and the tracker of its tasks."""
    tasks = TaskTracker()
    return tasks, FollowUps(tasks, lull=lull or Lull(quiet_for=TICK), at_once=at_once)


class Pieces:
    """Pieces of work that note when they start (by label) and then, while held, wait for
    ``finish``."""

    def __init__(self, *, held: bool = True) -> None:
        self.started: list[object] = []
        self.finish = asyncio.Event()
        if not held:
            self.finish.set()

    def __call__(self, label: object) -> Callable[[], asyncio.Future[None]]:
        async def run() -> None:
            self.started.append(label)
            await self.finish.wait()

        return lambda: asyncio.ensure_future(run())


async def test_at_most_at_once_run_together_in_arrival_order() -> None:
    tasks, followups = queue(at_once=2)
    piece = Pieces()
    for n in range(5):
        followups.submit(piece(n), name=f"piece-{n}")
    await asyncio.wait_for(until(lambda: len(piece.started) == 2), timeout=1)
    await asyncio.sleep(50 * TICK)  # a negative: give the workers every chance to start more
    assert piece.started == [0, 1]
    assert len(followups) == 3
    piece.finish.set()
    await asyncio.wait_for(until(lambda: len(piece.started) == 5 and not len(tasks)), timeout=1)
    assert piece.started == [0, 1, 2, 3, 4]


async def test_work_waits_for_the_request_and_keeps_its_context() -> None:
    lull = Lull(quiet_for=TICK)
    _, followups = queue(lull=lull)
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
    _, followups = queue(at_once=1)
    ran: list[str] = []

    async def broken() -> None:
        raise RuntimeError("boom")

    async def fine() -> None:
        ran.append("fine")

    with caplog.at_level(logging.ERROR, logger="bot.runtime.followups"):
        followups.submit(broken, name="broken")
        followups.submit(fine, name="fine")
        await asyncio.wait_for(until(lambda: bool(ran)), timeout=1)
    assert "follow-up broken failed" in caplog.text


async def test_shutdown_runs_what_is_queued_and_refuses_new_work() -> None:
    lull = Lull(quiet_for=TICK)
    tasks, followups = queue(at_once=1, lull=lull)
    piece = Pieces(held=False)
    with lull.request():  # a flood in progress: nothing would run yet
        for n in range(3):
            followups.submit(piece(n), name=f"piece-{n}")
        lull.open()
        await asyncio.wait_for(tasks.aclose(grace=1), timeout=2)
    assert piece.started == [0, 1, 2]
    followups.submit(piece(9), name="late")
    assert len(tasks) == 0
    await asyncio.sleep(50 * TICK)
    assert piece.started == [0, 1, 2]


async def test_clicks_go_ahead_of_commands_and_each_kind_keeps_its_order() -> None:
    tasks, followups = queue(at_once=1)
    piece = Pieces()
    followups.submit(piece("command-1"), name="command-1")
    await asyncio.wait_for(until(lambda: bool(piece.started)), timeout=1)  # the only worker is busy
    for label in ("command-2", "click-1", "command-3", "click-2"):
        urgent = Priority.CLICK if label.startswith("click") else Priority.COMMAND
        followups.submit(piece(label), name=label, priority=urgent)
    assert len(followups) == 4
    piece.finish.set()
    await asyncio.wait_for(until(lambda: len(piece.started) == 5 and not len(tasks)), timeout=1)
    assert piece.started == ["command-1", "click-1", "click-2", "command-2", "command-3"]


async def test_one_owner_has_at_most_limit_pieces_queued_or_running() -> None:
    tasks, followups = queue(at_once=1)
    piece = Pieces()
    assert followups.submit(piece("alice-1"), name="a1", owner="alice", limit=2)
    await asyncio.wait_for(until(lambda: piece.started == ["alice-1"]), timeout=1)
    assert followups.submit(piece("alice-2"), name="a2", owner="alice", limit=2)
    # Running or queued, both count: a third is refused and nothing of it is queued.
    assert followups.held("alice") == 2
    assert not followups.submit(piece("alice-3"), name="a3", owner="alice", limit=2)
    assert len(followups) == 1
    assert followups.submit(piece("bob-1"), name="b1", owner="bob", limit=2)
    piece.finish.set()
    await asyncio.wait_for(until(lambda: not len(tasks)), timeout=1)
    assert piece.started == ["alice-1", "alice-2", "bob-1"]
    assert followups.held("alice") == followups.held("bob") == 0
    assert followups.submit(piece("alice-4"), name="a4", owner="alice", limit=2)


async def test_a_failing_piece_gives_its_owner_the_place_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks, followups = queue(at_once=1)

    async def broken() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.runtime.followups"):
        assert followups.submit(broken, name="broken", owner="alice", limit=1)
        assert not followups.submit(broken, name="refused", owner="alice", limit=1)
        await asyncio.wait_for(until(lambda: not len(tasks)), timeout=1)
    assert "follow-up broken failed" in caplog.text
    assert "refused" not in caplog.text
    assert followups.held("alice") == 0
