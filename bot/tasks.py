"""Background work the bot owns: kept referenced, logged when it fails, awaited on shutdown;
and loops that repeat work until told to stop.

Everything the bot runs in the background (the follow-up workers behind the acks, polls,
the scan, the heartbeat, the sweeper) is spawned here rather than with bare
``asyncio.create_task``, whose tasks can be garbage collected mid-flight and whose errors
vanish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.errors import BotError

log = logging.getLogger(__name__)


class TaskTracker:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any] | None:
        if self._closing:
            coro.close()
            log.warning("not starting %s: shutting down", name)
            return None
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s failed", task.get_name(), exc_info=exc)

    async def aclose(self, *, grace: float = 10.0) -> None:
        """Let running work finish for ``grace`` seconds, then cancel what is left."""
        self._closing = True
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


async def repeat(
    work: Callable[[], Awaitable[object]], *, every: float, until: asyncio.Event, name: str = ""
) -> None:
    """Run ``work`` every ``every`` seconds until ``until`` is set, whatever it raises."""
    name = name or getattr(work, "__name__", "work")
    while not until.is_set():
        try:
            await work()
        except BotError as exc:
            # Redis is down or Slack refused: keep the loop, try again next time.
            log.warning("%s skipped: %s", name, exc.user_message)
        except Exception:
            # A bug must not end a loop that others depend on.
            log.exception("%s failed; trying again", name)
        if await pause(until, every):
            return


async def pause(until: asyncio.Event, seconds: float) -> bool:
    """Wait ``seconds``; True as soon as ``until`` is set."""
    try:
        await asyncio.wait_for(until.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
