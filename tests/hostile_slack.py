"""Slack stand-ins that misbehave, or that check what the stand-in (bot.sandbox.slack) does not.

``RawSlack`` is a TCP server in the test's own event loop that speaks just enough HTTP
to fail the way a network does: it never answers, cuts an answer short, drops the
connection, or asks for a long rate-limit wait.

``TicketSlack`` serves ``apps.connections.open`` and the Socket Mode WebSocket the way
Slack documents them: each URL is "a temporary Socket Mode WebSocket URL"
(https://docs.slack.dev/reference/methods/apps.connections.open/), so here a URL admits
one connection and is refused after that (or at once, when the test expires it). It
records every Web API call with its headers.
"""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, TypeVar

from aiohttp import WSCloseCode, web

from bot.sandbox.slack.aiohttp_thread import AiohttpThread
from bot.sandbox.slack.fake import APP_TOKEN
from tests.constants import SLACK_TOKEN

T = TypeVar("T")

Behaviour = Literal["hang", "cut", "drop", "slow_drop", "slow_429"]
RETRY_AFTER = 30
"""Seconds ``slow_429`` asks the caller to wait."""
SLOW_DROP = 0.4
"""Seconds ``slow_drop`` keeps a request before dropping the connection."""


class RawSlack:
    """``async with RawSlack("hang") as slack:`` — ``slack.url`` is a Web API base URL.

    - ``hang``: accepts the connection, reads the request, never answers;
    - ``cut``: promises a 200 body of 200 bytes, sends 10, closes the connection;
    - ``drop``: reads the request and closes the connection without a word;
    - ``slow_drop``: the same, 0.4 s later;
    - ``slow_429``: answers 429 ``ratelimited`` with ``Retry-After: 30``.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/api/"

    async def __aenter__(self) -> RawSlack:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            await reader.readuntil(b"\r\n\r\n")  # the request's head is enough
            if self.behaviour == "hang":
                while await reader.read(65536):
                    pass  # until the client gives up and closes
                return
            if self.behaviour == "slow_drop":
                await asyncio.sleep(SLOW_DROP)
            elif self.behaviour == "cut":
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 200\r\n\r\n" + b'{"ok": tru'
                )
            elif self.behaviour == "slow_429":
                body = b'{"ok": false, "error": "ratelimited"}'
                writer.write(
                    b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                    + f"Retry-After: {RETRY_AFTER}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@dataclass(frozen=True)
class Call:
    method: str
    headers: dict[str, str]


class TicketSlack:
    """``with TicketSlack() as slack:`` — the Web API at ``slack.url + "/api/"``, in a thread.

    ``apps.connections.open`` (with the app-level token) answers
    ``ws://…/link/?ticket=N``; other methods (with the bot token) answer ``ok``.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refused: list[int] = []
        """Tickets whose connection was refused, in order."""
        self.connected: list[int] = []
        """Tickets that got a connection, in order."""
        self._lock = threading.Condition()
        self._issued = 0
        self._usable: set[int] = set()
        self._expire = 0
        self._open: dict[int, web.WebSocketResponse] = {}
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/link/", self._link)
        self._server = AiohttpThread(app, name="TicketSlack")
        self.url = f"http://127.0.0.1:{self._server.port}"

    # --- test helpers ----------------------------------------------------------------

    def expire_next(self, count: int = 1) -> None:
        """The next ``count`` URLs handed out are dead by the time anyone uses them."""
        with self._lock:
            self._expire += count

    def wait_for(self, probe: Callable[[], T | None], *, timeout: float = 10.0) -> T:
        with self._lock:
            result = self._lock.wait_for(probe, timeout=timeout)
        if not result:
            raise AssertionError(f"condition not met within {timeout} s")
        return result

    def open_tickets(self) -> list[int]:
        with self._lock:
            return sorted(self._open)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def send(self, envelope: dict[str, Any]) -> None:
        """Send an envelope on every open connection."""
        self._server.run(self._send_all(json.dumps(envelope)))

    def close_sockets(self) -> None:
        """Close every open connection from Slack's side."""
        self._server.run(self._close_all())

    # --- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> TicketSlack:
        self._server.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.stop(before=self._close_all)

    def _notify(self, change: Callable[[], object]) -> None:
        with self._lock:
            change()
            self._lock.notify_all()

    async def _send_all(self, text: str) -> None:
        for ws in list(self._open.values()):
            await ws.send_str(text)

    async def _close_all(self) -> None:
        for ws in list(self._open.values()):
            await ws.close(code=WSCloseCode.GOING_AWAY)

    # --- the server ------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self._notify(lambda: self.calls.append(Call(method, dict(request.headers))))
        token = APP_TOKEN if method == "apps.connections.open" else SLACK_TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "apps.connections.open":
            return web.json_response({"ok": True, "url": self._issue()})
        if method == "chat.postMessage":
            return web.json_response({"ok": True, "ts": "1700000000.000001"})
        return web.json_response({"ok": True})

    def _issue(self) -> str:
        with self._lock:
            self._issued += 1
            ticket = self._issued
            if self._expire:
                self._expire -= 1
            else:
                self._usable.add(ticket)
        return f"ws://127.0.0.1:{self._server.port}/link/?ticket={ticket}"

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = int(request.query.get("ticket", "0"))
        with self._lock:
            usable = ticket in self._usable
            self._usable.discard(ticket)  # single use
        if not usable:
            self._notify(lambda: self.refused.append(ticket))
            return web.json_response({"ok": False, "error": "invalid_ticket"}, status=401)
        ws = web.WebSocketResponse()  # answers the client's pings itself
        await ws.prepare(request)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": len(self._open) + 1}))

        def opened() -> None:
            self.connected.append(ticket)
            self._open[ticket] = ws

        self._notify(opened)
        try:
            async for _ in ws:
                pass  # acks: not needed here
        finally:
            self._notify(functools.partial(self._open.pop, ticket))
        return ws
