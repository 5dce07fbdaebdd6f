"""A loopback stand-in for the Slack Web API, for ``response_url``s and for Socket Mode.

It answers like Slack (``{"ok": true, ...}``; errors as HTTP 200 ``ok: false``; rate
limits as HTTP 429 with ``Retry-After``), keeps the messages it was sent so tests can
read a channel and a thread, and records every call.

It refuses what Slack refuses, by the rules in ``bot.sandbox.slack.rules`` (each quoting
the Slack page it follows):

- a conversation the bot may not post in (``add_channel`` declares private ones and
  members; an undeclared ``C…`` id is a public channel the bot is not in);
- blocks Slack would not render (``invalid_blocks``, with ``response_metadata.messages``),
  no content (``no_text``), too much text (``msg_too_long``);
- ``chat.update`` of a message the bot did not post (``add_user_message``);
- more than 5 posts to one ``response_url``, or any after 30 minutes;
- posting faster than ``pace`` in one channel (HTTP 429).

``clock`` is the time those rules read; a ``ManualClock`` lets a test move it. What each
Web API method answers is in ``tests/fake_slack_web.py``, Socket Mode in
``tests/fake_slack_socket.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from bot.sandbox.digitalocean.server import DroppedConnection
from bot.sandbox.slack.rules import (
    RATELIMITED,
    Channel,
    Channels,
    Pace,
    PostingPace,
    Refusal,
    ResponseUrls,
)
from tests.fake_slack_socket import SocketMode, SocketServer
from tests.fake_slack_web import BOT_USER, Answer, Message, WebApi

__all__ = ["APP_TOKEN", "BOT_USER", "SCOPES", "Call", "FakeSlack", "Message"]

T = TypeVar("T")
DROP_CONNECTION = 0
"""``fail(..., status=DROP_CONNECTION)``: cut the connection instead of answering."""
APP_TOKEN = "xapp-1-A0001-3333-" + "s0ck3t" * 4
SCOPES = ("commands", "chat:write", "chat:write.public")


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    status: int
    error: str = ""
    """Slack's error code when it refused the call (``ok: false`` or a 429)."""


@dataclass
class _Fault:
    method: str
    status: int
    times: int
    retry_after: int | None
    error: str


@dataclass
class FakeSlack(SocketMode, WebApi):
    token: str = "xoxb-test-token"
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    """Messages in conversations: the bot's posts and people's (``add_user_message``)."""
    ephemerals: list[Message] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    """``response_url`` posts Slack accepted, as sent."""
    answered: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """The same posts by ``response_url`` key (one command's or click's answers)."""
    refusals: list[Call] = field(default_factory=list)
    """What a rule refused: Web API calls and ``response_url`` posts (method "response_url")."""
    groups: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    app_token: str = APP_TOKEN
    scopes: tuple[str, ...] = SCOPES
    """What ``auth.test`` reports in its ``x-oauth-scopes`` header, and what the rules read."""
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode acks, as the bot sent them (``{"envelope_id", "payload"?}``)."""
    pace: Pace | None = field(default_factory=Pace)
    """chat.postMessage's pace per channel (1 a second, bursts of 5). None turns it off, for
    a test that compresses time: real Slack would slow its posts to real seconds."""
    clock: Callable[[], float] = time.monotonic
    """Seconds, for the pace and response URLs' 30 minutes (``ManualClock`` to move it)."""

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._faults: list[_Fault] = []
        self._holds: dict[str, threading.Event] = {}
        self._ts = itertools.count(1)
        self._socket: SocketServer | None = None
        self.channels = Channels()
        self._by_ts: dict[str, Message] = {}
        self._threads: dict[str, list[Message]] = {}
        self._posting = PostingPace()
        self._response_urls = ResponseUrls()

    # --- test helpers ----------------------------------------------------------------

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
            self._faults.append(_Fault(method, status, times, retry_after, error))

    def hold(self, method: str) -> threading.Event:
        """The next ``method`` call takes effect at once but is answered only when the
        returned event is set (10 s at most): a slow Slack, for races."""
        gate = threading.Event()
        with self._lock:
            self._holds[method] = gate
        return gate

    def add_channel(
        self, channel_id: str, *, private: bool = False, members: Iterable[str] | None = None
    ) -> Channel:
        """Declare a conversation; the bot is in it when ``BOT_USER`` is among ``members``
        (None: every person is in, the bot is not)."""
        with self._lock:
            return self.channels.add(channel_id, private=private, members=members)

    def add_user_message(
        self, channel: str, text: str, *, user: str = "UALICE", thread_ts: str | None = None
    ) -> Message:
        """A person's message in ``channel`` (the bot may read it, not edit it)."""
        with self._lock:
            message = Message(channel, self._next_ts(), text, [], thread_ts, user=user)
            self._keep(message)
            self._lock.notify_all()
            return message.copy()

    def response_url(self, key: str) -> str:
        """A ``response_url`` received now: its 30 minutes start at once, not at first use."""
        with self._lock:
            self._response_urls.issue(key, self.clock())
        return f"{self.url}/response/{key}"

    def wait_for(self, probe: Callable[[], T | None], *, timeout: float = 10.0) -> T:
        """Wait until ``probe()`` is truthy (re-checked whenever Slack is called)."""
        with self._lock:
            result = self._lock.wait_for(probe, timeout=timeout)
        if not result:
            raise AssertionError(f"condition not met within {timeout} s")
        return result

    def top_level(self, channel: str | None = None) -> list[Message]:
        with self._lock:
            return [
                m.copy()
                for m in self.messages
                if m.thread_ts is None and (channel is None or m.channel == channel)
            ]

    def thread(self, ts: str) -> list[Message]:
        with self._lock:
            return [m.copy() for m in self._threads.get(ts, [])]

    def message(self, ts: str) -> Message:
        with self._lock:
            return self._by_ts[ts].copy()

    def _keep(self, message: Message) -> None:
        self.messages.append(message)
        self._by_ts[message.ts] = message
        if message.thread_ts is not None:
            self._threads.setdefault(message.thread_ts, []).append(message)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def response_texts(self, key: str | None = None) -> list[str]:
        """Texts posted to response URLs: all of them, or those of one ``key``."""
        with self._lock:
            bodies = self.responses if key is None else self.answered.get(key, [])
            return [str(r.get("text", "")) for r in bodies]

    def _notify(self, change: Callable[[], None] = lambda: None) -> None:
        with self._lock:
            change()
            self._lock.notify_all()

    # --- the server ------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["POST", "GET"]),
                Route("/response/{key}", self._response_url, methods=["POST"]),
            ]
        )

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        raw = (await request.body()).decode()
        args = {
            **dict(request.query_params),
            **_parse(raw, request.headers.get("content-type", "")),
        }
        # apps.connections.open is the one method called with the app-level token.
        token = self.app_token if method == "apps.connections.open" else self.token
        if request.headers.get("authorization") != f"Bearer {token}":
            return self._record(method, args, (200, {"ok": False, "error": "invalid_auth"}, None))
        fault = self._take_fault(method)
        if fault is not None:
            if fault.status == DROP_CONNECTION:
                self._record(method, args, (DROP_CONNECTION, Refusal("dropped").body(), None))
                return _Dropped()
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else None
                return self._record(method, args, (429, RATELIMITED.body(), headers))
            return self._record(method, args, (fault.status, Refusal(fault.error).body(), None))
        with self._lock:
            answer = self._answer(method, args)
            response = self._record(method, args, answer, refusal=not answer[1].get("ok"))
            gate = self._holds.pop(method, None)
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 10.0)
        return response

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _record(
        self, method: str, args: dict[str, Any], answer: Answer, *, refusal: bool = False
    ) -> Response:
        """Journal the call (and, when a rule refused it, the refusal) and answer it."""
        status, body, headers = answer
        call = Call(method, args, status, "" if body.get("ok") else str(body.get("error")))
        with self._lock:
            self.calls.append(call)
            if refusal:
                self.refusals.append(call)
            self._lock.notify_all()
        return JSONResponse(body, status_code=status, headers=headers)

    async def _response_url(self, request: Request) -> Response:
        key = str(request.path_params["key"])
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        with self._lock:
            status, answer = self._respond(key, body)
            if status != 200:
                refused = Call("response_url", {"key": key, "body": body}, status, answer)
                self.refusals.append(refused)
            elif isinstance(body, dict):
                self.answered.setdefault(key, []).append(body)
            self._lock.notify_all()
        return PlainTextResponse(answer, status_code=status)


class _Dropped(Response):
    """Starts an answer, then cuts the connection (as the simulator's dropped connection):
    uvicorn closes the socket and the client reads an incomplete response."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        raise DroppedConnection("simulated connection drop")


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type or raw.startswith("{"):
        parsed = json.loads(raw or "{}")
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw).items()}
