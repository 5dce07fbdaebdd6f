"""Listening for HTTP: a TCP port taken up front (a taken port is one clear sentence, not
a traceback), the limits ``rollback-bot serve`` gives uvicorn, and a uvicorn server that
leaves signals to whoever runs it."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Iterator

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from bot.errors import ListenError

log = logging.getLogger(__name__)

KEEP_ALIVE = 5
"""Seconds an idle kept-alive connection stays open (uvicorn's ``timeout_keep_alive``,
its default, said here): idle connections count towards ``MAX_CONNECTIONS``. A proxy in
front must drop idle upstream connections sooner, or may reuse one as it is closed."""

HEAD_DEADLINE = 5.0
"""Seconds a connection may take to send a request's line and headers, from when it opens
or its previous answer was sent (``HeadDeadlineH11``); a client that wants an answer
sends its head at once."""

MAX_HEAD = 8 * 1024
"""Bytes of an unfinished request line and headers uvicorn buffers (its
``h11_max_incomplete_event_size``; h11's default is 16 KiB): "The maximum number of bytes
we're willing to buffer of an incomplete event. In practice this mostly sets a limit on
the maximum size of the request/response line + headers" (h11/_connection.py). A head that
arrives whole in one read is parsed at once. Slack's are a few short headers; past it
uvicorn answers 400 ("Invalid HTTP request received.", one warning line) and closes."""

MAX_CONNECTIONS = 100
"""Connections and requests in progress at once (uvicorn's ``limit_concurrency``); past it
uvicorn answers 503 ("Exceeded concurrency limit."). A request holds at most
``bot.entrypoints.http_server.MAX_BODY`` (1 MiB) of body plus uvicorn's 64 KiB read buffer
(``HIGH_WATER_LIMIT``, flow_control.py): 100 of them fit in the pod's 256Mi beside the
bot itself, where an unbounded number would get it OOM-killed."""


def listen(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, so asyncio turns Nagle off on the accepted connections.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ListenError(
                f"Port {port} is already in use; choose another with --port."
            ) from None
        raise ListenError(f"Cannot listen on {host}:{port} ({exc.strerror}).") from None
    return sock


class HeadDeadlineH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head is late.

    uvicorn has no such timeout: its only timer, the keep-alive one, is armed after an
    answer (``on_response_complete`` in h11_impl.py) and cancelled by any byte received
    (``data_received``), so a connection that sends nothing yet, or a header line every
    few seconds, would hold one of ``MAX_CONNECTIONS`` for ever. The body has a deadline
    of its own once the head is in (``bot.entrypoints.http_server.BODY_DEADLINE``).
    """

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_head(after=None)

    def on_response_complete(self) -> None:
        answered = self.cycle
        super().on_response_complete()
        self._expect_head(after=answered)

    def _expect_head(self, *, after: RequestResponseCycle | None) -> None:
        def late() -> None:
            # A new cycle is a head that arrived (uvicorn starts one per request head).
            if self.cycle is after and not self.transport.is_closing():
                log.info("closed a connection: no request head within %g s", HEAD_DEADLINE)
                self.transport.close()

        self.loop.call_later(HEAD_DEADLINE, late)


class SignalFreeServer(uvicorn.Server):
    """A uvicorn server that leaves SIGTERM and SIGINT to the code that runs it.

    uvicorn takes them for itself while it serves and re-raises a caught one once it has
    stopped, which would end the process before its owner has closed what it holds (the
    Socket Mode connection and the runtime, the demo's private redis-server).
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
