"""The stand-in over HTTP: ``{prefix}/api/{method}`` (the Web API) and
``{prefix}/response/{key}`` (``response_url``s), as Starlette routes.

A call is checked for its token (``apps.connections.open`` is the one method called with
the app-level token), may meet an injected fault (``faults.py``), is answered by
``web_api.py`` and journalled in ``Workspace.calls`` (and ``refusals`` when a rule of
Slack's refused it; an injected fault is not a broken rule).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.sandbox.slack import web_api
from bot.sandbox.slack.faults import DROP_CONNECTION, HOLD_SECONDS, Dropped, Faults
from bot.sandbox.slack.rules import Refusal
from bot.sandbox.slack.web_api import Answer
from bot.sandbox.slack.workspace import Call, Workspace


def slack_routes(workspace: Workspace, faults: Faults, *, prefix: str = "") -> list[Route]:
    async def api(request: Request) -> Response:
        method = str(request.path_params["method"])
        args = {
            **dict(request.query_params),
            **_arguments(await request.body(), request.headers.get("content-type", "")),
        }
        token = workspace.app_token if method == "apps.connections.open" else workspace.token
        if request.headers.get("authorization") != f"Bearer {token}":
            return _record(workspace, request, args, (200, Refusal("invalid_auth").body(), None))
        fault = faults.take(method)
        if fault is not None and fault.status == DROP_CONNECTION:
            _record(workspace, request, args, (DROP_CONNECTION, Refusal("dropped").body(), None))
            return Dropped()
        if fault is not None:
            return _record(workspace, request, args, fault.answer())
        delay = faults.delayed(method)
        if delay is not None:
            delay.arrived.set()
            await asyncio.get_running_loop().run_in_executor(None, delay.release.wait, HOLD_SECONDS)
        with workspace.lock:
            answer = web_api.answer(workspace, method, args)
            response = _record(workspace, request, args, answer, refusal=not answer[1].get("ok"))
            gate = faults.gate(method)
        if gate is not None:
            await asyncio.get_running_loop().run_in_executor(None, gate.wait, HOLD_SECONDS)
        return response

    async def response_url(request: Request) -> Response:
        key = str(request.path_params["key"])
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            body = None
        with workspace.lock:
            status, answer = web_api.respond(workspace, key, body)
            if status != 200:
                refused = Call("response_url", {"key": key, "body": body}, status, answer)
                workspace.refusals.append(refused)
            workspace.notify()
        return PlainTextResponse(answer, status_code=status)

    return [
        Route(prefix + "/api/{method}", api, methods=["GET", "POST"]),
        Route(prefix + "/response/{key}", response_url, methods=["POST"]),
    ]


def _record(
    workspace: Workspace,
    request: Request,
    args: dict[str, Any],
    answer: Answer,
    *,
    refusal: bool = False,
) -> Response:
    """Journal the call (and, when a rule refused it, the refusal) and answer it."""
    status, body, headers = answer
    error = "" if body.get("ok") else str(body.get("error"))
    method = str(request.path_params["method"])
    call = Call(method, args, status, error, headers=dict(request.headers))
    with workspace.lock:
        workspace.calls.append(call)
        if refusal:
            workspace.refusals.append(call)
        workspace.notify()
    return JSONResponse(body, status_code=status, headers=headers)


def _arguments(raw: bytes, content_type: str) -> dict[str, Any]:
    """Web API arguments arrive as JSON or form-encoded, depending on the method."""
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text or "{}")
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {k: v[0] for k, v in parse_qs(text).items()}
