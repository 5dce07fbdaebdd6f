"""Socket Mode: the WebSocket the stand-in serves, and the helpers tests use.

``with slack.socket_mode():`` serves the WebSocket. ``apps.connections.open`` answers with
"a temporary Socket Mode WebSocket URL"
(https://docs.slack.dev/reference/methods/apps.connections.open/): here each URL admits
one connection and is refused after that (``invalid_ticket``), or at once when a test
expired it (``expire_next``). A connection is greeted with a ``hello`` envelope; a test
``push``es envelopes and reads the acks the bot sends back.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from aiohttp import WSCloseCode, WSMsgType, web

from bot.sandbox.slack.aiohttp_thread import AiohttpThread

T = TypeVar("T")


class SocketMode:
    """Socket Mode helpers, mixed into ``FakeSlack`` (which provides what is declared here)."""

    acks: list[dict[str, Any]]
    socket_urls: Callable[[], str] | None
    tickets_refused: list[int]
    tickets_connected: list[int]
    _socket: SocketServer | None

    def changed(self, change: Callable[[], object]) -> None:
        raise NotImplementedError

    def wait_for(self, probe: Callable[[], T | None], *, timeout: float = 10.0) -> T:
        raise NotImplementedError

    @contextmanager
    def socket_mode(self) -> Iterator[Self]:
        """Serve the Socket Mode WebSocket for the duration of the block."""
        server = SocketServer(self)
        self._socket = server.start()
        self.socket_urls = server.issue
        try:
            yield self
        finally:
            self._socket = None
            self.socket_urls = None
            server.stop()

    def _served(self) -> SocketServer:
        if self._socket is None:
            raise AssertionError("Socket Mode is not being served")
        return self._socket

    def socket_open(self) -> int:
        """How many Socket Mode connections are open now."""
        return len(self._socket.open_tickets()) if self._socket is not None else 0

    def open_tickets(self) -> list[int]:
        """The numbers of the URLs whose connection is open, in order."""
        return self._served().open_tickets()

    def expire_next(self, count: int = 1) -> None:
        """The next ``count`` URLs handed out are dead by the time anyone uses them."""
        self._served().expire_next(count)

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver an envelope (``slash_commands``, ``interactive``) on the newest connection."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": True,
            "retry_attempt": 0,
            "retry_reason": "",
        }
        self._served().send(envelope, every=False)
        return envelope_id

    def send_all(self, envelope: dict[str, Any]) -> None:
        """Send an envelope (``disconnect``, say) on every open connection."""
        self._served().send(envelope, every=True)

    def close_sockets(self) -> None:
        """Close every open connection from Slack's side."""
        self._served().close_all()

    def wait_ack(self, envelope_id: str, *, timeout: float = 10.0) -> dict[str, Any]:
        return self.wait_for(
            lambda: next((a for a in self.acks if a.get("envelope_id") == envelope_id), None),
            timeout=timeout,
        )


class SocketServer:
    """The Socket Mode WebSocket, on aiohttp in its own thread and event loop.

    Not a Starlette route: uvicorn serves WebSockets only with the ``websockets`` or
    ``wsproto`` package, and aiohttp is already a dependency of the bot (slack_sdk's
    Socket Mode client).
    """

    def __init__(self, fake: SocketMode) -> None:
        self._fake = fake
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._usable: set[int] = set()
        self._expire = 0
        self._open: dict[int, web.WebSocketResponse] = {}
        app = web.Application()
        app.router.add_get("/link/", self._connection)
        self._server = AiohttpThread(app, name="the Socket Mode server")

    def start(self) -> SocketServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(before=self._close_all)

    def issue(self) -> str:
        """A new single-use URL (``apps.connections.open``'s answer)."""
        with self._lock:
            ticket = next(self._numbers)
            if self._expire:
                self._expire -= 1
            else:
                self._usable.add(ticket)
        return f"ws://127.0.0.1:{self._server.port}/link/?ticket={ticket}"

    def expire_next(self, count: int) -> None:
        with self._lock:
            self._expire += count

    def open_tickets(self) -> list[int]:
        return sorted(self._open)

    def send(self, envelope: dict[str, Any], *, every: bool) -> None:
        async def deliver() -> None:
            if not self._open:
                raise AssertionError("the bot has no Socket Mode connection open")
            sockets = list(self._open.values())
            for ws in sockets if every else sockets[-1:]:
                await ws.send_str(json.dumps(envelope))

        self._server.run(deliver())

    def close_all(self) -> None:
        self._server.run(self._close_all())

    async def _close_all(self) -> None:
        for ws in list(self._open.values()):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    async def _connection(self, request: web.Request) -> web.StreamResponse:
        ticket = int(request.query.get("ticket", "0"))
        with self._lock:
            usable = ticket in self._usable
            self._usable.discard(ticket)  # single use
        if not usable:
            self._fake.changed(functools.partial(self._fake.tickets_refused.append, ticket))
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse()  # answers the client's pings itself
        await ws.prepare(request)
        await ws.send_str(json.dumps(self._hello()))

        def opened() -> None:
            self._fake.tickets_connected.append(ticket)
            self._open[ticket] = ws

        self._fake.changed(opened)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self._fake.changed(functools.partial(self._fake.acks.append, ack))
        finally:
            self._fake.changed(functools.partial(self._open.pop, ticket))
        return ws

    def _hello(self) -> dict[str, Any]:
        return {
            "type": "hello",
            "num_connections": len(self._open) + 1,
            "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A0001"},
        }
