"""A Slack that fails the way a network does, below what the stand-in (bot.sandbox.slack)
can inject through its HTTP server.

``RawSlack`` is a TCP server in the test's own event loop that speaks just enough HTTP
to fail: it never answers, cuts an answer short, drops the connection, or asks for a long
rate-limit wait; and it counts the connections made to it.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Literal

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
