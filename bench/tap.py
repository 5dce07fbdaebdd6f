"""An ASGI middleware that timestamps every request a stand-in receives.

The stand-ins' own journals carry no times; the lag and per-minute figures need them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Rewrite = Callable[[MutableHeaders], None]


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    status: int
    start: float  # real epoch seconds when the request arrived
    end: float  # when the last byte of the answer left
    body: bytes = b""
    answer: bytes = b""
    query: str = ""  # the query string, e.g. "page=2&per_page=200"


class Tap:
    def __init__(
        self, app: ASGIApp, *, keep_bodies: bool = False, rewrite: Rewrite | None = None
    ) -> None:
        self.app = app
        self.keep_bodies = keep_bodies
        self.rewrite = rewrite  # adjusts each answer's headers (e.g. to real time)
        self._lock = threading.Lock()
        self._hits: list[Hit] = []

    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.time()
        keep = self.keep_bodies
        body: list[bytes] = []
        answer: list[bytes] = []
        status = 0

        async def tapped_receive() -> Message:
            message = await receive()
            if keep and message["type"] == "http.request":
                body.append(message.get("body", b""))
            return message

        async def tapped_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if self.rewrite is not None:
                    self.rewrite(MutableHeaders(scope=message))
            elif message["type"] == "http.response.body":
                if keep:
                    answer.append(message.get("body", b""))
                if not message.get("more_body"):
                    hit = Hit(
                        method=str(scope["method"]),
                        path=str(scope["path"]),
                        status=status,
                        start=start,
                        end=time.time(),
                        body=b"".join(body),
                        answer=b"".join(answer),
                        query=bytes(scope.get("query_string", b"")).decode(errors="replace"),
                    )
                    with self._lock:
                        self._hits.append(hit)
            await send(message)

        await self.app(scope, tapped_receive, tapped_send)


def max_in_window(times: list[float], window: float) -> int:
    """The most events in any sliding window of ``window`` seconds."""
    ordered = sorted(times)
    best = 0
    lo = 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best
