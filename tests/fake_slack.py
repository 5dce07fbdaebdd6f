"""A loopback stand-in for the Slack Web API and for ``response_url``s.

It answers like Slack (``{"ok": true, ...}``; errors as HTTP 200 ``ok: false``; rate
limits as HTTP 429 with ``Retry-After``), keeps the messages it was sent so tests can
read a channel and a thread, and records every call.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

T = TypeVar("T")
BOT_USER = "UBOT0001"


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

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._faults: list[_Fault] = []
        self._ts = itertools.count(1)

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
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return self._record(method, args, 200, {"ok": False, "error": "invalid_auth"})
        fault = self._take_fault(method)
        if fault is not None:
            if fault.status == 429:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                return self._record(
                    method, args, 429, {"ok": False, "error": "ratelimited"}, headers
                )
            return self._record(method, args, fault.status, {"ok": False, "error": fault.error})
        return self._record(method, args, 200, self._answer(method, args))

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
