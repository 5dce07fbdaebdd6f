"""A loopback stand-in for the Slack Web API, for ``response_url``s and for Socket Mode.

It answers like Slack (``{"ok": true, ...}``; errors as HTTP 200 ``ok: false``; rate
limits as HTTP 429 with ``Retry-After``), keeps the messages it was sent so tests can
read a channel and a thread, and records every call.

Socket Mode (``with slack.socket_mode():``): ``apps.connections.open`` answers with the
URL of a WebSocket that greets with a ``hello`` envelope, lets a test ``push`` envelopes
and records the acks the bot sends back.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import itertools
import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import parse_qs

from aiohttp import WSCloseCode, WSMsgType, web
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

T = TypeVar("T")
BOT_USER = "UBOT0001"
APP_TOKEN = "xapp-1-A0001-3333-" + "s0ck3t" * 4
SCOPES = ("commands", "chat:write", "chat:write.public")


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    edits: int = 0

    def copy(self) -> Message:
        return replace(self, blocks=copy.deepcopy(self.blocks))

    def buttons(self) -> dict[str, str]:
        """action_id → value of every button on the message."""
        found = {}
        for block in self.blocks:
            for element in block.get("elements", []):
                if element.get("type") == "button":
                    found[element["action_id"]] = element["value"]
        return found


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    status: int


@dataclass
class _Fault:
    method: str
    status: int
    times: int
    retry_after: int | None
    error: str


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    calls: list[Call] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    app_token: str = APP_TOKEN
    scopes: tuple[str, ...] = SCOPES
    """What ``auth.test`` reports in its ``x-oauth-scopes`` header."""
    acks: list[dict[str, Any]] = field(default_factory=list)
    """Socket Mode acks, as the bot sent them (``{"envelope_id", "payload"?}``)."""

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._faults: list[_Fault] = []
        self._holds: dict[str, threading.Event] = {}
        self._ts = itertools.count(1)
        self._socket: _SocketServer | None = None

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
        with self._lock:
            self._faults.append(_Fault(method, status, times, retry_after, error))

    def hold(self, method: str) -> threading.Event:
        """The next ``method`` call takes effect at once but is answered only when the
        returned event is set (10 s at most): a slow Slack, for races."""
        gate = threading.Event()
        with self._lock:
            self._holds[method] = gate
        return gate

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
            return [m.copy() for m in self.messages if m.thread_ts == ts]

    def message(self, ts: str) -> Message:
        with self._lock:
            return next(m.copy() for m in self.messages if m.ts == ts)

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def response_texts(self) -> list[str]:
        with self._lock:
            return [str(r.get("text", "")) for r in self.responses]

    # --- Socket Mode -----------------------------------------------------------------

    @contextmanager
    def socket_mode(self) -> Iterator[FakeSlack]:
        """Serve the Socket Mode WebSocket for the duration of the block."""
        server = _SocketServer(self)
        self._socket = server.start()
        try:
            yield self
        finally:
            self._socket = None
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
            return self._record(method, args, 200, {"ok": False, "error": "invalid_auth"})
        fault = self._take_fault(method)
        if fault is not None:
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return self._record(
                    method, args, 429, {"ok": False, "error": "ratelimited"}, headers
                )
            return self._record(method, args, fault.status, {"ok": False, "error": fault.error})
        scopes = {"x-oauth-scopes": ",".join(self.scopes)} if method == "auth.test" else None
        response = self._record(method, args, 200, self._answer(method, args), scopes)
        with self._lock:
            gate = self._holds.pop(method, None)
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, 10.0)
        return response

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": "rollback-bot",
                "team_id": "T0001",
                "user_id": BOT_USER,
                "bot_id": "B0001",
            }
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            message = Message(
                channel=str(args.get("channel", "")),
                ts=ts,
                text=str(args.get("text", "")),
                blocks=_blocks(args.get("blocks")),
                thread_ts=args.get("thread_ts") or None,
            )
            self.messages.append(message)
            return {"ok": True, "channel": message.channel, "ts": ts, "message": {"ts": ts}}
        if method == "chat.update":
            for message in self.messages:
                if message.ts == args.get("ts") and message.channel == args.get("channel"):
                    message.text = str(args.get("text", message.text))
                    if "blocks" in args:
                        message.blocks = _blocks(args.get("blocks"))
                    message.edits += 1
                    return {"ok": True, "channel": message.channel, "ts": message.ts}
            return {"ok": False, "error": "message_not_found"}
        if method == "apps.connections.open":
            if self._socket is None:
                return {"ok": False, "error": "internal_error"}
            return {"ok": True, "url": self._socket.url}
        if method == "usergroups.users.list":
            group = str(args.get("usergroup", ""))
            if group not in self.groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.groups[group])}
        return {"ok": True}

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def _record(
        self,
        method: str,
        args: dict[str, Any],
        status: int,
        body: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> Response:
        with self._lock:
            self.calls.append(Call(method, args, status))
            self._lock.notify_all()
        return JSONResponse(body, status_code=status, headers=headers)

    async def _response_url(self, request: Request) -> Response:
        body = json.loads(await request.body() or b"{}")
        with self._lock:
            self.responses.append(body)
            self._lock.notify_all()
        return PlainTextResponse("ok")


def _parse(raw: str, content_type: str) -> dict[str, Any]:
    if "json" in content_type or raw.startswith("{"):
        parsed = json.loads(raw or "{}")
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(raw).items()}


def _blocks(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        value = json.loads(value)
    return list(value or [])


class _SocketServer:
    """The Socket Mode WebSocket, on aiohttp in its own thread and event loop.

    Not a Starlette route: uvicorn serves WebSockets only with the ``websockets`` or
    ``wsproto`` package, and aiohttp is already a dependency of the bot (slack_sdk's
    Socket Mode client).
    """

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.bind(("127.0.0.1", 0))
        self.url = f"ws://127.0.0.1:{self._sock.getsockname()[1]}/socket"
        self._loop = asyncio.new_event_loop()
        self._open: list[web.WebSocketResponse] = []
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        app = web.Application()
        app.router.add_get("/socket", self._connection)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)

    def start(self) -> _SocketServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the Socket Mode server did not start")
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._sock.close()

    def open_count(self) -> int:
        return len(self._open)

    def send(self, envelope: dict[str, Any]) -> None:
        async def deliver() -> None:
            if not self._open:
                raise AssertionError("the bot has no Socket Mode connection open")
            await self._open[-1].send_str(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(deliver(), self._loop).result(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.SockSite(self._runner, self._sock).start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _shutdown(self) -> None:
        for ws in list(self._open):
            await ws.close(code=WSCloseCode.GOING_AWAY)
        await self._runner.cleanup()

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
        self._fake._notify(lambda: self._open.append(ws))
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = json.loads(message.data)
                    self._fake._notify(functools.partial(self._fake.acks.append, ack))
        finally:
            self._fake._notify(lambda: self._open.remove(ws))
        return ws
