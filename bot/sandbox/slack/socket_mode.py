"""Socket Mode: the WebSocket the stand-in serves, and the helpers tests use.

``with slack.socket_mode():`` serves the WebSocket whose URL ``apps.connections.open``
answers with; it greets with a ``hello`` envelope, lets a test ``push`` envelopes and
records the acks the bot sends back.
"""

from __future__ import annotations

import functools
import json
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
    socket_url: str | None
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
        self.socket_url = server.url
        try:
            yield self
        finally:
            self._socket = None
            self.socket_url = None
            server.stop()

    def socket_open(self) -> int:
        """How many Socket Mode connections are open now."""
        return self._socket.open_count() if self._socket is not None else 0

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        """Deliver an envelope (``slash_commands``, ``interactive``) on the newest connection."""
        if self._socket is None:
            raise AssertionError("Socket Mode is not being served")
        envelope_id = str(uuid.uuid4())
        self._socket.send(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": True,
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        return envelope_id

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
        self._open: list[web.WebSocketResponse] = []
        app = web.Application()
        app.router.add_get("/socket", self._connection)
        self._server = AiohttpThread(app, name="the Socket Mode server")
        self.url = f"ws://127.0.0.1:{self._server.port}/socket"

    def start(self) -> SocketServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(before=self._close_all)

    def open_count(self) -> int:
        return len(self._open)

    def send(self, envelope: dict[str, Any]) -> None:
        async def deliver() -> None:
            if not self._open:
                raise AssertionError("the bot has no Socket Mode connection open")
            await self._open[-1].send_str(json.dumps(envelope))

        self._server.run(deliver())

    async def _close_all(self) -> None:
        for ws in list(self._open):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    async def _connection(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # answers the client's pings itself
        await ws.prepare(request)
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": len(self._open) + 1,
                    "debug_info": {"host": "fake-slack", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0001"},
                }
            )
        )
        self._fake.changed(lambda: self._open.append(ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self._fake.changed(functools.partial(self._fake.acks.append, ack))
        finally:
            self._fake.changed(lambda: self._open.remove(ws))
        return ws
