"""The simulator's edge: one ASGI middleware for what a real edge does to every request,
known route or not: latency, auth, rate limit, injected faults and the journal."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import cast
from urllib.parse import parse_qs

import httpx
from starlette.datastructures import MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .clock import real_time_headers
from .errors import error_body
from .faults import DROP_CONNECTION, Fault
from .journal import RecordedRequest
from .logs import LOG_PATH
from .traffic import TrafficControls


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised to cut the connection mid-response.

    Under uvicorn the response has started, so the server closes the socket and the
    client sees an incomplete response. Under httpx.ASGITransport the exception reaches
    the client as-is; subclassing httpx's own transport error keeps both paths alike.
    """


class Edge:
    """Latency, auth, rate limit, injected faults and the journal, in that order."""

    def __init__(self, app: ASGIApp, sim: TrafficControls) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The pre-signed log files stand for another host (object storage): none of the
        # API's edge applies to them (logs.py).
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(LOG_PATH):
            await self.app(scope, receive, send)
            return
        sim = self.sim
        request = Request(scope, receive)
        try:
            raw = await request.body()
        except ClientDisconnect:
            return  # the client went away mid-request (a bot killed); no one to answer
        if sim.latency > 0:
            await asyncio.sleep(sim.latency)
        ex = _Exchange(sim, request, raw)
        sim.journal.arrive(ex.method, ex.path)
        if not ex.authorized:
            # Unauthenticated calls are not charged to the token's budget.
            headers = {**real_time_headers(sim.rate_limiter.peek_headers(), sim.clock)}
            await _answer(send, ex.record, 401, error_body(401), ex.stamp(headers))
            return
        decision = sim.rate_limiter.hit()
        rate_headers = ex.stamp(real_time_headers(decision.headers, sim.clock))
        if not decision.allowed:
            await _answer(send, ex.record, 429, error_body(429), rate_headers)
            return
        fault = sim.faults.take(ex.method, ex.path)
        if fault is not None and await self._fault(
            fault, ex, rate_headers, scope=scope, receive=receive, send=send
        ):
            return

        # The body was consumed above; hand it to the route once, then defer.
        replay = _replay_once(raw, receive)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in rate_headers.items():
                    headers[name] = value
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Journal before the last byte leaves, so a client in another thread
                # never sees a response whose request is not yet recorded.
                ex.record(status)
            await send(message)

        await self.app(scope, replay, send_with_headers)

    async def _fault(
        self,
        fault: Fault,
        ex: _Exchange,
        rate_headers: dict[str, str],
        *,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> bool:
        """Play an injected fault; True when it answered (or dropped) the request."""
        if fault.delay > 0:
            await asyncio.sleep(fault.delay)
        if fault.after_effect and fault.status is not None:
            await self.app(scope, _replay_once(ex.raw, receive), _discard)
        if fault.status == DROP_CONNECTION:
            ex.record(DROP_CONNECTION)
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise DroppedConnection("simulated connection drop")
        if fault.status is None:
            return False
        headers = dict(rate_headers)
        if fault.status == 429:
            # Like the real burst answer (description.yml's sample): nothing "remains".
            headers["ratelimit-remaining"] = "0"
        if fault.retry_after is not None:
            headers["retry-after"] = str(fault.retry_after)
        body = fault.body if fault.body is not None else error_body(fault.status)
        await _answer(send, ex.record, fault.status, body, headers)
        return True


class _Exchange:
    """One request as the edge sees it, and how to journal it."""

    def __init__(self, sim: TrafficControls, request: Request, raw: bytes) -> None:
        self.sim = sim
        self.request = request
        self.raw = raw
        self.method = str(request.method).upper()
        self.path = str(request.url.path)
        self.authorized = sim.check_token(request.headers.get("authorization"))
        # shared/headers.yml: every answer carries x-request-id ("a unique identifier for
        # the request"), which DigitalOcean support asks for.
        self.request_id = str(uuid.uuid4())
        self.arrived = sim.clock()

    def stamp(self, headers: dict[str, str]) -> dict[str, str]:
        return {**headers, "x-request-id": self.request_id}

    def record(self, status: int) -> None:
        self.sim.journal.record(
            RecordedRequest(
                method=self.method,
                path=self.path,
                query=parse_qs(self.request.url.query, keep_blank_values=True),
                json=_maybe_json(self.raw),
                authorized=self.authorized,
                status=status,
                request_id=self.request_id,
                user_agent=self.request.headers.get("user-agent", ""),
                at=self.arrived,
            )
        )


def _replay_once(raw: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    return replay


async def _discard(message: Message) -> None:
    """Swallow a response whose work must happen but whose answer is lost."""


async def _answer(
    send: Send,
    record: Callable[[int], None],
    status: int,
    body: object,
    headers: dict[str, str],
) -> None:
    record(status)
    payload = json.dumps(body).encode()
    raw_headers = [(b"content-type", b"application/json; charset=utf-8")]
    raw_headers.append((b"content-length", str(len(payload)).encode()))
    raw_headers.extend((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


def _maybe_json(raw: bytes) -> object | None:
    if not raw.strip():
        return None
    try:
        return cast(object, json.loads(raw))
    except ValueError:
        return None
