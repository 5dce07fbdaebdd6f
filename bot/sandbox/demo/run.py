"""Running the sandbox: one uvicorn server, one event loop, Redis found or started.

``run`` is what ``rollback-bot demo`` calls; ``Demo`` is the served sandbox on its own,
which tests run on a free port in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
from collections.abc import Generator

import uvicorn

from bot.entrypoints.tcp import SignalFreeServer, listen
from bot.errors import ListenError
from bot.sandbox.demo.app import Sandbox, create_sandbox
from bot.sandbox.demo.config import DemoOptions
from bot.sandbox.demo.redis_choice import demo_redis


class PortInUse(Exception):
    """The chosen port is taken; the message is one sentence for the user."""


class _Server(SignalFreeServer):
    """``run`` handles signals: the private redis-server must be stopped first."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = asyncio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()  # uvicorn has no start-up callback; ``started`` says how it went


class Demo:
    """The sandbox bound to a port (``port=0``: any free one), ready to ``serve``."""

    def __init__(
        self, options: DemoOptions, *, redis_url: str, sock: socket.socket | None = None
    ) -> None:
        self.socket = sock or bind(options.host, options.port)
        port = int(self.socket.getsockname()[1])
        # The bot calls the stand-ins on loopback whatever address the page is served on.
        self.url = f"http://127.0.0.1:{port}"
        self.browser_url = f"http://localhost:{port}"
        self.sandbox: Sandbox = create_sandbox(options, base_url=self.url, redis_url=redis_url)
        config = uvicorn.Config(
            self.sandbox.app,
            lifespan="on",
            log_level="warning",
            access_log=False,  # the page polls twice a second
            timeout_graceful_shutdown=5,
        )
        self.server = _Server(config)

    @property
    def started(self) -> bool:
        return self.server.started

    async def serve(self) -> None:
        try:
            await self.server.serve(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        """Ask the server to shut down (thread-safe: it only sets uvicorn's flags)."""
        if self.server.should_exit:
            self.server.force_exit = True
        self.server.should_exit = True


async def run(options: DemoOptions, *, redis_env_url: str | None) -> None:
    """Serve the demo until Ctrl-C or SIGTERM; raises ``RedisUnavailable``/``PortInUse``."""
    # The bot polls the simulator every second; a log line per request would bury the
    # bot's own lines (commands, clicks, audit events) that show what it is doing.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    sock = bind(options.host, options.port)  # a taken port is reported before Redis starts
    async with demo_redis(redis_env_url) as redis_url:
        demo = Demo(options, redis_url=redis_url, sock=sock)
        with _stop_on_signals(demo):
            task = asyncio.create_task(demo.serve())
            await _announce_when_started(demo, task)
            await task
    print("The rollback-bot demo has stopped.", flush=True)


async def _announce_when_started(demo: Demo, task: asyncio.Task[None]) -> None:
    ready = asyncio.create_task(demo.server.ready.wait())
    await asyncio.wait({ready, task}, return_when=asyncio.FIRST_COMPLETED)
    ready.cancel()
    if demo.started:
        print(
            f"\nThe rollback-bot demo is running: open {demo.browser_url}  (Ctrl-C stops it)\n",
            flush=True,
        )


@contextlib.contextmanager
def _stop_on_signals(demo: Demo) -> Generator[None, None, None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM)
    try:
        for sig in handled:
            loop.add_signal_handler(sig, demo.stop)
    except NotImplementedError:  # Windows: Ctrl-C arrives as KeyboardInterrupt instead
        pass
    try:
        yield
    finally:
        for sig in handled:
            with contextlib.suppress(NotImplementedError, ValueError):
                loop.remove_signal_handler(sig)


def bind(host: str, port: int) -> socket.socket:
    try:
        return listen(host, port)
    except ListenError as exc:
        raise PortInUse(exc.user_message) from None
