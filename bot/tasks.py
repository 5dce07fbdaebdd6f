"""Background work the bot owns: kept referenced, logged when it fails, awaited on shutdown.

Everything the bot runs in the background (the follow-up workers behind the acks, polls,
the scan, the heartbeat, the sweeper) is spawned here rather than with bare
``asyncio.create_task``, whose tasks can be garbage collected mid-flight and whose errors
vanish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

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
