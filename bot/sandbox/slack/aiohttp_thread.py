"""An aiohttp application served on a loopback port from a thread and event loop of its own.

For stand-ins that speak WebSocket (Slack's Socket Mode): uvicorn serves WebSockets only
with the ``websockets`` or ``wsproto`` package, and aiohttp is already a dependency of the
bot (slack_sdk's Socket Mode client).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from aiohttp import web

T = TypeVar("T")


class AiohttpThread:
    def __init__(self, app: web.Application, *, name: str) -> None:
        self.name = name
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{self.name} did not start")

    def stop(self, before: Callable[[], Coroutine[Any, Any, None]] | None = None) -> None:
        """Stop serving; ``before`` runs on the server's loop first (closing sockets, say)."""

        async def shutdown() -> None:
            if before is not None:
                await before()
            await self._runner.cleanup()

        self.run(shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self.sock.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on the server's loop and wait for its result (10 s at most)."""
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, self.sock).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()
