"""Faults a test injects into the Slack stand-in: refused, cut-off or slow calls.

``fail`` makes the next calls of a method take no effect and be answered with an error
(429 with ``Retry-After``: a rate limit), or cut off mid-answer (``DROP_CONNECTION``);
``hold`` lets a call take effect at once but answers it only when the test says so;
``delay`` keeps a call from taking effect until the test says so (a request slow on its
way to Slack, overtaken by later ones).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from bot.sandbox.digitalocean.server import DroppedConnection
from bot.sandbox.slack.rules import RATELIMITED, Refusal

DROP_CONNECTION = 0
"""``fail(..., status=DROP_CONNECTION)``: cut the connection instead of answering."""
HOLD_SECONDS = 10.0
"""The longest a held call waits for its gate."""


@dataclass
class Fault:
    method: str
    status: int
    times: int
    retry_after: int | None
    error: str

    def answer(self) -> tuple[int, dict[str, object], dict[str, str] | None]:
        """What the call is answered (status, body, headers); not for DROP_CONNECTION."""
        if self.status == 429:
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after else None
            return 429, RATELIMITED.body(), headers
        return self.status, Refusal(self.error).body(), None


@dataclass(frozen=True)
class Delay:
    """A call held back on its way (``Faults.delay``): ``arrived`` is set when it reaches
    the stand-in, which lets it take effect once the test sets ``release``."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._holds: dict[str, threading.Event] = {}
        self._delays: dict[str, Delay] = {}

    def fail(
        self,
        method: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: int | None = 1,
        error: str = "ratelimited",
    ) -> None:
        """The next ``times`` calls of ``method`` take no effect: answered ``status`` with
        ``error`` (429: ``Retry-After``), or cut off (``status=DROP_CONNECTION``)."""
        with self._lock:
            self._faults.append(Fault(method, status, times, retry_after, error))

    def hold(self, method: str) -> threading.Event:
        """The next ``method`` call takes effect at once but is answered only when the
        returned event is set (10 s at most): a slow Slack, for races."""
        gate = threading.Event()
        with self._lock:
            self._holds[method] = gate
        return gate

    def delay(self, method: str) -> Delay:
        """The next ``method`` call takes effect (and is answered) only when the test sets
        ``release`` (10 s at most): calls made meanwhile overtake it."""
        delay = Delay()
        with self._lock:
            self._delays[method] = delay
        return delay

    def take(self, method: str) -> Fault | None:
        """The fault this call of ``method`` meets, if any (it is spent)."""
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def gate(self, method: str) -> threading.Event | None:
        """The gate this call of ``method`` waits for, if one was set (it is spent)."""
        with self._lock:
            return self._holds.pop(method, None)

    def delayed(self, method: str) -> Delay | None:
        """The delay this call of ``method`` meets before it takes effect (it is spent)."""
        with self._lock:
            return self._delays.pop(method, None)


class Dropped(Response):
    """Starts an answer, then cuts the connection (as the simulator's dropped connection):
    uvicorn closes the socket and the client reads an incomplete response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise DroppedConnection("simulated connection drop")
